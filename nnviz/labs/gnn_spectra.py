"""Expressiveness and spectra: what message passing can tell apart (1-WL, GIN vs GCN) and what it
does to a signal on the graph (Laplacian eigenvectors, low- and high-pass, Chebyshev filters).

result = run(Config(task="regular"))
result.summary()                     # test accuracy of GCN and GIN on the same graphs
result.figures(pair="decalin vs bicyclopentyl", eig_start=0, snapshot=3)
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import ClassVar

import networkx as nx
import numpy as np
import plotly.graph_objects as go
import torch
import torch.nn.functional as F
from plotly.subplots import make_subplots
from torch import nn

from nnviz.core.device import get_device
from nnviz.core.loop import fit, load_arrays, state_arrays
from nnviz.core.params import LabConfig, param
from nnviz.core.seed import seeded
from nnviz.data.graphs import CLASSIFICATION_TASKS, PAIRS, SPECTRAL_GRAPHS, graph, graph_classification, pair, wl_colours
from nnviz.labs.base import FigureInfo, LabResult, View
from nnviz.models.gnn import GraphGNN
from nnviz.models.spectral import chebyshev_apply, chebyshev_fit, chebyshev_response, eigh, normalized_laplacian, spectral_filter
from nnviz.viz import curves as vc
from nnviz.viz.graph import GraphPanel, graph_grid
from nnviz.viz.heatmap import heatmap
from nnviz.viz.theme import DIVERGING, PALETTE, base_layout

NAME = "gnn_spectra"
WL_ROUNDS = 3
N_EIG = 6  # eigenvectors drawn at once
MODELS = ("gcn", "gin")
MODEL_LABELS = {"gcn": "GCN (normalised mean)", "gin": "GIN (sum + MLP)"}


@dataclass(frozen=True)
class Config(LabConfig):
    # regular: 1-WL tells 2- from 3-regular graphs, GCN cannot; cycles: nobody can
    task: str = param("regular", choices=CLASSIFICATION_TASKS, help="regular: 2- vs 3-regular graphs (1-WL separates them); "
                      "cycles: one cycle vs two cycles (1-WL cannot)", label="Graph classification task", group="Expressiveness")  # fmt: skip
    # 80 graphs of 8-12 nodes: ~800 nodes, one full batch, a fraction of a second per epoch
    n_graphs: int = param(80, lo=20, hi=400, step=10, help="Generated graphs (half per class; 30% held out)", label="Graphs",
                          group="Expressiveness")  # fmt: skip
    # 3 layers: more than enough for degree information to reach the read-out
    n_layers: int = param(3, lo=1, hi=5, help="Message-passing layers of both models", label="Layers", group="Expressiveness")
    hidden: int = param(16, lo=4, hi=64, step=4, help="Width of node embeddings", label="Hidden size", group="Expressiveness")
    # Adam at 1e-2 separates the regular task in well under 100 epochs; 10 shows divergence
    lr: float = param(1e-2, lo=1e-4, hi=10.0, log=True, help="Adam learning rate (both models)", label="Learning rate", group="Training")
    # 100 full-batch epochs for both models together: about a second on two CPU cores
    epochs: int = param(100, lo=10, hi=1000, step=10, help="Full-batch training steps", group="Training")
    spectral_graph: str = param("karate", choices=SPECTRAL_GRAPHS, help="Graph for the spectral view", label="Graph", group="Spectra")
    # noise of std 1.5 on a ±1 community signal: clearly noisy (signs flip), recoverable by a low-pass
    noise: float = param(1.5, lo=0.0, hi=2.0, step=0.05, help="Std of Gaussian noise added to the ±1 community signal",
                         label="Signal noise", group="Spectra")  # fmt: skip
    # 0.5 keeps the few smoothest eigenvectors of the karate club: the community structure
    cutoff: float = param(0.5, lo=0.05, hi=2.0, step=0.05, help="Ideal low-pass keeps frequencies λ below this, high-pass the rest",
                          label="Cut-off frequency λc", group="Spectra")  # fmt: skip
    # order 4: visibly smooth approximation of the step; high orders ripple (Gibbs)
    cheb_order: int = param(4, lo=1, hi=20, help="Order K of the Chebyshev polynomial filter (mixes K hops)", label="Chebyshev order K",
                            group="Spectra")  # fmt: skip


PRESETS = {
    "2- vs 3-regular: GIN wins (default)": Config(),
    "One cycle vs two: 1-WL is blind": Config(task="cycles"),
    "Cycles, 300 epochs: training longer does not help": Config(task="cycles", epochs=300),
    "Ring: eigenvectors are sines": Config(spectral_graph="ring", noise=0.4),
    "Grid: 2-D Fourier modes": Config(spectral_graph="grid"),
    "High-order Chebyshev ripples": Config(cheb_order=16, cutoff=0.3),
    "Learning rate too large (diverges)": Config(lr=10.0),
}


class PairOfModels(nn.Module):
    """GCN and GIN trained side by side on the same batches (one optimiser, independent parameters)."""

    def __init__(self, config: Config):
        super().__init__()
        self.models = nn.ModuleDict({k: GraphGNN(1, config.hidden, 2, n_layers=config.n_layers, kind=k) for k in MODELS})

    def forward(self, batch) -> dict[str, torch.Tensor]:
        return {k: m(batch.x, batch.edge_index, batch.batch) for k, m in self.models.items()}


def to_batch(graphs: list[nx.Graph], labels=None, device="cpu"):
    """One PyG Batch; every node has the same constant feature 1 (structure is all there is)."""
    from torch_geometric.data import Batch, Data

    data = []
    for i, g in enumerate(graphs):
        e = np.array(list(g.edges()), dtype=np.int64).reshape(-1, 2).T
        ei = torch.tensor(np.concatenate([e, e[::-1]], axis=1))
        y = torch.tensor([labels[i] if labels is not None else 0])
        data.append(Data(x=torch.ones(g.number_of_nodes(), 1), edge_index=ei, y=y, num_nodes=g.number_of_nodes()))
    return Batch.from_data_list(data).to(device)


# ----------------------------------------------------------------------------- training


def run(config: Config, progress=None) -> SpectraResult:
    device = get_device()
    data = graph_classification(config.task, config.n_graphs, seed=config.seed)
    n_train = int(0.7 * len(data))
    with seeded(config.seed):
        train = to_batch([g for g, _ in data[:n_train]], [y for _, y in data[:n_train]], device)
        test = to_batch([g for g, _ in data[n_train:]], [y for _, y in data[n_train:]], device)
        model = PairOfModels(config).to(device)

        def loss_fn(model, _batch):
            out = model(train)
            losses = {k: F.cross_entropy(v, train.y) for k, v in out.items()}
            return sum(losses.values()), {f"loss_{k}": v for k, v in losses.items()}

        def eval_fn(model):
            out = model(test)
            return {f"acc_{k}": (v.argmax(-1) == test.y).float().mean() for k, v in out.items()}

        log = fit(
            model,
            torch.optim.Adam(model.parameters(), lr=config.lr, foreach=True),
            steps=config.epochs,
            batch_fn=lambda step: None,
            loss_fn=loss_fn,
            eval_fn=eval_fn,
            snapshot_fn=lambda model, step: state_arrays(model),
            snapshot_every=max(1, config.epochs // 10),
            log_every=max(1, config.epochs // 50),
            progress=progress,
            max_loss=20 * math.log(2),  # two models' losses, 10x chance each
        )
        model.eval()
        with torch.no_grad():
            acc = {k: float((v.argmax(-1) == test.y).float().mean()) for k, v in model(test).items()}
    return SpectraResult(config=config, log=log, device=str(device), acc=acc, n_test=len(data) - n_train)


# ----------------------------------------------------------------------------- result


@dataclass(frozen=True)
class SpectraResult(LabResult):
    acc: dict = None  # model -> test accuracy
    n_test: int = 0

    FIGURES: ClassVar[dict[str, FigureInfo]] = {
        "accuracy": FigureInfo(
            "GCN against GIN on the same graphs",
            "Both models have the same layers, width and sum read-out; only the aggregation differs. On 2- vs 3-regular "
            "graphs GIN's sum sees the degree, GCN's normalised weights do not. On one vs two cycles neither can win.",
        ),
        "wl": FigureInfo(
            "1-WL colour refinement, round by round",
            "Start with one colour; each round a node's new colour is its old colour plus the multiset of its neighbours' "
            "colours. If the two graphs' colour counts ever differ, 1-WL (and GIN) can tell them apart; if they never do, "
            "no message-passing GNN can.",
        ),
        "pair_embeddings": FigureInfo(
            "What the trained models output for the pair",
            "The sum read-out (graph embedding) of each model for graph A and graph B. Identical rows mean the model "
            "cannot tell the two graphs apart, whatever its weights.",
        ),
        "eigenvalues": FigureInfo(
            "Laplacian spectrum",
            "Eigenvalues of the normalised Laplacian L = I − D^-½ A D^-½: graph frequencies from 0 (constant on each "
            "connected component) to at most 2. The dotted line is the filter's cut-off λc.",
        ),
        "eigenvectors": FigureInfo(
            "Eigenvectors on the nodes",
            "Each eigenvector painted on the graph. Low frequencies vary slowly across edges (the second one, the Fiedler "
            "vector, splits the graph into two communities); high ones flip sign between neighbours.",
        ),
        "filters": FigureInfo(
            "Low-pass and high-pass filtering a node signal",
            "A ±1 community signal plus noise; the ideal low-pass keeps only λ < λc and recovers the communities; the "
            "high-pass keeps the rest, mostly noise; the Chebyshev filter approximates the low-pass without eigenvectors.",
        ),
        "fourier": FigureInfo(
            "Filter responses and the signal's spectrum",
            "Left: the ideal low-pass h(λ) and its order-K Chebyshev approximation Σθ_k T_k(λ). Right: the size of the "
            "signal's graph-Fourier coefficients at each eigenvalue, before and after low-pass filtering.",
        ),
    }

    def summary(self) -> dict[str, float]:
        return {**super().summary(), "acc_gcn": self.acc["gcn"], "acc_gin": self.acc["gin"], "graphs_test": float(self.n_test)}

    def views(self) -> list[View]:
        n = self._spectrum()["lam"].shape[0]
        starts = tuple(range(0, n, N_EIG))
        return [
            View("pair", "Graph pair", tuple(PAIRS), next(iter(PAIRS)), "The two graphs for the WL and model comparison"),
            View("eig_start", "Eigenvectors from", starts, 0, "First of the six eigenvectors drawn", labels=tuple(f"#{s}" for s in starts)),
        ]

    # --- internals

    def _snap_index(self, snapshot: int | None) -> int:
        n = len(self.log.snapshots)
        return n - 1 if snapshot is None else int(np.clip(snapshot, 0, n - 1))

    def _model_at(self, index: int) -> PairOfModels:
        model = PairOfModels(self.config)
        load_arrays(model, self.log.snapshots[index].data)
        return model.eval()

    def pair_embeddings(self, name: str, snapshot: int | None = None) -> dict[str, np.ndarray]:
        """model -> (2, hidden) read-outs of graph A and B at a snapshot."""
        index = self._snap_index(snapshot)

        def compute():
            a, b, _ = pair(name)
            batch = to_batch([a, b])
            model = self._model_at(index)
            with torch.no_grad():
                return {k: m(batch.x, batch.edge_index, batch.batch, return_embedding=True)[1].numpy() for k, m in model.models.items()}

        return self.memo(("pair", name, index), compute)

    def _graph(self):
        c = self.config
        return graph(c.spectral_graph, seed=c.seed)

    def _spectrum(self) -> dict:
        def compute():
            c, g = self.config, self._graph()
            lap = normalized_laplacian(g.adjacency())
            lam, u = eigh(lap)
            rng = np.random.default_rng(c.seed)
            clean = np.where(g.labels == 0, 1.0, -1.0)
            signal = clean + c.noise * rng.standard_normal(g.n)
            low = lambda x: (x < c.cutoff).astype(float)  # noqa: E731
            theta = chebyshev_fit(low, c.cheb_order)
            return {
                "lap": lap,
                "lam": lam,
                "u": u,
                "clean": clean,
                "signal": signal,
                "low": spectral_filter(u, lam, signal, low),
                "high": spectral_filter(u, lam, signal, lambda x: 1.0 - low(x)),
                "cheb": chebyshev_apply(lap, signal, theta),
                "theta": theta,
            }

        return self.memo("spectrum", compute)

    # --- figures

    def figures(self, pair: str | None = None, eig_start: int = 0, snapshot: int | None = None) -> dict[str, go.Figure]:
        pair = pair if pair in PAIRS else next(iter(PAIRS))
        index = self._snap_index(snapshot)
        step = self.log.snapshots[index].step
        return {
            "accuracy": self._fig_accuracy(step),
            "wl": self._fig_wl(pair),
            "pair_embeddings": self._fig_pair(pair, index, step),
            "eigenvalues": self._fig_eigenvalues(),
            "eigenvectors": self._fig_eigenvectors(int(eig_start)),
            "filters": self._fig_filters(),
            "fourier": self._fig_fourier(),
        }

    def _fig_accuracy(self, marker_step) -> go.Figure:
        h = self.log.history
        n = len(h["step"])

        def get(name):
            v = h.get(name, np.array([]))
            return v if len(v) == n else np.full(n, np.nan)

        return vc.training_curves(
            h["step"],
            {
                "loss": {f"{MODEL_LABELS[k]} loss": get(f"loss_{k}") for k in MODELS},
                "test accuracy": {f"{MODEL_LABELS[k]} accuracy": get(f"acc_{k}") for k in MODELS},
            },
            title=f"Task '{self.config.task}': GCN {self.acc['gcn']:.0%} vs GIN {self.acc['gin']:.0%} on {self.n_test} held-out graphs",
            y_titles={"loss": "cross-entropy (nats)", "test accuracy": "accuracy (fraction)"},
            marker_step=marker_step,
        )

    def _fig_wl(self, name) -> go.Figure:
        a, b, _ = pair(name)
        cols = wl_colours([a, b], WL_ROUNDS)
        pos = _pair_layouts(name)
        panels, titles, differ_at = [], [], None
        for r, (ca, cb) in enumerate(cols):
            k = int(max(ca.max(), cb.max())) + 1
            ha, hb = np.bincount(ca, minlength=k), np.bincount(cb, minlength=k)
            if differ_at is None and not np.array_equal(ha, hb):
                differ_at = r
            for side, (g, c, p, hist) in enumerate(((a, ca, pos[0], ha), (b, cb, pos[1], hb))):
                text = [f"node {v}<br>colour {c[v]}<br>degree {g.degree(v)}" for v in range(g.number_of_nodes())]
                panels.append(GraphPanel(pos=p, edges=np.array(list(g.edges())), classes=c, class_names=[f"colour {i}" for i in range(k)],
                                         node_text=text, node_size=16))  # fmt: skip
                titles.append(f"round {r} · graph {'AB'[side]}: counts {'/'.join(map(str, hist))}")
        verdict = f"colour counts differ at round {differ_at}: 1-WL tells them apart" if differ_at is not None else (
            f"colour counts never differ in {WL_ROUNDS} rounds: 1-WL cannot tell them apart")  # fmt: skip
        fig = graph_grid(panels, title=f"{name}: {verdict}", panel_titles=titles, cols=2, panel_height=250)
        return fig

    def _fig_pair(self, name, index, step) -> go.Figure:
        emb = self.pair_embeddings(name, index)
        rows, labels = [], []
        for k in MODELS:
            rows += [emb[k][0], emb[k][1]]
            labels += [f"{k.upper()} · graph A", f"{k.upper()} · graph B"]
        z = np.array(rows)
        dist = {k: float(np.linalg.norm(emb[k][0] - emb[k][1])) for k in MODELS}
        m = float(np.abs(z).max()) or 1.0
        return heatmap(
            z,
            title=f"{name}, step {step}: ‖A − B‖ = {dist['gcn']:.3g} (GCN), {dist['gin']:.3g} (GIN)",
            x_title="read-out channel",
            y_title="model · graph",
            y_labels=labels,
            colorbar_title="value",
            colorscale=DIVERGING,
            zmin=-m,
            zmax=m,
            height=330,
        )

    def _fig_eigenvalues(self) -> go.Figure:
        s = self._spectrum()
        lam = s["lam"]
        fig = vc.curves(
            np.arange(len(lam)),
            {"eigenvalue λ_i": lam},
            title=f"{self._graph().name}: {len(lam)} eigenvalues, {int((lam < self.config.cutoff).sum())} below λc",
            x_title="index i (ascending frequency)",
            y_title="eigenvalue λ (graph frequency)",
            markers=True,
            y_range=[-0.05, 2.05],
        )
        fig.add_hline(y=self.config.cutoff, line=dict(color="#888", dash="dot"), annotation_text="λc")
        return fig

    def _fig_eigenvectors(self, start) -> go.Figure:
        s, g = self._spectrum(), self._graph()
        n = len(s["lam"])
        idx = list(range(min(start, max(n - 1, 0)), min(start + N_EIG, n)))
        panels = [
            GraphPanel(
                pos=g.pos,
                edges=g.edges,
                values=s["u"][:, i],
                node_size=12,
                node_text=[f"node {v} ({g.node_names[v]})<br>eigenvector {i}" for v in range(g.n)],
            )  # fmt: skip
            for i in idx
        ]
        titles = [f"u_{i}, λ = {s['lam'][i]:.3f}" for i in idx]
        return graph_grid(panels, title=f"Eigenvectors {idx[0]}–{idx[-1]} of the normalised Laplacian", panel_titles=titles, cols=3,
                          node_colorbar="entry of u_i", symmetric_nodes=True, panel_height=300)  # fmt: skip

    def _fig_filters(self) -> go.Figure:
        s, g, c = self._spectrum(), self._graph(), self.config

        def err(x):
            return float(np.mean(np.sign(x) != s["clean"]))

        items = [
            ("signal", f"noisy signal ({err(s['signal']):.0%} signs wrong)"),
            ("low", f"ideal low-pass ({err(s['low']):.0%} wrong)"),
            ("high", "ideal high-pass (the rest)"),
            ("cheb", f"Chebyshev K={c.cheb_order} ({err(s['cheb']):.0%} wrong)"),
        ]
        panels = [
            GraphPanel(
                pos=g.pos,
                edges=g.edges,
                values=s[key],
                node_size=13,
                node_text=[f"node {v} ({g.node_names[v]})<br>clean {s['clean'][v]:+.0f}" for v in range(g.n)],
            )  # fmt: skip
            for key, _ in items
        ]
        return graph_grid(panels, title=f"Filtering a ±1 community signal with noise {c.noise:g}, cut-off λc = {c.cutoff:g}",
                          panel_titles=[t for _, t in items], cols=2, node_colorbar="signal value", symmetric_nodes=True,
                          panel_height=320)  # fmt: skip

    def _fig_fourier(self) -> go.Figure:
        s, c = self._spectrum(), self.config
        grid = np.linspace(0, 2, 401)
        fig = make_subplots(rows=1, cols=2, subplot_titles=("filter response h(λ)", "signal spectrum |x̂(λ_i)|"), horizontal_spacing=0.12)
        lines = {
            "ideal low-pass": (grid < c.cutoff).astype(float),
            f"Chebyshev, K = {c.cheb_order}": chebyshev_response(s["theta"], grid),
        }
        for i, (name, y) in enumerate(lines.items()):
            fig.add_trace(go.Scatter(x=grid, y=y, name=name, line=dict(color=PALETTE[i]),
                                     hovertemplate=f"{name}<br>λ %{{x:.3f}}<br>h %{{y:.3f}}<extra></extra>"), 1, 1)  # fmt: skip
        fig.add_trace(go.Scatter(x=s["lam"], y=chebyshev_response(s["theta"], s["lam"]), mode="markers", name="at the eigenvalues",
                                 marker=dict(color=PALETTE[1], size=7), hovertemplate="λ %{x:.3f}<br>h %{y:.3f}<extra></extra>"), 1, 1)  # fmt: skip
        for i, (key, name) in enumerate((("signal", "noisy signal"), ("low", "after low-pass"))):
            coef = np.abs(s["u"].T @ s[key])
            fig.add_trace(go.Scatter(x=s["lam"], y=coef, mode="markers", name=name, marker=dict(color=PALETTE[2 + i], size=8 - 2 * i),
                                     hovertemplate=f"{name}<br>λ %{{x:.3f}}<br>|x̂| %{{y:.3f}}<extra></extra>"), 1, 2)  # fmt: skip
        fig.update_xaxes(title="eigenvalue λ (graph frequency)")
        fig.update_yaxes(title="gain h(λ)", row=1, col=1)
        fig.update_yaxes(title="|Fourier coefficient|", row=1, col=2)
        return base_layout(fig, f"Cut-off λc = {c.cutoff:g}: what the filters keep", height=400, legend=dict(orientation="h", y=-0.25))


@functools.cache
def _pair_layouts(name: str) -> tuple[np.ndarray, np.ndarray]:
    """Fixed drawing positions of a pair's two graphs (computed once per process)."""
    out = []
    for g in pair(name)[:2]:
        p = nx.kamada_kawai_layout(g) if nx.is_connected(g) else nx.spring_layout(g, seed=0)
        xy = np.array([p[i] for i in range(g.number_of_nodes())], dtype=float)
        xy -= xy.mean(0)
        out.append(xy / max(np.abs(xy).max(), 1e-9))
    return tuple(out)
