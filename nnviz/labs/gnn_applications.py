"""GNN applications: knowledge-graph completion on a generated family graph, and traffic forecasting on a
generated road grid.

result = run(Config(task="knowledge_graph"))   # R-GCN + DistMult; filtered MRR / Hits@k against popularity
result = run(Config(task="traffic"))           # GCN + GRU against last value and the same GRU without the graph
result.summary(); result.figures(query=3, snapshot=5); result.figures(node=7, time=40)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import plotly.graph_objects as go
import torch

from nnviz.core.device import get_device
from nnviz.core.loop import fit, load_arrays, state_arrays
from nnviz.core.params import ConfigError, LabConfig, param
from nnviz.core.seed import seeded
from nnviz.data.graph_apps import RELATIONS, family_graph, traffic
from nnviz.labs.base import FigureInfo, LabResult, View
from nnviz.models.graph_apps import KGModel, TrafficModel
from nnviz.viz import curves as vc
from nnviz.viz.graph import GraphPanel, graph_grid
from nnviz.viz.kg import relation_graph
from nnviz.viz.theme import PALETTE, base_layout

NAME = "gnn_applications"
TASKS = ("knowledge_graph", "traffic")
TOP_K = 10
BATCH = 16  # forecast windows per traffic training step
MODELS = ("last value", "GRU (no graph)", "GCN + GRU")
MEAN_KMH, STD_KMH = 50.0, 15.0  # fixed speed normalisation: the inputs stay comparable across settings


@dataclass(frozen=True)
class Config(LabConfig):
    task: str = param("knowledge_graph", choices=TASKS, help="knowledge_graph: complete a family graph; traffic: forecast speeds "
                      "on a road grid", group="Task")  # fmt: skip
    # 4 family trees of 3 generations: ~50 people and ~500 facts, small enough to draw whole
    families: int = param(4, lo=1, hi=12, help="Family trees in the knowledge graph", group="Knowledge graph")
    # a fifth of the facts hidden (each with its inverse, so "child of" cannot simply be read off "parent of")
    held_out: float = param(0.2, lo=0.05, hi=0.8, step=0.05, help="Share of facts held out (each with its inverse)",
                            label="Held out", group="Knowledge graph")  # fmt: skip
    # 1 R-GCN layer: an entity's vector hears from its relatives; 0 = DistMult alone
    kg_layers: int = param(1, lo=0, hi=3, help="R-GCN layers before the DistMult decoder (0 = DistMult alone)", label="R-GCN layers",
                           group="Knowledge graph")  # fmt: skip
    dim: int = param(32, lo=4, hi=128, step=4, help="Entity and relation vector size", label="Embedding size", group="Knowledge graph")
    # 6x6 intersections: 36 sensors, waves need several hops to cross
    grid: int = param(6, lo=3, hi=10, help="Road grid size (grid x grid intersections)", label="Grid size", group="Traffic")
    # 6 jams a day: most of the time a wave is somewhere, but not everywhere at once
    jams_per_day: float = param(6.0, lo=0.0, hi=40.0, step=1.0, help="Congestion waves started per day", label="Jams per day",
                                group="Traffic")  # fmt: skip
    # 2 steps (30 min) per hop: a neighbour's jam is a warning two readings ahead
    delay: int = param(2, lo=1, hi=6, help="Readings (15 min each) a wave takes to travel one road segment", label="Wave delay",
                       group="Traffic")  # fmt: skip
    noise: float = param(2.0, lo=0.0, hi=15.0, step=0.5, help="Sensor noise (km/h, standard deviation)", label="Noise (km/h)",
                         group="Traffic")  # fmt: skip
    # 4 readings = one hour ahead
    horizon: int = param(4, lo=1, hi=8, help="Readings to forecast (15 min each)", group="Traffic")
    # 8 readings (2 h) of history per forecast
    window: int = param(8, lo=2, hi=32, help="Past readings the models see", label="History window", group="Traffic")
    hidden: int = param(16, lo=4, hi=64, step=4, help="GCN / GRU hidden size", label="Hidden size", group="Traffic")
    # Adam 2e-2: both tasks converge within the default steps; 10 diverges
    lr: float = param(2e-2, lo=1e-4, hi=10.0, log=True, help="Adam learning rate", label="Learning rate", group="Training")
    # 150 full-batch (graph) / mini-batch (traffic) steps: near the held-out optimum for both tasks at the defaults
    epochs: int = param(150, lo=10, hi=2000, step=10, help="Training steps", group="Training")

    def validate(self) -> None:
        if self.window < self.horizon // 2:
            raise ConfigError("window", "the history window must be at least half the forecast horizon")


PRESETS = {
    "Knowledge graph: R-GCN + DistMult (default)": Config(),
    "Knowledge graph: DistMult alone": Config(kg_layers=0),
    "Knowledge graph: most facts hidden": Config(held_out=0.6),
    "Traffic: GCN + GRU vs GRU vs last value": Config(task="traffic"),
    "Traffic: fast waves (1 step per hop)": Config(task="traffic", delay=1),
    "Traffic: no jams (rhythm and noise only)": Config(task="traffic", jams_per_day=0.0),
    "Learning rate too large (diverges)": Config(lr=10.0),
}


# ----------------------------------------------------------------------------- knowledge graph


def kg_data(c: Config):
    kg = family_graph(c.families, 3, seed=c.seed)
    key = kg.pair_key()
    hide = np.random.default_rng(c.seed + 1).random(key.max() + 1) < c.held_out
    return kg, hide[key]


def filtered_ranks(scores: np.ndarray, queries: np.ndarray, known: set) -> np.ndarray:
    """scores (Q, N) for queries (h, r, t): rank of t among all entities after removing every other known
    true answer of (h, r, ?). Ties count half: rank = 1 + #higher + #tied / 2."""
    ranks = np.empty(len(queries))
    for q, (h, r, t) in enumerate(queries):
        s = scores[q].copy()
        others = [e for e in range(len(s)) if e != t and (h, r, e) in known]
        s[others] = -np.inf
        higher, tied = np.sum(s > s[t]), np.sum(s == s[t]) - 1
        ranks[q] = 1 + higher + tied / 2
    return ranks


