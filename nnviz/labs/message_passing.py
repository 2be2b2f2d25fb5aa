"""Message passing lab: a GNN classifies the nodes of a small graph from a few labels; every message is on show.

result = run(Config(kind="gat"))
result.summary()                       # accuracy on the unlabelled nodes, ...
result.figures(node=5, layer=0, head=1, snapshot=4)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import plotly.graph_objects as go
import torch
import torch.nn.functional as F

from nnviz.core.device import get_device
from nnviz.core.loop import fit, load_arrays, state_arrays
from nnviz.core.params import ConfigError, LabConfig, param
from nnviz.core.seed import seeded
from nnviz.data.graphs import GRAPHS, GraphData, features, graph, hop_distance
from nnviz.labs.base import FigureInfo, LabResult, View
from nnviz.models.gnn import (
    KIND_LABELS,
    KINDS,
    NodeGNN,
    capture,
    contributions,
    first_weight,
    gcn_norm_dense,
    n_params,
    propagation_matrix,
)
from nnviz.viz import curves as vc
from nnviz.viz.graph import GraphPanel, graph_figure, graph_grid
from nnviz.viz.heatmap import heatmap
from nnviz.viz.matrix import MatrixPanel, matrix_panels
from nnviz.viz.theme import DIVERGING

NAME = "message_passing"
FEATURES = ("identity", "degree", "random")
SMOOTH_STEPS = 16  # propagation steps in the oversmoothing curve
DEPTHS = (1, 2, 3, 4, 6, 8)  # the depth sweep


@dataclass(frozen=True)
class Config(LabConfig):
    # karate club: 34 nodes, two clubs after the split; the classic semi-supervised GCN example
    dataset: str = param("karate", choices=GRAPHS, help="Which graph; labels are the classes to predict", label="Graph", group="Graph")
    # SBM sliders: 3 blocks of 12 with p_in 10x p_out is clearly clustered yet has cross edges
    blocks: int = param(3, lo=2, hi=6, help="SBM only: number of blocks (classes)", label="SBM blocks", group="Graph")
    block_size: int = param(12, lo=4, hi=40, help="SBM only: nodes per block", label="SBM block size", group="Graph")
    p_in: float = param(0.3, lo=0.0, hi=1.0, step=0.01, help="SBM only: edge probability inside a block", label="SBM p_in", group="Graph")
    p_out: float = param(
        0.03, lo=0.0, hi=1.0, step=0.01, help="SBM only: edge probability between blocks", label="SBM p_out", group="Graph"
    )
    # one-hot ids: the graphs have no node features, so structure is all the model can use
    node_features: str = param("identity", choices=FEATURES, help="Input features: one-hot node id, one-hot degree or random vectors",
                               label="Node features", group="Graph")  # fmt: skip
    # 2 per class: 4 of 34 karate nodes labelled, the rest is inferred through the edges
    labels_per_class: int = param(2, lo=1, hi=10, help="Labelled (training) nodes per class", label="Labels per class", group="Graph")
    kind: str = param("gcn", choices=KINDS, help="Message-passing layer (PyG)", label="GNN layer", group="Model")
    # two layers: every node sees its 2-hop neighbourhood, which covers most of the karate club
    n_layers: int = param(2, lo=1, hi=8, help="Message-passing layers = hops a node can see", label="Layers", group="Model")
    hidden: int = param(16, lo=2, hi=64, step=2, help="Width of the node embeddings", label="Hidden size", group="Model")
    heads: int = param(2, lo=1, hi=8, help="GAT only: attention heads (must divide the hidden size)", label="GAT heads", group="Model")
    # 0.5 as in Kipf & Welling: with 4 labels the model overfits without it
    dropout: float = param(0.5, lo=0.0, hi=0.9, step=0.05, help="Dropout after each layer", group="Model")
    # Adam at 1e-2 (Kipf & Welling) converges in ~100 epochs; 10 is there to show divergence
    lr: float = param(1e-2, lo=1e-4, hi=10.0, log=True, help="Adam learning rate", label="Learning rate", group="Training")
    # 200 full-graph epochs: about a second on two CPU cores
    epochs: int = param(200, lo=10, hi=2000, step=10, help="Full-graph training steps", group="Training")

    def validate(self) -> None:
        if self.kind == "gat" and self.hidden % self.heads:
            ok = [h for h in range(1, 9) if self.hidden % h == 0]
            raise ConfigError("heads", f"{self.heads} heads do not divide the hidden size {self.hidden}; allowed: {ok}")


PRESETS = {
    "Karate club, GCN (default)": Config(),
    "GAT: attention per head": Config(kind="gat", heads=4),
    "GraphSAGE, one label per class": Config(kind="sage", labels_per_class=1),
    "Community detection: 4 karate communities": Config(dataset="karate4"),
    "SBM: clear blocks": Config(dataset="sbm", p_in=0.35, p_out=0.02),
    "SBM: heterophily (p_out > p_in)": Config(dataset="sbm", p_in=0.02, p_out=0.3),
    "Les Misérables communities": Config(dataset="les_miserables", labels_per_class=3),
    "Oversmoothing: 8 layers": Config(n_layers=8),
    "Learning rate too large (diverges)": Config(lr=10.0, dropout=0.0),
}


def graph_of(config: Config) -> GraphData:
    return graph(config.dataset, seed=config.seed, blocks=config.blocks, block_size=config.block_size, p_in=config.p_in, p_out=config.p_out)


def build_model(config: Config, d_in: int, n_classes: int) -> NodeGNN:
    return NodeGNN(d_in, config.hidden, n_classes, n_layers=config.n_layers, kind=config.kind, heads=config.heads, dropout=config.dropout)


def mean_cosine(h: np.ndarray) -> float:
    """Mean pairwise cosine similarity of the rows of h (N, d), diagonal excluded: 1 = all alike."""
    n = h.shape[0]
    u = h / np.maximum(np.linalg.norm(h, axis=1, keepdims=True), 1e-12)
    s = u @ u.T
    return float((s.sum() - np.trace(s)) / max(n * (n - 1), 1))


# ----------------------------------------------------------------------------- training


def run(config: Config, progress=None) -> MessagePassingResult:
    device = get_device()
    g = graph_of(config)
    x_np = features(g, config.node_features, seed=config.seed)
    with seeded(config.seed):
        x = torch.tensor(x_np, device=device)
        edge_index = torch.tensor(g.edge_index(), device=device)
        y = torch.tensor(g.labels, device=device)
        train_np = g.split(config.labels_per_class, seed=config.seed)
        train = torch.tensor(train_np, device=device)
        test = ~train
        model = build_model(config, x.shape[1], g.n_classes).to(device)

        def loss_fn(model, _batch):
            logits = model(x, edge_index)
            return F.cross_entropy(logits[train], y[train]), {}

        def eval_fn(model):
            pred = model(x, edge_index).argmax(-1)
            return {"train_acc": (pred[train] == y[train]).float().mean(), "test_acc": (pred[test] == y[test]).float().mean()}

        log = fit(
            model,
            torch.optim.Adam(model.parameters(), lr=config.lr, weight_decay=5e-4, foreach=True),
            steps=config.epochs,
            batch_fn=lambda step: None,
            loss_fn=loss_fn,
            eval_fn=eval_fn,
            snapshot_fn=lambda model, step: state_arrays(model),
            snapshot_every=max(1, config.epochs // 20),
            log_every=max(1, config.epochs // 50),
            progress=progress,
            max_loss=10 * math.log(max(g.n_classes, 2)),  # 10x chance level: the run has blown up
        )
        model.eval()
        with torch.no_grad():
            logits, hidden = model(x, edge_index, return_hidden=True)
            pred = logits.argmax(-1)
    return MessagePassingResult(
        config=config,
        log=log,
        device=str(device),
        graph=g,
        x=x_np,
        train_mask=train_np,
        params=n_params(model),
        train_acc=float((pred[train] == y[train]).float().mean()),
        test_acc=float((pred[test] == y[test]).float().mean()),
        similarity=mean_cosine(hidden[-1].cpu().numpy()),
    )


# ----------------------------------------------------------------------------- result


@dataclass(frozen=True)
class MessagePassingResult(LabResult):
    graph: GraphData = None
    x: np.ndarray = None  # (N, F) input features
    train_mask: np.ndarray = None  # (N,) labelled nodes
    params: int = 0
    train_acc: float = 0.0
    test_acc: float = 0.0
    similarity: float = 0.0  # mean pairwise cosine similarity of the last layer's embeddings

    FIGURES: ClassVar[dict[str, FigureInfo]] = {
        "graph": FigureInfo(
            "Predictions on the graph",
            "Colour is the predicted class, paleness means low confidence (the largest softmax probability). Diamonds are "
            "the labelled nodes the model trained on; a black ring marks a wrong prediction.",
        ),
        "embeddings": FigureInfo(
            "Node embeddings over training",
            "The last layer's node vectors projected to 2-D (principal axes of the final model, kept fixed so the timeline "
            "shows nodes moving). Colour is the true class; grey lines are the graph's edges.",
        ),
        "curves": FigureInfo(
            "Training curves",
            "Cross-entropy on the labelled nodes, and accuracy on the labelled (train) and unlabelled (test) nodes.",
        ),
        "step_graph": FigureInfo(
            "One update, node-link view",
            "The chosen node (ringed) collects one message from each neighbour at the chosen layer. Edge width and colour "
            "are the captured message norms ‖m_{u→v}‖; node colour is ‖h_u‖, the size of the vector each node sends.",
        ),
        "step_vectors": FigureInfo(
            "Messages and their aggregate",
            "One row per message into the chosen node as PyG's message hook captured it (self-loop included where the "
            "layer adds one), then their sum, then the aggregate PyG's aggregate hook returned: the last two rows agree.",
        ),
        "step_matrix": FigureInfo(
            "The same update, matrix view",
            "The whole layer as matrices: propagation matrix P (Â for GCN, attention α for GAT, mean for SAGE, A+(1+ε)I for "
            "GIN) times node states H times the weight W, then the update. The framed row is the chosen node.",
        ),
        "attention": FigureInfo(
            "Edge weights (GAT: attention per head)",
            "GAT learns a weight α for every edge and head; the colour is α averaged over the edge's two directions (hover "
            "for each), node colour its self-attention. GCN, SAGE and GIN show their fixed weights instead.",
        ),
        "receptive": FigureInfo(
            "k-hop receptive field",
            "After L layers a node's embedding depends only on nodes at most L hops away. Colour is the hop distance "
            "from the chosen node; grey nodes are beyond reach and cannot influence its prediction.",
        ),
        "smoothing": FigureInfo(
            "Oversmoothing",
            "Mean pairwise cosine similarity of node vectors after k propagation steps Â^k X (no weights), and for this "
            "model's layers. As k grows every node looks like every other: deep GNNs lose the differences they need.",
        ),
    }

    # --- summary and views

    def summary(self) -> dict[str, float]:
        return {
            **super().summary(),
            "test_acc": self.test_acc,
            "train_acc": self.train_acc,
            "labelled": float(self.train_mask.sum()),
            "similarity": self.similarity,
            "params": float(self.params),
        }

    def warning(self) -> str | None:
        base = super().warning()
        if base:
            return base
        if self.config.dataset == "sbm" and len(self.graph.edges) == 0:
            return "The SBM drew no edges at these probabilities: without edges there is nothing to pass. Raise p_in or p_out."
        return None

    def default_node(self) -> int:
        """An unlabelled node with a handful of neighbours: its update is easy to read."""
        deg = self.graph.degree()
        cand = np.flatnonzero(~self.train_mask)
        if not len(cand):
            return 0
        return int(cand[np.argmin(np.abs(deg[cand] - 5) + 1e-3 * cand)])

    def views(self) -> list[View]:
        c, g = self.config, self.graph
        names = [self._node_label(i) for i in range(g.n)]
        heads = tuple(range(c.heads)) if c.kind == "gat" else (0,)
        return [
            View("node", "Node", tuple(range(g.n)), self.default_node(), "The node whose update is traced", labels=tuple(names)),
            View("layer", "Layer", tuple(range(c.n_layers)), 0, "Which message-passing layer (scrub through them)"),
            View("head", "GAT head", heads, 0, "GAT only: which attention head the matrix view uses"),
        ]

    def _node_label(self, i: int) -> str:
        g = self.graph
        name = g.node_names[i]
        tag = f"{i}" if name == str(i) else f"{i}: {name}"
        return f"{tag} ({g.class_names[g.labels[i]]}{', labelled' if self.train_mask[i] else ''})"

    # --- internals from saved weights (no retraining)

    def _snap_index(self, snapshot: int | None) -> int:
        n = len(self.log.snapshots)
        return n - 1 if snapshot is None else int(np.clip(snapshot, 0, n - 1))

    def _model_at(self, index: int) -> NodeGNN:
        model = build_model(self.config, self.x.shape[1], self.graph.n_classes)
        load_arrays(model, self.log.snapshots[index].data)
        return model.eval()

    def internals(self, snapshot: int | None = None) -> dict:
        """Hidden states, probabilities and every layer's captured messages at a snapshot (default: last)."""
        index = self._snap_index(snapshot)
        return self.memo(("internals", index), lambda: self._compute_internals(index))

    def _compute_internals(self, index: int) -> dict:
        model = self._model_at(index)
        x = torch.tensor(self.x)
        edge_index = torch.tensor(self.graph.edge_index())
        with torch.no_grad(), capture(model) as traces:
            logits, hidden = model(x, edge_index, return_hidden=True)
        kind, n = self.config.kind, self.graph.n
        layers = []
        for conv, tr in zip(model.convs, traces):
            heads = tr.coeff.shape[1]
            msgs = tr.messages if kind != "sage" else tr.messages * tr.coeff  # what each edge adds to the aggregate
            layers.append(
                {
                    "edge_index": tr.edge_index.numpy(),  # (2, E')
                    "messages": msgs.reshape(msgs.shape[0], heads if kind == "gat" else 1, -1).numpy(),  # (E', heads, C)
                    "aggregate": tr.aggregate.reshape(n, heads if kind == "gat" else 1, -1).numpy(),  # (N, heads, C)
                    "coeff": tr.coeff.numpy(),  # (E', heads)
                    "P": np.stack([propagation_matrix(tr, n, h) for h in range(heads)]),  # (heads, N, N)
                    "W": first_weight(conv, kind).detach().numpy().copy(),  # (d_in, d_out)
                    "eps": float(conv.eps) if kind == "gin" else 0.0,
                    "flat": contributions(kind, tr).numpy(),
                }
            )
        probs = torch.softmax(logits, -1).numpy()
        return {"hidden": [h.numpy() for h in hidden], "probs": probs, "pred": probs.argmax(-1), "layers": layers}

    def _basis(self) -> tuple[np.ndarray, np.ndarray]:
        """Mean and (d, 2) principal axes of the final model's last-layer embeddings: fixed for the timeline."""

        def compute():
            h = self.internals()["hidden"][-1]
            mean = h.mean(0)
            _, _, vt = np.linalg.svd(h - mean, full_matrices=False)
            basis = vt[:2].T if vt.shape[0] >= 2 else np.pad(vt.T, ((0, 0), (0, 2 - vt.shape[0])))
            return mean, basis

        return self.memo("basis", compute)

    # --- figures

    def figures(self, node: int | None = None, layer: int = 0, head: int = 0, snapshot: int | None = None) -> dict[str, go.Figure]:
        c, g = self.config, self.graph
        node = self.default_node() if node is None else int(np.clip(node, 0, g.n - 1))
        layer = int(np.clip(layer, 0, c.n_layers - 1))
        head = int(np.clip(head, 0, (c.heads if c.kind == "gat" else 1) - 1))
        index = self._snap_index(snapshot)
        inner = self.internals(index)
        step = self.log.snapshots[index].step
        return {
            "graph": self._fig_graph(inner, step),
            "embeddings": self._fig_embeddings(inner, step),
            "curves": self._fig_curves(step),
            "step_graph": self._fig_step_graph(inner, node, layer, head, step),
            "step_vectors": self._fig_step_vectors(inner, node, layer, head, step),
            "step_matrix": self._fig_step_matrix(inner, node, layer, head, step),
            "attention": self._fig_attention(inner, node, layer, step),
            "receptive": self._fig_receptive(node),
            "smoothing": self._fig_smoothing(inner, step),
        }

    def _hover(self, inner) -> list[str]:
        g, deg = self.graph, self.graph.degree()
        probs, pred = inner["probs"], inner["pred"]
        return [
            f"<b>{self._node_label(i)}</b><br>degree {deg[i]}<br>predicted {g.class_names[pred[i]]} "
            f"(p = {probs[i, pred[i]]:.2f})<br>true {g.class_names[g.labels[i]]}"
            for i in range(g.n)
        ]

    def _fig_graph(self, inner, step) -> go.Figure:
        g = self.graph
        conf = inner["probs"].max(1)
        wrong = inner["pred"] != g.labels
        acc = float((~wrong[~self.train_mask]).mean()) if (~self.train_mask).any() else float("nan")
        panel = GraphPanel(
            pos=g.pos, edges=g.edges, classes=inner["pred"], class_names=g.class_names, node_text=self._hover(inner),
            node_size=10 + 12 * conf, node_opacity=0.25 + 0.75 * (conf - 1 / g.n_classes) / (1 - 1 / g.n_classes),
            symbols=np.where(self.train_mask, "diamond", "circle"), outline=wrong,
            labels=[str(i) for i in range(g.n)] if g.n <= 40 else None,
        )  # fmt: skip
        return graph_figure(panel, title=f"Predicted class, step {step}: {acc:.0%} of unlabelled nodes right", height=520)

    def _fig_embeddings(self, inner, step) -> go.Figure:
        g = self.graph
        mean, basis = self._basis()
        z = (inner["hidden"][-1] - mean) @ basis  # (N, 2)
        panel = GraphPanel(
            pos=z, edges=g.edges, classes=g.labels, class_names=g.class_names, node_text=self._hover(inner),
            symbols=np.where(self.train_mask, "diamond", "circle"), outline=inner["pred"] != g.labels,
        )  # fmt: skip
        return graph_figure(
            panel,
            title=f"Layer {self.config.n_layers} embeddings, step {step}",
            axis_titles=("principal axis 1 (embedding units)", "principal axis 2 (embedding units)"),
            ticks=True,
            height=500,
        )

    def _fig_curves(self, marker_step) -> go.Figure:
        h = self.log.history
        n = len(h["step"])

        def get(name):
            v = h.get(name, np.array([]))
            return v if len(v) == n else np.full(n, np.nan)

        return vc.training_curves(
            h["step"],
            {
                "loss": {"cross-entropy": get("loss")},
                "accuracy": {"labelled (train)": get("train_acc"), "unlabelled (test)": get("test_acc")},
            },
            title="Loss and accuracy",
            y_titles={"loss": "cross-entropy (nats)", "accuracy": "accuracy (fraction)"},
            marker_step=marker_step,
        )

    def _in_edges(self, lay, node, head):
        """Rows of the edge list that end at `node`: (sources, per-edge message (E_v, C), coefficients)."""
        src, dst = lay["edge_index"]
        sel = np.flatnonzero(dst == node)
        return (
            src[sel],
            lay["messages"][sel, min(head, lay["messages"].shape[1] - 1)],
            lay["coeff"][sel, min(head, lay["coeff"].shape[1] - 1)],
        )

    def _fig_step_graph(self, inner, node, layer, head, step) -> go.Figure:
        g = self.graph
        lay = inner["layers"][layer]
        src, msgs, coeff = self._in_edges(lay, node, head)
        norms = {int(u): float(np.linalg.norm(m)) for u, m in zip(src, msgs)}
        cf = {int(u): float(a) for u, a in zip(src, coeff)}
        values = np.full(len(g.edges), np.nan)
        texts = []
        for e, (a, b) in enumerate(g.edges):
            u = b if a == node else a if b == node else None
            if u is not None and u in norms:
                values[e] = norms[u]
            texts.append(f"message {u} → {node}<br>weight {cf.get(u, 0):.3g}" if u is not None else f"edge {a}–{b}")
        h_in = inner["hidden"][layer]
        sender = np.linalg.norm(h_in, axis=1)
        text = self._hover(inner)
        if node in norms:
            text[node] += f"<br>self-loop message norm {norms[node]:.3g}"
        text = [t + f"<br>‖h^({layer})‖ = {s:.3g}" for t, s in zip(text, sender)]
        neigh = np.zeros(g.n, bool)
        neigh[src] = True
        panel = GraphPanel(
            pos=g.pos, edges=g.edges, values=sender, node_text=text, node_size=np.where(neigh, 18, 9),
            outline=np.arange(g.n) == node, edge_values=values, edge_text=texts,
            symbols=np.where(np.arange(g.n) == node, "star", "circle"),
            labels=[str(i) if neigh[i] else "" for i in range(g.n)],
        )  # fmt: skip
        agg = np.linalg.norm(lay["aggregate"][node, min(head, lay["aggregate"].shape[1] - 1)])
        tag = f", head {head}" if self.config.kind == "gat" else ""
        return graph_figure(
            panel,
            title=f"Layer {layer}{tag}: {len(src)} messages into node {node}, ‖aggregate‖ = {agg:.3g} (step {step})",
            node_colorbar=f"‖h^({layer})‖ sent",
            edge_colorbar="‖message‖",
            height=540,
        )

    def _fig_step_vectors(self, inner, node, layer, head, step) -> go.Figure:
        lay = inner["layers"][layer]
        src, msgs, coeff = self._in_edges(lay, node, head)
        total = msgs.sum(0)
        agg = lay["aggregate"][node, min(head, lay["aggregate"].shape[1] - 1)]
        rows = [f"{'self' if u == node else 'from'} {u} (w {a:.2f})" for u, a in zip(src, coeff)] + ["Σ messages", "PyG aggregate"]
        z = np.vstack([msgs, total[None], agg[None]])
        m = float(np.abs(z).max()) or 1.0
        tag = f", head {head}" if self.config.kind == "gat" else ""
        return heatmap(
            z,
            title=f"Layer {layer}{tag}: messages into node {node} and their aggregate (step {step})",
            x_title="message channel",
            y_title="message (sender, weight)",
            y_labels=rows,
            colorbar_title="value",
            colorscale=DIVERGING,
            zmin=-m,
            zmax=m,
            height=max(320, 26 * len(rows) + 160),
            hover="value",
        )

    def _fig_step_matrix(self, inner, node, layer, head, step) -> go.Figure:
        c = self.config
        lay = inner["layers"][layer]
        h_in, h_out = inner["hidden"][layer], inner["hidden"][layer + 1]
        w = lay["W"]  # (d_in, d_out)
        p = lay["P"][min(head, lay["P"].shape[0] - 1)]
        if c.kind == "gin":
            p = p + (1 + lay["eps"]) * np.eye(len(p))
        if c.kind == "gat":
            ch = w.shape[1] // c.heads
            w = w[:, head * ch : (head + 1) * ch]
        names = {
            "gcn": ("Â = D̃^-½(A+I)D̃^-½", "ReLU(ÂHW + b)"),
            "gat": (f"α (head {head})", "ReLU(concat heads + b)"),
            "sage": ("D^-1 A (mean)", "ReLU(PHW + H W_root + b)"),
            "gin": ("A + (1+ε) I", "ReLU(MLP(PH))"),
        }[c.kind]
        panels = [
            MatrixPanel(p, names[0], "sender u", "node v", highlight_row=node, highlight_col=node),
            MatrixPanel(h_in, f"H^({layer})", "channel"),
            MatrixPanel(w, "W", "out channel", "in channel"),
            MatrixPanel(p @ h_in @ w, "P·H·W", "channel", highlight_row=node),
            MatrixPanel(h_out, f"H^({layer + 1})", "channel", highlight_row=node),
        ]
        return matrix_panels(
            panels,
            title=f"Layer {layer}, node {node}: P · H^({layer}) · W, then H^({layer + 1}) = {names[1]} (step {step})",
            operators=("·", "·", "=", "→"),
            height=max(420, min(760, 9 * len(p) + 200)),
        )

    def _fig_attention(self, inner, node, layer, step) -> go.Figure:
        c, g = self.config, self.graph
        lay = inner["layers"][layer]
        src, dst = lay["edge_index"]
        lookup = {(int(u), int(v)): i for i, (u, v) in enumerate(zip(src, dst))}
        heads = lay["coeff"].shape[1]
        panels, titles = [], []
        for h in range(heads):
            a = lay["coeff"][:, h]
            vals, texts = [], []
            for u, v in g.edges:
                uv, vu = a[lookup[(u, v)]] if (u, v) in lookup else np.nan, a[lookup[(v, u)]] if (v, u) in lookup else np.nan
                vals.append(np.nanmean([uv, vu]))
                texts.append(f"α {u}→{v} = {uv:.3f}<br>α {v}→{u} = {vu:.3f}")
            selfw = np.array([a[lookup[(i, i)]] if (i, i) in lookup else np.nan for i in range(g.n)])
            hover = [f"node {i}<br>self weight {s:.3f}" for i, s in enumerate(selfw)]
            panels.append(
                GraphPanel(
                    pos=g.pos,
                    edges=g.edges,
                    values=np.nan_to_num(selfw),
                    node_text=hover,
                    edge_values=np.array(vals),
                    edge_text=texts,
                    outline=np.arange(g.n) == node,
                    node_size=11,
                )  # fmt: skip
            )
            titles.append(f"head {h}" if c.kind == "gat" else KIND_LABELS[c.kind])
        what = "attention α per head (learned)" if c.kind == "gat" else "fixed edge weights (not learned)"
        return graph_grid(
            panels,
            title=f"Layer {layer}: {what}, step {step}",
            panel_titles=titles,
            cols=min(heads, 2),
            node_colorbar="self weight",
            edge_colorbar="edge weight (mean of both directions)",
            show_edge_markers=False,
        )

    def _fig_receptive(self, node) -> go.Figure:
        g, L = self.graph, self.config.n_layers
        hops = hop_distance(g, node)
        cls = np.where((hops < 0) | (hops > L), L + 1, hops)
        names = ["the node"] + [f"{k} hop{'s' if k > 1 else ''}" for k in range(1, L + 1)] + [f"beyond {L} hops"]
        text = [f"node {i}<br>hops from {node}: {h if h >= 0 else 'unreachable'}" for i, h in enumerate(hops)]
        reach = int((cls <= L).sum())
        panel = GraphPanel(pos=g.pos, edges=g.edges, classes=cls, class_names=names, node_text=text, node_size=np.where(cls <= L, 15, 9))
        fig = graph_figure(panel, title=f"Node {node} sees {reach} of {g.n} nodes through {L} layer{'s' if L > 1 else ''}", height=500)
        for tr in fig.data:  # beyond reach: grey
            if tr.name == names[-1]:
                tr.marker.color = "#BBBBBB"
        return fig

    def _fig_smoothing(self, inner, step) -> go.Figure:
        def compute():
            a_hat = gcn_norm_dense(torch.tensor(self.graph.edge_index()), self.graph.n).numpy()
            h, sims = self.x.astype(float), []
            for _ in range(SMOOTH_STEPS + 1):
                sims.append(mean_cosine(h))
                h = a_hat @ h
            return np.array(sims)

        sims = self.memo("smooth_curve", compute)
        model = [mean_cosine(h) for h in inner["hidden"]]
        fig = vc.curves(
            {"Â^k X (no weights)": np.arange(SMOOTH_STEPS + 1), "this model, layer k": np.arange(len(model))},
            {"Â^k X (no weights)": sims, "this model, layer k": np.array(model)},
            title=f"Node vectors grow alike with depth (step {step})",
            x_title="propagation steps / layer k",
            y_title="mean pairwise cosine similarity",
            markers=True,
            y_range=[min(0.0, float(np.nanmin(np.r_[sims, model])) - 0.05), 1.05],
        )
        return fig


