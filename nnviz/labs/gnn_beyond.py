"""Beyond simple graphs: a hypergraph (davis southern women, events as hyperedges), a heterogeneous
authors-papers-venues graph with per-relation messages, and graph structure learning (an adjacency
learned from node features, scored against the true edges). Three small models train together.

result = run(Config())
result.summary()                  # accuracy on hypergraph and hetero nodes, AUC of the learned edges
result.figures(relation="paper__written_by__author", layer=0, snapshot=4)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import plotly.graph_objects as go
import torch
import torch.nn.functional as F
from sklearn.metrics import roc_auc_score, roc_curve
from torch import nn

from nnviz.core.device import get_device
from nnviz.core.loop import fit, load_arrays, state_arrays
from nnviz.core.params import LabConfig, param
from nnviz.core.seed import seeded
from nnviz.data.graphs import HETERO_RELATIONS, HETERO_TYPES, academic_graph, davis_hypergraph, feature_clusters
from nnviz.labs.base import FigureInfo, LabResult, View
from nnviz.models.gnn_beyond import EdgeLearner, HeteroGNN, HyperGNN, capture_hyper_messages, capture_relation_messages
from nnviz.viz import curves as vc
from nnviz.viz.graph import GraphPanel, graph_figure
from nnviz.viz.heatmap import heatmap, heatmap_grid

NAME = "gnn_beyond"
REL_NAMES = tuple("__".join(r) for r in HETERO_RELATIONS)
REL_LABELS = {n: f"{r[0]} →{r[1]}→ {r[2]}" for n, r in zip(REL_NAMES, HETERO_RELATIONS)}
TYPE_SYMBOLS = {"author": "circle", "paper": "square", "venue": "diamond"}


@dataclass(frozen=True)
class Config(LabConfig):
    # 2 labelled women per group: 4 of 18; the events carry the rest
    hyper_labels: int = param(
        2, lo=1, hi=6, help="Labelled women per group (hypergraph)", label="Hypergraph labels per class", group="Hypergraph"
    )
    # 2 labelled authors per area: the papers' words must reach the other authors through 'written_by'
    hetero_labels: int = param(
        2, lo=1, hi=8, help="Labelled authors per research area", label="Labelled authors per area", group="Heterogeneous"
    )
    # 15% of co-authors and venues from another area: clear structure with some noise
    mixing: float = param(0.15, lo=0.0, hi=1.0, step=0.05, help="Chance that a co-author or venue comes from a random area",
                          label="Area mixing", group="Heterogeneous")  # fmt: skip
    hetero_layers: int = param(2, lo=1, hi=3, help="HeteroConv layers", label="Hetero layers", group="Heterogeneous")
    # noise 1.0 around unit-variance class centres: features are informative but overlap
    gsl_noise: float = param(1.0, lo=0.0, hi=3.0, step=0.1, help="Feature noise around each class centre", label="Feature noise",
                             group="Structure learning")  # fmt: skip
    # half the true edges are shown to the learner, the other half are held out to score it
    observed: float = param(0.5, lo=0.1, hi=0.9, step=0.05, help="Share of true edges the learner trains on", label="Observed edges",
                            group="Structure learning")  # fmt: skip
    hidden: int = param(16, lo=4, hi=64, step=4, help="Width of every model's node vectors", label="Hidden size", group="Training")
    dropout: float = param(0.5, lo=0.0, hi=0.9, step=0.05, help="Dropout in the hypergraph model", group="Training")
    # Adam 1e-2 as for the other GNN pages; 10 is there to show divergence
    lr: float = param(
        1e-2, lo=1e-4, hi=10.0, log=True, help="Adam learning rate (all three models)", label="Learning rate", group="Training"
    )
    # 100 full-batch steps of three tiny models: about a second on two CPU cores; the learned edges peak here
    epochs: int = param(100, lo=10, hi=1000, step=10, help="Full-batch training steps", group="Training")


PRESETS = {
    "Defaults": Config(),
    "Hypergraph from one label per group": Config(hyper_labels=1),
    "Hetero: areas fully mixed (no signal)": Config(mixing=1.0),
    "Hetero: one layer (words reach authors directly)": Config(hetero_layers=1),
    "Structure learning: clean features": Config(gsl_noise=0.2),
    "Structure learning: few observed edges": Config(observed=0.1),
    "Learning rate too large (diverges)": Config(lr=10.0, dropout=0.0),
}


def _split(labels: np.ndarray, per_class: int, rng: np.random.Generator) -> np.ndarray:
    mask = np.zeros(len(labels), bool)
    for c in np.unique(labels):
        members = np.flatnonzero(labels == c)
        mask[rng.choice(members, size=min(per_class, len(members) - 1), replace=False)] = True
    return mask


class Trio(nn.Module):
    def __init__(self, config: Config, hyper_dim: int, hetero_dims: dict, n_areas: int, gsl_dim: int, hyper_classes: int):
        super().__init__()
        self.hyper = HyperGNN(hyper_dim, config.hidden, hyper_classes, dropout=config.dropout)
        self.hetero = HeteroGNN(hetero_dims, HETERO_RELATIONS, config.hidden, n_areas, n_layers=config.hetero_layers)
        self.gsl = EdgeLearner(gsl_dim, config.hidden)


def _data(config: Config):
    hg = davis_hypergraph()
    ag = academic_graph(mixing=config.mixing, seed=config.seed)
    x, labels, edges = feature_clusters(noise=config.gsl_noise, seed=config.seed)
    return hg, ag, (x, labels, edges)


# ----------------------------------------------------------------------------- training


def run(config: Config, progress=None) -> BeyondResult:
    device = get_device()
    hg, ag, (gx, glabels, gedges) = _data(config)
    rng = np.random.default_rng(config.seed)
    hyper_train = _split(hg.labels, config.hyper_labels, rng)
    hetero_train = _split(ag.area["author"], config.hetero_labels, rng)
    observed = rng.random(len(gedges)) < config.observed
    n_g = len(gx)
    with seeded(config.seed):
        t = lambda a: torch.as_tensor(a, device=device)  # noqa: E731
        hx, inc, hy, hmask = t(np.eye(hg.n, dtype=np.float32)), t(hg.incidence), t(hg.labels), t(hyper_train)
        ax = {k: t(v) for k, v in ag.x.items()}
        aei = {r: t(e) for r, e in ag.edges.items()}
        ay, amask = t(ag.area["author"]), t(hetero_train)
        xg, pos_pairs = t(gx), t(gedges[observed].T)
        model = Trio(config, hg.n, {k: v.shape[1] for k, v in ag.x.items()}, ag.n_areas, gx.shape[1], len(hg.class_names)).to(device)

        def losses(model):
            neg = torch.randint(0, n_g, (2, 2 * pos_pairs.shape[1]), device=device)  # random pairs: almost all non-edges
            lg = model.gsl.logits(xg, torch.cat([pos_pairs, neg], 1))
            target = torch.cat([torch.ones(pos_pairs.shape[1]), torch.zeros(neg.shape[1])]).to(device)
            return {
                "hyper": F.cross_entropy(model.hyper(hx, inc)[hmask], hy[hmask]),
                "hetero": F.cross_entropy(model.hetero(ax, aei)[amask], ay[amask]),
                "gsl": F.binary_cross_entropy_with_logits(lg, target),
            }

        def loss_fn(model, _batch):
            parts = losses(model)
            return sum(parts.values()), {f"loss_{k}": v for k, v in parts.items()}

        def eval_fn(model):
            return _metrics(model, hx, inc, hy, hmask, ax, aei, ay, amask, xg, gedges, observed)

        log = fit(
            model,
            torch.optim.Adam(model.parameters(), lr=config.lr, weight_decay=5e-4, foreach=True),
            steps=config.epochs,
            batch_fn=lambda step: None,
            loss_fn=loss_fn,
            eval_fn=eval_fn,
            snapshot_fn=lambda model, step: state_arrays(model),
            snapshot_every=max(1, config.epochs // 10),
            log_every=max(1, config.epochs // 25),
            progress=progress,
            max_loss=10 * (math.log(2) * 2 + math.log(3)),  # 10x chance for the three losses together
        )
        model.eval()
        with torch.no_grad():
            final = _metrics(model, hx, inc, hy, hmask, ax, aei, ay, amask, xg, gedges, observed)
    raw = _auc(gx / np.linalg.norm(gx, axis=1, keepdims=True) @ (gx / np.linalg.norm(gx, axis=1, keepdims=True)).T, gedges, observed)
    return BeyondResult(
        config=config,
        log=log,
        device=str(device),
        hyper_train=hyper_train,
        hetero_train=hetero_train,
        observed=observed,
        metrics={k: float(v) for k, v in final.items()},
        raw_auc=raw,
    )


def _auc(scores: np.ndarray, edges: np.ndarray, observed: np.ndarray) -> float:
    """ROC AUC of pair scores against the held-out true edges, over all pairs not used in training."""
    y, s = _held_out(scores, edges, observed)
    return float(roc_auc_score(y, s)) if 0 < y.sum() < len(y) else float("nan")


def _metrics(model, hx, inc, hy, hmask, ax, aei, ay, amask, xg, gedges, observed) -> dict:
    hp = model.hyper(hx, inc).argmax(-1)
    ap = model.hetero(ax, aei).argmax(-1)
    return {
        "acc_hyper": (hp[~hmask] == hy[~hmask]).float().mean(),
        "acc_hetero": (ap[~amask] == ay[~amask]).float().mean(),
        "auc_gsl": _auc(model.gsl.adjacency(xg).cpu().numpy(), gedges, observed),
    }


# ----------------------------------------------------------------------------- result


@dataclass(frozen=True)
class BeyondResult(LabResult):
    hyper_train: np.ndarray = None
    hetero_train: np.ndarray = None
    observed: np.ndarray = None  # (E,) which true edges the structure learner saw
    metrics: dict = None
    raw_auc: float = float("nan")  # AUC of plain cosine similarity of the raw features

    FIGURES: ClassVar[dict[str, FigureInfo]] = {
        "curves": FigureInfo("Training curves", "Loss of each of the three models, and their held-out scores."),
        "hypergraph": FigureInfo(
            "Hypergraph convolution on davis southern women",
            "Women (circles, coloured by predicted group; diamonds were labelled) and events (grey squares, the hyperedges). "
            "A hypergraph layer sends each woman's vector to every event she attended, averages there, and sends it back. "
            "Edge width is the captured woman → event message norm.",
        ),
        "incidence": FigureInfo(
            "Incidence matrix",
            "H[v, e] = 1 when woman v attended event e. The hypergraph layer computes D_v^-1 H D_e^-1 Hᵀ X Θ: "
            "women → events (Hᵀ) and events → women (H), each normalised by degree.",
        ),
        "hetero_graph": FigureInfo(
            "Heterogeneous graph: authors, papers, venues",
            "Circles are authors (coloured by predicted area; black-ringed ones were labelled), squares papers and "
            "diamonds venues (coloured by their true area). Edges of the chosen relation are coloured by their captured message norm.",
        ),
        "hetero_messages": FigureInfo(
            "Messages per relation",
            "Each relation has its own SAGEConv (own weights); HeteroConv sums the results arriving at a node type. "
            "Bars: mean norm of the messages each relation sends, per layer.",
        ),
        "gsl_adjacency": FigureInfo(
            "Learned adjacency against the true one",
            "Nodes sorted by class. Left: the hidden true graph. Right: the adjacency the learner infers from features alone, "
            "trained on the observed share of true edges; the held-out edges are what it is scored on.",
        ),
        "gsl_roc": FigureInfo(
            "Learned edges against the true ones (ROC)",
            "Every unseen node pair ranked by its score: how many held-out true edges are found (up) for how many non-edges "
            "wrongly accepted (right). The raw-feature cosine is the baseline; knowing the classes is the ceiling, since "
            "edges inside a class are random.",
        ),
    }

    def summary(self) -> dict[str, float]:
        return {**super().summary(), **self.metrics, "raw_auc": self.raw_auc}

    def views(self) -> list[View]:
        layers = tuple(range(self.config.hetero_layers))
        return [
            View(
                "relation",
                "Relation",
                REL_NAMES,
                REL_NAMES[1],
                "Which relation's messages colour the hetero graph",
                labels=tuple(REL_LABELS[n] for n in REL_NAMES),
            ),  # fmt: skip
            View("layer", "Hetero layer", layers, 0, "Which HeteroConv layer"),
        ]

    # --- internals

    def _snap_index(self, snapshot) -> int:
        n = len(self.log.snapshots)
        return n - 1 if snapshot is None else int(np.clip(snapshot, 0, n - 1))

    def internals(self, snapshot=None) -> dict:
        index = self._snap_index(snapshot)
        return self.memo(("internals", index), lambda: self._compute(index))

    def _compute(self, index: int) -> dict:
        c = self.config
        hg, ag, (gx, glabels, gedges) = _data(c)
        model = Trio(c, hg.n, {k: v.shape[1] for k, v in ag.x.items()}, ag.n_areas, gx.shape[1], len(hg.class_names))
        load_arrays(model, self.log.snapshots[index].data)
        model.eval()
        hmsgs, handles = capture_hyper_messages(model.hyper.convs[0])
        store, handles2 = capture_relation_messages(model.hetero)
        with torch.no_grad():
            hprob = torch.softmax(model.hyper(torch.eye(hg.n), torch.as_tensor(hg.incidence)), -1).numpy()
            x = {k: torch.as_tensor(v) for k, v in ag.x.items()}
            aprob = torch.softmax(model.hetero(x, {r: torch.as_tensor(e) for r, e in ag.edges.items()}), -1).numpy()
            adj = model.gsl.adjacency(torch.as_tensor(gx)).numpy()
        for h in handles + handles2:
            h.remove()
        rel = {(k, "__".join(r)): {n: v.numpy() for n, v in d.items()} for (k, r), d in store.items()}
        return {"hyper_prob": hprob, "hyper_msg": hmsgs[0][:, 0].numpy(), "hetero_prob": aprob, "rel": rel, "adj": adj}

    # --- figures

    def figures(self, relation: str | None = None, layer: int = 0, snapshot: int | None = None) -> dict[str, go.Figure]:
        relation = relation if relation in REL_NAMES else REL_NAMES[1]
        layer = int(np.clip(layer, 0, self.config.hetero_layers - 1))
        index = self._snap_index(snapshot)
        inner, step = self.internals(index), self.log.snapshots[index].step
        return {
            "curves": self._fig_curves(step),
            "hypergraph": self._fig_hypergraph(inner, step),
            "incidence": self._fig_incidence(inner),
            "hetero_graph": self._fig_hetero(inner, relation, layer, step),
            "hetero_messages": self._fig_rel_bars(inner, step),
            "gsl_adjacency": self._fig_adjacency(inner, step),
            "gsl_roc": self._fig_roc(inner, step),
        }

    def _fig_curves(self, marker_step) -> go.Figure:
        h = self.log.history
        n = len(h["step"])

        def get(name):
            v = h.get(name, np.array([]))
            return v if len(v) == n else np.full(n, np.nan)

        return vc.training_curves(
            h["step"],
            {
                "loss": {f"{k} loss": get(f"loss_{k}") for k in ("hyper", "hetero", "gsl")},
                "held-out score": {
                    "hypergraph accuracy": get("acc_hyper"),
                    "hetero author accuracy": get("acc_hetero"),
                    "learned-edge AUC": get("auc_gsl"),
                },
            },
            title="Three models, one loop",
            y_titles={"loss": "loss (nats)", "held-out score": "accuracy / AUC (fraction)"},
            marker_step=marker_step,
        )

    def _fig_hypergraph(self, inner, step) -> go.Figure:
        hg = davis_hypergraph()
        pred = inner["hyper_prob"].argmax(1)
        classes = np.r_[pred, np.full(hg.m, len(hg.class_names))]
        names = list(hg.class_names) + ["event (hyperedge)"]
        text = [
            f"<b>{hg.node_names[v]}</b><br>predicted {hg.class_names[pred[v]]} (p = {inner['hyper_prob'][v].max():.2f})<br>"
            f"true {hg.class_names[hg.labels[v]]}{'<br>labelled' if self.hyper_train[v] else ''}"
            for v in range(hg.n)
        ] + [f"<b>event {e}</b><br>{int((hg.incidence[1] == i).sum())} women" for i, e in enumerate(hg.edge_names)]
        edges = np.stack([hg.incidence[0], hg.n + hg.incidence[1]], 1)
        norms = np.linalg.norm(inner["hyper_msg"], axis=1)  # first propagate: node -> hyperedge, one per incidence
        etext = [f"{hg.node_names[a]} → {hg.edge_names[b]}" for a, b in hg.incidence.T]
        symbols = ["diamond" if self.hyper_train[v] else "circle" for v in range(hg.n)] + ["square"] * hg.m
        panel = GraphPanel(pos=hg.pos, edges=edges, classes=classes, class_names=names, node_text=text, symbols=symbols,
                           outline=np.r_[pred != hg.labels, np.zeros(hg.m, bool)], edge_values=norms, edge_text=etext,
                           node_size=np.r_[np.full(hg.n, 15), np.full(hg.m, 11)])  # fmt: skip
        fig = graph_figure(panel, title=f"Davis southern women as a hypergraph, step {step}: "
                           f"{self._acc(pred, hg.labels, self.hyper_train):.0%} of unlabelled women right",
                           edge_colorbar="‖woman → event message‖", edge_width=(0.5, 5.0), show_edge_markers=False, height=540)  # fmt: skip
        for tr in fig.data:
            if tr.name == names[-1]:
                tr.marker.color = "#999999"
        return fig

    @staticmethod
    def _acc(pred, labels, train) -> float:
        return float((pred[~train] == labels[~train]).mean())

    def _fig_incidence(self, inner) -> go.Figure:
        hg = davis_hypergraph()
        order = np.lexsort((np.arange(hg.n), hg.labels))
        ylab = [f"{hg.node_names[v]} ({hg.class_names[hg.labels[v]]})" for v in order]
        return heatmap(hg.matrix()[order], title="Incidence matrix H: who attended which event (women sorted by group)",
                       x_title="event (hyperedge)", y_title="woman (node)", x_labels=list(hg.edge_names), y_labels=ylab,
                       colorbar_title="member", zmin=0, zmax=1, height=560, hover="attended")  # fmt: skip

    def _fig_hetero(self, inner, relation, layer, step) -> go.Figure:
        ag = academic_graph(mixing=self.config.mixing, seed=self.config.seed)
        src_t, _, dst_t = relation.split("__")
        pred = inner["hetero_prob"].argmax(1)
        area = np.r_[pred, ag.area["paper"], ag.area["venue"]]
        kinds = np.repeat(HETERO_TYPES, [ag.n[t] for t in HETERO_TYPES])
        rel_edges = ag.edges[tuple(relation.split("__"))]
        edges = np.stack([rel_edges[0] + ag.offset(src_t), rel_edges[1] + ag.offset(dst_t)], 1)
        norms = np.linalg.norm(inner["rel"][(layer, relation)]["messages"], axis=1)
        # draw all other typed edges in grey underneath
        others = [np.stack([e[0] + ag.offset(r[0]), e[1] + ag.offset(r[2])], 1) for r, e in ag.edges.items() if "__".join(r) != relation]
        all_edges = np.concatenate([edges] + others)
        values = np.r_[norms, np.full(len(all_edges) - len(edges), np.nan)]
        text = [
            f"{kinds[i]} {i - ag.offset(kinds[i])}<br>area {area[i]}" + (" (predicted)" if kinds[i] == "author" else "")
            for i in range(len(area))
        ]
        outline = np.r_[self.hetero_train, np.zeros(ag.n["paper"] + ag.n["venue"], bool)]
        panel = GraphPanel(pos=ag.pos, edges=all_edges, classes=area, class_names=[f"area {k}" for k in range(ag.n_areas)],
                           node_text=text, symbols=[TYPE_SYMBOLS[k] for k in kinds], outline=outline, edge_values=values,
                           edge_text=[f"{REL_LABELS[relation]}" for _ in range(len(all_edges))],
                           node_size=np.where(kinds == "venue", 18, np.where(kinds == "author", 13, 8)))  # fmt: skip
        acc = self._acc(pred, ag.area["author"], self.hetero_train)
        return graph_figure(panel, title=f"Layer {layer}: {REL_LABELS[relation]} messages; authors {acc:.0%} right (step {step})",
                            edge_colorbar="‖message‖", show_edge_markers=False, edge_width=(0.5, 4.0), height=560)  # fmt: skip

    def _fig_rel_bars(self, inner, step) -> go.Figure:
        series = {
            f"layer {k}": [float(np.linalg.norm(inner["rel"][(k, r)]["messages"], axis=1).mean()) for r in REL_NAMES]
            for k in range(self.config.hetero_layers)
        }
        return vc.bars([REL_LABELS[r] for r in REL_NAMES], series, title=f"Mean message norm per relation, step {step}",
                       x_title="relation (source →type→ target)", y_title="mean ‖message‖")  # fmt: skip

    def _gsl(self):
        return feature_clusters(noise=self.config.gsl_noise, seed=self.config.seed)

    def _fig_adjacency(self, inner, step) -> go.Figure:
        x, labels, edges = self._gsl()
        n = len(x)
        true = np.zeros((n, n))
        true[edges[:, 0], edges[:, 1]] = true[edges[:, 1], edges[:, 0]] = 1
        order = np.lexsort((np.arange(n), labels))
        auc = self.metrics["auc_gsl"] if step == self.log.snapshots[-1].step else _auc(inner["adj"], edges, self.observed)
        fig = heatmap_grid([[true[np.ix_(order, order)], inner["adj"][np.ix_(order, order)]]],
                           title=f"True vs learned adjacency, step {step}: held-out AUC {auc:.2f} (raw features {self.raw_auc:.2f})",
                           row_titles=["adjacency"], col_titles=["true graph", "learned A = σ(τ cos(f(x_i), f(x_j)) + b)"],
                           x_title="node (sorted by class)", y_title="node (sorted by class)", x_labels=[str(v) for v in order],
                           y_labels=[str(v) for v in order], colorbar_title="edge weight", cell=330, hover="weight")  # fmt: skip
        counts = np.bincount(labels)
        centres = (np.cumsum(counts) - counts / 2 - 0.5).tolist()
        ticks = dict(tickmode="array", tickvals=centres, ticktext=[f"class {k}" for k in range(len(counts))])
        fig.update_xaxes(**ticks)
        fig.update_yaxes(**ticks)
        return fig

    def _fig_roc(self, inner, step) -> go.Figure:
        x, labels, edges = self._gsl()
        xn = x / np.linalg.norm(x, axis=1, keepdims=True)
        scores = {
            "learned adjacency": inner["adj"],
            "raw-feature cosine": xn @ xn.T,
            "same class (ceiling)": (labels[:, None] == labels[None, :]).astype(float),
        }
        xs, ys = {}, {}
        for name, sc in scores.items():
            y, s = _held_out(sc, edges, self.observed)
            fpr, tpr, _ = roc_curve(y, s)
            key = f"{name}: AUC {roc_auc_score(y, s):.2f}"
            xs[key], ys[key] = fpr, tpr
        held = int((~self.observed).sum())
        return vc.curves(xs, ys, title=f"Finding the {held} held-out true edges among all unseen pairs, step {step}",
                         x_title="false positive rate (non-edges called edges)", y_title="true positive rate (edges found)",
                         dash={k: "dot" for k in ys if k.startswith("same class")}, y_range=[0, 1.02], height=420)  # fmt: skip


def _held_out(scores: np.ndarray, edges: np.ndarray, observed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(is held-out true edge, score) over all node pairs i < j except the observed training edges."""
    n = len(scores)
    truth = np.zeros((n, n), bool)
    truth[edges[:, 0], edges[:, 1]] = True
    skip = np.zeros((n, n), bool)
    skip[edges[observed, 0], edges[observed, 1]] = True
    iu = np.triu_indices(n, 1)
    keep = ~skip[iu]
    return truth[iu][keep], scores[iu][keep]