def rank_metrics(ranks: np.ndarray) -> dict[str, float]:
    if not len(ranks):
        return {"mrr": float("nan"), "hits1": float("nan"), "hits3": float("nan"), "hits10": float("nan")}
    return {"mrr": float(np.mean(1 / ranks)), **{f"hits{k}": float(np.mean(ranks <= k)) for k in (1, 3, 10)}}


def popularity_scores(train: np.ndarray, queries: np.ndarray, n: int, n_rel: int) -> np.ndarray:
    """Baseline: how often each entity is the answer of the query's relation in the training facts."""
    counts = np.zeros((n_rel, n))
    np.add.at(counts, (train[:, 1], train[:, 2]), 1.0)
    return counts[queries[:, 1]]


def _kg_tensors(train: np.ndarray, device):
    return torch.tensor(train[:, [0, 2]].T, device=device), torch.tensor(train[:, 1], device=device)


def _run_kg(c: Config, device, progress) -> AppResult:
    kg, test = kg_data(c)
    train, held = kg.triples[~test], kg.triples[test]
    known = {tuple(x) for x in kg.triples.tolist()}
    ei, et = _kg_tensors(train, device)
    heads, rels, tails = (torch.tensor(train[:, i], device=device) for i in range(3))
    model = KGModel(kg.n, len(RELATIONS), c.dim, c.kg_layers).to(device)

    def loss_fn(model, _):
        return torch.nn.functional.cross_entropy(model(ei, et, heads, rels), tails), {}

    def eval_fn(model):
        s = model(ei, et, torch.tensor(held[:, 0], device=device), torch.tensor(held[:, 1], device=device)).cpu().numpy()
        return rank_metrics(filtered_ranks(s, held, known))

    log = fit(model, torch.optim.Adam(model.parameters(), lr=c.lr, weight_decay=1e-4), steps=c.epochs, batch_fn=lambda s: None,
              loss_fn=loss_fn, eval_fn=eval_fn if len(held) else None, snapshot_fn=lambda m, s: state_arrays(m),
              snapshot_every=max(1, c.epochs // 12), log_every=max(1, c.epochs // 30), progress=progress,
              max_loss=10 * math.log(kg.n))  # fmt: skip
    base = filtered_ranks(popularity_scores(train, held, kg.n, len(RELATIONS)), held, known)
    return AppResult(config=c, log=log, device=str(device), baseline_ranks=base, baseline=rank_metrics(base))


# ----------------------------------------------------------------------------- traffic


def traffic_data(c: Config):
    return traffic(c.grid, c.grid, steps=700, jams_per_day=c.jams_per_day, delay=c.delay, noise=c.noise, seed=c.seed)


def _windows(tr, c: Config):
    """Inputs (W, L, N, 3): normalised speed and time of day; targets (W, N, H) in km/h; split at 70% of time."""
    mean, std = MEAN_KMH, STD_KMH
    day = np.stack([np.sin(2 * np.pi * tr.phase), np.cos(2 * np.pi * tr.phase)], 1)
    feats = np.concatenate([((tr.speed - mean) / std)[..., None], np.broadcast_to(day[:, None], (*tr.speed.shape, 2))], -1)
    starts = np.arange(len(tr.speed) - c.window - c.horizon + 1)
    x = np.stack([feats[s : s + c.window] for s in starts]).astype(np.float32)
    y = np.stack([tr.speed[s + c.window : s + c.window + c.horizon].T for s in starts]).astype(np.float32)
    split = int(0.7 * len(starts))
    return x, y, split, mean, std


def _traffic_models(c: Config) -> torch.nn.ModuleDict:
    return torch.nn.ModuleDict(
        {"gru": TrafficModel(3, c.hidden, c.horizon, graph=False), "gcn": TrafficModel(3, c.hidden, c.horizon, graph=True)}
    )


def _predict(models, x: np.ndarray, ei: torch.Tensor, mean: float, std: float) -> dict[str, np.ndarray]:
    """(W, N, H) forecasts in km/h from each model, and the last-value baseline."""
    device = models["gcn"].head.weight.device
    xt, ei = torch.from_numpy(x).to(device), ei.to(device)
    out = {"last value": np.repeat(x[:, -1, :, 0:1] * std + mean, models["gcn"].head.out_features, axis=-1)}
    for key, label in (("gru", MODELS[1]), ("gcn", MODELS[2])):
        out[label] = (models[key](xt, ei) * std + mean).cpu().numpy()
    return out


def _run_traffic(c: Config, device, progress) -> AppResult:
    tr = traffic_data(c)
    x, y, split, mean, std = _windows(tr, c)
    ei = torch.tensor(tr.road.edge_index(), device=device)
    xt, yt = torch.tensor(x, device=device), torch.tensor((y - mean) / std, device=device)
    models = _traffic_models(c).to(device)
    gen = torch.Generator().manual_seed(c.seed)
    test = slice(split, None)

    def batch_fn(step):
        return torch.randint(0, split, (BATCH,), generator=gen).to(device)

    def loss_fn(models, idx):
        losses = {k: torch.mean((models[k](xt[idx], ei) - yt[idx]) ** 2) for k in ("gru", "gcn")}
        return losses["gru"] + losses["gcn"], {f"loss_{k}": v.item() for k, v in losses.items()}

    def eval_fn(models):
        pred = _predict(models, x[test], ei, mean, std)
        return {f"mae_{k}": float(np.abs(pred[label] - y[test]).mean()) for k, label in (("gru", MODELS[1]), ("gcn", MODELS[2]))}

    log = fit(models, torch.optim.Adam(models.parameters(), lr=c.lr), steps=c.epochs, batch_fn=batch_fn, loss_fn=loss_fn,
              eval_fn=eval_fn, snapshot_fn=lambda m, s: state_arrays(m), snapshot_every=max(1, c.epochs // 12),
              log_every=max(1, c.epochs // 10), progress=progress, max_loss=100.0)  # fmt: skip
    last = np.abs(np.repeat(x[test, -1, :, 0:1] * std + mean, c.horizon, -1) - y[test]).mean((0, 1))
    return AppResult(config=c, log=log, device=str(device), baseline={"mae": float(last.mean())}, last_value_mae=last)


def run(config: Config, progress=None) -> AppResult:
    device = get_device()
    with seeded(config.seed):
        return (_run_kg if config.task == "knowledge_graph" else _run_traffic)(config, device, progress)


# ----------------------------------------------------------------------------- result


@dataclass(frozen=True)
class AppResult(LabResult):
    baseline: dict = None  # knowledge graph: popularity MRR / hits; traffic: last-value MAE
    baseline_ranks: np.ndarray = None  # (held-out facts,) popularity's filtered ranks
    last_value_mae: np.ndarray = None  # (horizon,) km/h

    FIGURES: ClassVar[dict[str, FigureInfo]] = {
        "kg_graph": FigureInfo(
            "The family graph",
            "People (filled: born in the family, open: married in) in generations from top to bottom; one colour per "
            "relation, dashed facts are held out. Click legend entries to show the derived relations. The chosen query's "
            "person and its top answers are labelled.",
        ),
        "kg_query": FigureInfo(
            "One query and its top answers",
            "The model's scores for every candidate answer of the chosen held-out query, best first. The true answer "
            "is green; other known answers (filtered out of the ranking) are grey.",
        ),
        "kg_ranks": FigureInfo(
            "Where the true answer ranks",
            "Filtered rank of the true answer for every held-out fact, for the model and the popularity baseline. "
            "Rank 1 means the model's top guess was right.",
        ),
        "kg_relations": FigureInfo(
            "MRR per relation",
            "Mean reciprocal rank of held-out facts, relation by relation: which relations the model infers from "
            "the others, and which it cannot.",
        ),
        "road": FigureInfo(
            "Road grid: speeds now, later, and forecast",
            "Each dot is an intersection coloured by speed (km/h): at the chosen time, the truth the chosen number of minutes "
            "later (Forecast ahead), and the two models' forecasts for it. Congestion waves (red) travel along the roads.",
        ),
        "series": FigureInfo(
            "One intersection over time",
            "Measured speed at the chosen intersection over the test period, with each model's forecast for the "
            "same moment made Forecast-ahead minutes earlier. The dotted line is the chosen time.",
        ),
        "horizon": FigureInfo(
            "Error per forecast horizon",
            "Mean absolute error on the test period (the last 30% of time, never trained on) for each step ahead.",
        ),
        "curves": FigureInfo("Training curves", "Training loss and the held-out metric; dashed lines are the baseline."),
    }

    def _kg_data(self):
        return self.memo("kg_data", lambda: kg_data(self.config))

    def _traffic(self):
        def compute():
            tr = traffic_data(self.config)
            x, y, split, _, _ = _windows(tr, self.config)
            return tr, x, y, split

        return self.memo("traffic_data", compute)

    @property
    def kg(self) -> bool:
        return self.config.task == "knowledge_graph"

    def summary(self) -> dict[str, float]:
        out = super().summary()
        if self.kg:
            m = self.kg_metrics()
            return {**out, **m, "base_mrr": self.baseline["mrr"], "base_hits1": self.baseline["hits1"]}
        mae = self.traffic_mae()
        return {**out, "mae_gcn": float(mae[MODELS[2]].mean()), "mae_gru": float(mae[MODELS[1]].mean()),
                "mae_last": float(mae[MODELS[0]].mean())}  # fmt: skip

    def views(self) -> list[View]:
        c = self.config
        if self.kg:
            kg, test = self._kg_data()
            held = kg.triples[test]
            opts = tuple(range(len(held)))
            return [View("query", "Query", opts, 0, "A held-out fact, asked as (person, relation, ?)",
                         labels=tuple(f"person {h} — {RELATIONS[r]} — ?" for h, r, _ in held))]  # fmt: skip
        tr, x, y, split = self._traffic()
        times = tuple(range(0, len(x) - split))
        jam = tr.jam[split + c.window + c.horizon - 1 :][: len(times)]  # congestion at each forecast's last target step
        start = int(np.argmax(jam.std(1)))  # the most uneven jam map: a wave is clearly somewhere on the grid
        labels = tuple(self._clock(tr, split + t + c.window - 1) for t in times)
        return [
            View("node", "Intersection", tuple(range(tr.road.n)), tr.road.n // 2 + c.grid // 2,
                 labels=tuple(f"({i // c.grid}, {i % c.grid})" for i in range(tr.road.n))),
            View("time", "Time (test period)", times, times[start], "The moment the forecast is made", labels=labels),
            View("ahead", "Forecast ahead", tuple(range(1, c.horizon + 1)), min(c.delay, c.horizon), "Which forecast step to draw (default: the time a wave takes for one road)",
                 labels=tuple(f"{k * tr.minutes} min" for k in range(1, c.horizon + 1))),
        ]  # fmt: skip

    @staticmethod
    def _clock(tr, step: int) -> str:
        minutes = step * tr.minutes
        return f"day {minutes // 1440 + 1}, {minutes % 1440 // 60:02d}:{minutes % 60:02d}"

    def _snap(self, snapshot) -> int:
        n = len(self.log.snapshots)
        return n - 1 if snapshot is None else int(np.clip(snapshot, 0, n - 1))

    # --- knowledge graph internals

    def kg_internals(self, snapshot=None) -> dict:
        index = self._snap(snapshot)

        def compute():
            c = self.config
            kg, test = self._kg_data()
            train, held = kg.triples[~test], kg.triples[test]
            model = KGModel(kg.n, len(RELATIONS), c.dim, c.kg_layers)
            load_arrays(model, self.log.snapshots[index].data)
            ei, et = _kg_tensors(train, "cpu")
            with torch.no_grad():
                s = model(ei, et, torch.tensor(held[:, 0]), torch.tensor(held[:, 1])).numpy()
            known = {tuple(x) for x in kg.triples.tolist()}
            return {"scores": s, "ranks": filtered_ranks(s, held, known)}

        return self.memo(("kg", index), compute)

    def kg_metrics(self, snapshot=None) -> dict[str, float]:
        return rank_metrics(self.kg_internals(snapshot)["ranks"])

    # --- traffic internals

    def traffic_internals(self, snapshot=None) -> dict:
        index = self._snap(snapshot)

        def compute():
            c = self.config
            tr, x, y, split = self._traffic()
            mean, std = MEAN_KMH, STD_KMH
            models = _traffic_models(c)
            load_arrays(models, self.log.snapshots[index].data)
            with torch.no_grad():
                pred = _predict(models, x[split:], torch.tensor(tr.road.edge_index()), mean, std)
            return {"pred": pred, "y": y[split:], "split": split}

        return self.memo(("traffic", index), compute)

    def traffic_mae(self, snapshot=None) -> dict[str, np.ndarray]:
        inner = self.traffic_internals(snapshot)
        return {k: np.abs(p - inner["y"]).mean((0, 1)) for k, p in inner["pred"].items()}

    # --- figures

    def figures(
        self, query: int = 0, node: int | None = None, time: int | None = None, ahead: int | None = None, snapshot: int | None = None
    ) -> dict[str, go.Figure]:
        index = self._snap(snapshot)
        step = self.log.snapshots[index].step
        if self.kg:
            kg, test = self._kg_data()
            query = int(np.clip(query, 0, max(int(test.sum()) - 1, 0)))
            inner = self.kg_internals(index)
            return {"kg_graph": self._fig_kg_graph(inner, query, step), "kg_query": self._fig_kg_query(inner, query, step),
                    "kg_ranks": self._fig_kg_ranks(inner, step), "kg_relations": self._fig_kg_relations(inner, step),
                    "curves": self._fig_curves(step)}  # fmt: skip
        views = {v.name: v for v in self.views()}
        node = views["node"].default if node is None else int(np.clip(node, 0, self.config.grid**2 - 1))
        inner = self.traffic_internals(index)
        time = views["time"].default if time is None else int(np.clip(time, 0, len(inner["y"]) - 1))
        ahead = views["ahead"].default if ahead is None else ahead
        h = int(np.clip(ahead, 1, self.config.horizon)) - 1
        return {"road": self._fig_road(inner, node, time, h, step), "series": self._fig_series(inner, node, time, h, step),
                "horizon": self._fig_horizon(index, step), "curves": self._fig_curves(step)}  # fmt: skip

    def _top(self, inner, query):
        kg, test = self._kg_data()
        held = kg.triples[test]
        if not len(held):
            return held, np.zeros(0, int), None
        h, r, t = held[query]
        order = np.argsort(-inner["scores"][query], kind="stable")
        return held, order[: TOP_K + 1], (h, r, t)

    def _fig_kg_graph(self, inner, query, step) -> go.Figure:
        kg, test = self._kg_data()
        held, top, q = self._top(inner, query)
        hl = {}
        if q is not None:
            for k, e in enumerate(top[:3]):
                hl[int(e)] = f"#{k + 1}"
            hl[int(q[0])] = "query"
        forward = [0, 2, 3]  # parent, spouse, sibling: the rest follow from these
        title = f"Family graph: {kg.n} people, {len(kg.triples)} facts ({int(test.sum())} held out)"
        if q is not None:
            title += f"; query: person {q[0]} — {RELATIONS[q[1]]} — ? (truth: person {q[2]})"
        return relation_graph(kg.pos, kg.triples, RELATIONS, title=title, node_text=kg.names(), node_groups=kg.married_in.astype(int),
                              group_names=["born in the family", "married in"], dashed=test, shown=forward, highlight=hl)  # fmt: skip

    def _fig_kg_query(self, inner, query, step) -> go.Figure:
        kg, test = self._kg_data()
        held, top, q = self._top(inner, query)
        fig = go.Figure()
        if q is None:
            return base_layout(fig.update_xaxes(title="candidate").update_yaxes(title="score"), "No held-out facts")
        h, r, t = q
        known = {tuple(x) for x in kg.triples.tolist()}
        kinds = ["true answer" if e == t else ("other known answer (filtered)" if (h, r, e) in known else "wrong") for e in top]
        colours = {"true answer": PALETTE[2], "other known answer (filtered)": "#aaaaaa", "wrong": PALETTE[0]}
        for kind in colours:
            sel = [i for i, k in enumerate(kinds) if k == kind]
            fig.add_trace(go.Bar(x=[f"person {top[i]}" for i in sel], y=inner["scores"][query, top[sel]], name=kind,
                                 marker_color=colours[kind], text=[kg.names()[top[i]] for i in sel],
                                 hovertemplate="%{text}<br>score %{y:.3g}<extra></extra>"))  # fmt: skip
        fig.update_xaxes(title="candidate answer (best first)", categoryorder="array", categoryarray=[f"person {e}" for e in top])
        fig.update_yaxes(title="DistMult score <h, r, t>")
        rank = inner["ranks"][query]
        return base_layout(fig, f"Step {step}: person {h} — {RELATIONS[r]} — ?  true answer person {t}, filtered rank {rank:g}",
                           height=400, barmode="overlay", legend=dict(orientation="h", y=-0.3))  # fmt: skip

    def _fig_kg_ranks(self, inner, step) -> go.Figure:
        bins = ["1", "2", "3", "4-10", "11-20", ">20"]

        def hist(r):
            edges = [(1, 1.5), (1.5, 2.5), (2.5, 3.5), (3.5, 10.5), (10.5, 20.5), (20.5, np.inf)]
            return [int(np.sum((r >= lo) & (r < hi))) for lo, hi in edges]

        m = rank_metrics(inner["ranks"])
        return vc.bars(bins, {"R-GCN + DistMult" if self.config.kg_layers else "DistMult": hist(inner["ranks"]),
                              "popularity baseline": hist(self.baseline_ranks)},
                       title=f"Filtered rank of the true answer, step {step}: MRR {m['mrr']:.2f} vs {self.baseline['mrr']:.2f} (baseline)",
                       x_title="filtered rank (ties count half)", y_title="held-out facts (count)", text_fmt="d")  # fmt: skip

    def _fig_kg_relations(self, inner, step) -> go.Figure:
        kg, test = self._kg_data()
        rel = kg.triples[test][:, 1]
        present = [r for r in range(len(RELATIONS)) if np.any(rel == r)]

        def mrr(ranks):
            return [float(np.mean(1 / ranks[rel == r])) for r in present]

        return vc.bars([RELATIONS[r] for r in present], {"model": mrr(inner["ranks"]), "popularity baseline": mrr(self.baseline_ranks)},
                       title=f"MRR of held-out facts per relation, step {step}", x_title="relation", y_title="MRR (0-1)",
                       text_fmt=".2f", y_range=[0, 1.05])  # fmt: skip

    def _fig_road(self, inner, node, time, h, step) -> go.Figure:
        c = self.config
        tr = self._traffic()[0]
        now = tr.speed[inner["split"] + time + c.window - 1]
        values = [now, inner["y"][time, :, h], inner["pred"][MODELS[2]][time, :, h], inner["pred"][MODELS[1]][time, :, h]]
        names = [f"({i // c.grid}, {i % c.grid})" for i in range(tr.road.n)]
        panels = [GraphPanel(pos=tr.road.pos, edges=tr.road.edges, values=v, node_size=16, outline=np.arange(tr.road.n) == node,
                             node_text=[f"intersection {s}<br>{v[i]:.1f} km/h" for i, s in enumerate(names)]) for v in values]  # fmt: skip
        err = {k: np.abs(inner["pred"][k][time, :, h] - inner["y"][time, :, h]).mean() for k in MODELS[1:]}
        titles = ["now (last reading seen)", f"truth, {(h + 1) * tr.minutes} min later",
                  f"GCN + GRU forecast (MAE {err[MODELS[2]]:.1f})", f"GRU, no graph (MAE {err[MODELS[1]]:.1f})"]  # fmt: skip
        return graph_grid(panels, title=f"Speeds at {self._clock(tr, inner['split'] + time + c.window - 1)} and "
                          f"{(h + 1) * tr.minutes} min ahead (step {step})", panel_titles=titles, cols=4, node_colorbar="speed (km/h)",
                          node_scale="RdYlGn", node_range=(15.0, 65.0), panel_height=300,
                          axis_titles=("east (road blocks)", "south (road blocks)"))  # fmt: skip

    def _fig_series(self, inner, node, time, h, step) -> go.Figure:
        c = self.config
        tr = self._traffic()[0]
        t0 = inner["split"] + c.window + h  # clock step of the first forecast target
        x = (np.arange(len(inner["y"])) + t0) * tr.minutes / 60
        series = {
            "measured": inner["y"][:, node, h],
            **{f"{k} ({(h + 1) * tr.minutes} min ahead)": inner["pred"][k][:, node, h] for k in MODELS},
        }
        fig = vc.curves(x, series, title=f"Intersection ({node // c.grid}, {node % c.grid}): forecasts made {(h + 1) * tr.minutes} min "
                        f"ahead, step {step}", x_title="time (hours since start)", y_title="speed (km/h)", height=400)  # fmt: skip
        fig.data[0].line.width = 3
        fig.data[0].line.color = "#222"
        fig.add_vline(x=(inner["split"] + time + c.window - 1) * tr.minutes / 60, line=dict(color="#888", dash="dot"))
        return fig

    def _fig_horizon(self, index, step) -> go.Figure:
        c = self.config
        mae = self.traffic_mae(index)
        mins = [f"{(k + 1) * 15} min" for k in range(c.horizon)]
        return vc.bars(mins, {k: mae[k] for k in MODELS}, title=f"Test MAE per horizon at step {step} (mean: "
                       + ", ".join(f"{k} {mae[k].mean():.2f}" for k in MODELS) + " km/h)", x_title="forecast horizon",
                       y_title="mean absolute error (km/h)", text_fmt=".2f")  # fmt: skip

    def _fig_curves(self, marker_step) -> go.Figure:
        h = self.log.history
        n = len(h["step"])

        def get(name):
            v = h.get(name, np.array([]))
            return v if len(v) == n else np.full(n, np.nan)

        if self.kg:
            fig = vc.training_curves(h["step"], {"loss": {"cross-entropy": get("loss")}, "held-out": {"MRR": get("mrr"), "Hits@1": get("hits1"),
                                     "Hits@10": get("hits10")}}, title=f"Training: held-out MRR {self.kg_metrics()['mrr']:.2f} vs "
                                     f"{self.baseline['mrr']:.2f} (popularity)", y_titles={"loss": "cross-entropy over people (nats)",
                                     "held-out": "MRR / Hits (fraction)"}, marker_step=marker_step)  # fmt: skip
            fig.add_hline(y=self.baseline["mrr"], line=dict(color=PALETTE[1], dash="dash"), row=1, col=2, annotation_text="popularity MRR")
            return fig
        fig = vc.training_curves(h["step"], {"loss": {MODELS[1]: get("loss_gru"), MODELS[2]: get("loss_gcn")},
                                 "test MAE": {MODELS[1]: get("mae_gru"), MODELS[2]: get("mae_gcn")}},
                                 title="Training: test MAE of both models against last value", marker_step=marker_step,
                                 y_titles={"loss": "mini-batch MSE (normalised speed²)", "test MAE": "mean absolute error (km/h)"})  # fmt: skip
        fig.add_hline(y=self.baseline["mae"], line=dict(color=PALETTE[2], dash="dash"), row=1, col=2, annotation_text="last value")
        return fig