# ----------------------------------------------------------------------------- the depth sweep


def depth_configs(config: Config) -> list[Config]:
    return [config.replace(n_layers=d) for d in DEPTHS]


def depth_table(results: list[MessagePassingResult]) -> list[dict]:
    return [
        {
            "layers": r.config.n_layers,
            "test accuracy": round(r.test_acc, 3),
            "train accuracy": round(r.train_acc, 3),
            "embedding similarity": round(r.similarity, 3),
            "train time (s)": round(r.log.seconds, 2),
            "diverged": r.diverged,
        }
        for r in results
    ]


def depth_figures(results: list[MessagePassingResult]) -> dict[str, go.Figure]:
    c = results[0].config
    layers = np.array([r.config.n_layers for r in results])
    fig = vc.curves(
        layers,
        {
            "test accuracy": np.array([r.test_acc for r in results]),
            "train accuracy": np.array([r.train_acc for r in results]),
            "last-layer cosine similarity": np.array([r.similarity for r in results]),
        },
        title=f"{KIND_LABELS[c.kind]} on {c.dataset}: accuracy and similarity against depth",
        x_title="message-passing layers",
        y_title="fraction / cosine similarity",
        markers=True,
        y_range=[-0.05, 1.05],
    )
    return {"depth_sweep": fig}
