"""Recommendation as link prediction: LightGCN (PyG) learns user and item vectors on a bipartite
interaction graph and ranks the items a user has not seen; held-out interactions score it.

result = run(Config(n_layers=0))     # 0 layers = plain matrix factorisation
result.summary()                     # AUC of held-out interactions, recall@5 against popularity
result.figures(user=3, snapshot=5)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import plotly.graph_objects as go
import torch
from sklearn.metrics import roc_auc_score
from torch_geometric.nn.models import LightGCN

from nnviz.core.device import get_device
from nnviz.core.loop import fit, load_arrays, state_arrays
from nnviz.core.params import LabConfig, param
from nnviz.core.seed import seeded
from nnviz.data.graphs import user_item_graph
from nnviz.labs.base import FigureInfo, LabResult, View
from nnviz.viz import curves as vc
from nnviz.viz.graph import GraphPanel, graph_figure
from nnviz.viz.heatmap import heatmap
from nnviz.viz.theme import PALETTE

NAME = "gnn_recommend"
TOP_K = 5


@dataclass(frozen=True)
class Config(LabConfig):
    # 40 users x 30 items in 3 taste groups: a score matrix small enough to read cell by cell
    users: int = param(40, lo=10, hi=200, step=5, help="Users (left side of the bipartite graph)", group="Data")
    items: int = param(30, lo=10, hi=150, step=5, help="Items (right side)", group="Data")
    groups: int = param(3, lo=1, hi=6, help="Taste groups shared by users and items", label="Taste groups", group="Data")
    # 0.5 inside a group, 0.03 across: clear tastes, some exploration, ~5 interactions per user
    p_like: float = param(0.5, lo=0.0, hi=1.0, step=0.01, help="Chance a user interacts with an item of its own group",
                          label="p(interact | same group)", group="Data")  # fmt: skip
    p_other: float = param(0.03, lo=0.0, hi=1.0, step=0.01, help="Chance of an interaction across groups", label="p(interact | other group)",
                           group="Data")  # fmt: skip
    # 20% of interactions hidden from training: those are what the model must recover
    held_out: float = param(0.2, lo=0.05, hi=0.6, step=0.05, help="Share of interactions held out for testing", label="Held out",
                            group="Data")  # fmt: skip
    # 2 layers: a user hears from items it used and from users who used the same items
    n_layers: int = param(2, lo=0, hi=4, help="LightGCN propagation layers (0 = matrix factorisation)", label="Layers", group="Model")
    dim: int = param(16, lo=2, hi=64, step=2, help="Embedding size", label="Embedding size", group="Model")
    # Adam 1e-2 reaches its best held-out score within ~60 steps on this size; 10 shows divergence
    lr: float = param(1e-2, lo=1e-4, hi=10.0, log=True, help="Adam learning rate", label="Learning rate", group="Training")
    # 60 full-batch steps: held-out AUC peaks around here; longer training memorises the training interactions
    epochs: int = param(60, lo=10, hi=2000, step=10, help="Full-batch training steps (one BPR pair per interaction)", group="Training")


PRESETS = {
    "LightGCN, 2 layers (default)": Config(),
    "Matrix factorisation (0 layers)": Config(n_layers=0),
    "Half the interactions hidden": Config(held_out=0.5),
    "Trained too long (memorises)": Config(epochs=600),
    "No taste groups (popularity only)": Config(groups=1, p_like=0.1),
    "Learning rate too large (diverges)": Config(lr=10.0),
}


def _data(c: Config):
    edges, ug, ig = user_item_graph(c.users, c.items, c.groups, c.p_like, c.p_other, seed=c.seed)
    test = np.random.default_rng(c.seed + 1).random(len(edges)) < c.held_out
    return edges, ug, ig, test


def _edge_index(edges: np.ndarray, users: int) -> torch.Tensor:
    """(2, 2E): user -> item and item -> user, items numbered after the users."""
    u, i = edges[:, 0], edges[:, 1] + users
    return torch.tensor(np.stack([np.r_[u, i], np.r_[i, u]]), dtype=torch.long)


def score_matrix(model: LightGCN, edge_index: torch.Tensor, users: int) -> np.ndarray:
    """(users, items) dot products of the propagated embeddings."""
    z = model.get_embedding(edge_index)
    return (z[:users] @ z[users:].T).detach().cpu().numpy()


def evaluate(scores: np.ndarray, edges: np.ndarray, test: np.ndarray, k: int = TOP_K) -> dict[str, float]:
    """AUC of held-out interactions against non-interactions, and mean recall@k over users with held-out items
    (training interactions are never recommended again)."""
    seen = np.zeros(scores.shape, bool)
    seen[edges[~test, 0], edges[~test, 1]] = True
    truth = np.zeros(scores.shape, bool)
    truth[edges[test, 0], edges[test, 1]] = True
    s = np.where(seen, -np.inf, scores)
    y, v = truth[~seen], scores[~seen]
    auc = float(roc_auc_score(y, v)) if 0 < y.sum() < len(y) else float("nan")
    top = np.argsort(-s, axis=1, kind="stable")[:, :k]
    hits = np.take_along_axis(truth, top, 1).sum(1)
    has = truth.sum(1) > 0
    recall = float((hits[has] / np.minimum(truth.sum(1)[has], k)).mean()) if has.any() else float("nan")
    return {"auc": auc, "recall": recall}


# ----------------------------------------------------------------------------- training


def run(config: Config, progress=None) -> RecommendResult:
    device = get_device()
    edges, ug, ig, test = _data(config)
    train_edges = edges[~test]
    n = config.users + config.items
    popularity = np.tile(np.bincount(train_edges[:, 1], minlength=config.items).astype(float), (config.users, 1))
    with seeded(config.seed):
        ei = _edge_index(train_edges, config.users).to(device)
        pos = torch.tensor(train_edges.T, device=device)
        model = LightGCN(n, config.dim, config.n_layers).to(device)

        def loss_fn(model, _batch):
            neg_items = torch.randint(0, config.items, (pos.shape[1],), device=device)
            z = model.get_embedding(ei)
            users, items, negs = z[pos[0]], z[config.users + pos[1]], z[config.users + neg_items]
            pos_rank, neg_rank = (users * items).sum(-1), (users * negs).sum(-1)
            return model.recommendation_loss(pos_rank, neg_rank, node_id=torch.arange(n, device=device), lambda_reg=1e-4), {}

        def eval_fn(model):
            return evaluate(score_matrix(model, ei, config.users), edges, test)

        log = fit(
            model,
            torch.optim.Adam(model.parameters(), lr=config.lr, foreach=True),
            steps=config.epochs,
            batch_fn=lambda step: None,
            loss_fn=loss_fn,
            eval_fn=eval_fn if len(train_edges) else None,
            snapshot_fn=lambda model, step: state_arrays(model),
            snapshot_every=max(1, config.epochs // 12),
            log_every=max(1, config.epochs // 40),
            progress=progress,
            max_loss=10 * math.log(2),  # BPR starts at ln 2; ten times that has blown up
        )
        model.eval()
        with torch.no_grad():
            final = evaluate(score_matrix(model, ei, config.users), edges, test)
    return RecommendResult(
        config=config,
        log=log,
        device=str(device),
        test=test,
        metrics=final,
        popularity=evaluate(popularity, edges, test),
    )


# ----------------------------------------------------------------------------- result


@dataclass(frozen=True)
class RecommendResult(LabResult):
    test: np.ndarray = None  # (E,) held-out interactions
    metrics: dict = None  # auc, recall of the model
    popularity: dict = None  # the same for "recommend the most popular items"

    FIGURES: ClassVar[dict[str, FigureInfo]] = {
        "scores": FigureInfo(
            "Predicted scores for every user and item",
            "Colour is the dot product of the user's and item's propagated embeddings, users and items sorted by taste "
            "group. White dots are training interactions, black crosses the held-out ones the model never saw.",
        ),
        "user": FigureInfo(
            "Top recommendations for one user",
            "The chosen user's highest-scoring unseen items. Colour says whether the item was a held-out interaction "
            "(a hit), belongs to the user's taste group, or not.",
        ),
        "embeddings": FigureInfo(
            "User and item embeddings over training",
            "Propagated embeddings projected on the final model's two principal axes (fixed for the timeline). Circles "
            "are users, squares items, colour the taste group; grey lines the training interactions.",
        ),
        "curves": FigureInfo(
            "Training curves",
            f"BPR loss, and on held-out interactions the AUC and recall@{TOP_K}; dashed lines are the popularity baseline.",
        ),
    }

    def summary(self) -> dict[str, float]:
        return {
            **super().summary(),
            "auc": self.metrics["auc"],
            "recall": self.metrics["recall"],
            "pop_auc": self.popularity["auc"],
            "pop_recall": self.popularity["recall"],
        }

    def views(self) -> list[View]:
        edges, ug, _, _ = _data(self.config)
        users = tuple(range(self.config.users))
        return [View("user", "User", users, 0, "Whose recommendations to show", labels=tuple(f"user {u} (group {ug[u]})" for u in users))]

    def _snap_index(self, snapshot) -> int:
        n = len(self.log.snapshots)
        return n - 1 if snapshot is None else int(np.clip(snapshot, 0, n - 1))

    def internals(self, snapshot=None) -> dict:
        index = self._snap_index(snapshot)

        def compute():
            c = self.config
            edges, _, _, test = _data(c)
            model = LightGCN(c.users + c.items, c.dim, c.n_layers)
            load_arrays(model, self.log.snapshots[index].data)
            ei = _edge_index(edges[~test], c.users)
            with torch.no_grad():
                z = model.get_embedding(ei).numpy()
            return {"z": z, "scores": z[: c.users] @ z[c.users :].T}

        return self.memo(("internals", index), compute)

    def figures(self, user: int = 0, snapshot: int | None = None) -> dict[str, go.Figure]:
        index = self._snap_index(snapshot)
        inner, step = self.internals(index), self.log.snapshots[index].step
        user = int(np.clip(user, 0, self.config.users - 1))
        return {
            "scores": self._fig_scores(inner, step),
            "user": self._fig_user(inner, user, step),
            "embeddings": self._fig_embeddings(inner, step),
            "curves": self._fig_curves(step),
        }

    def _fig_scores(self, inner, step) -> go.Figure:
        c = self.config
        edges, ug, ig, test = _data(c)
        uo, io = np.argsort(ug, kind="stable"), np.argsort(ig, kind="stable")
        urank, irank = np.argsort(uo), np.argsort(io)
        s = inner["scores"][np.ix_(uo, io)]
        m = evaluate(inner["scores"], edges, test)
        fig = heatmap(s, title=f"Scores, step {step}: held-out AUC {m['auc']:.2f}, recall@{TOP_K} {m['recall']:.2f}",
                      x_title="item (sorted by group)", y_title="user (sorted by group)", x_labels=[f"item {i}" for i in io],
                      y_labels=[f"user {u}" for u in uo], colorbar_title="score u·i", height=max(420, 16 * c.users + 200), hover="score")  # fmt: skip
        for mask, name, marker in ((~test, "training interaction", dict(symbol="circle", size=5, color="white", line=dict(width=0.5, color="#333"))),
                                   (test, "held-out interaction", dict(symbol="x", size=7, color="black"))):  # fmt: skip
            e = edges[mask]
            fig.add_trace(go.Scatter(x=irank[e[:, 1]], y=urank[e[:, 0]], mode="markers", name=name, marker=marker,
                                     hovertemplate=f"{name}<br>user %{{y}}, item %{{x}}<extra></extra>"))  # fmt: skip
        fig.update_layout(legend=dict(orientation="h", y=-0.12))
        return fig

    def _fig_user(self, inner, user, step) -> go.Figure:
        c = self.config
        edges, ug, ig, test = _data(c)
        seen = set(edges[~test & (edges[:, 0] == user), 1].tolist())
        held = set(edges[test & (edges[:, 0] == user), 1].tolist())
        order = [i for i in np.argsort(-inner["scores"][user], kind="stable") if i not in seen][:10]
        cats = {"held-out interaction (hit)": [], f"taste group {ug[user]} (same as user)": [], "other group": []}
        for i in order:
            key = (
                "held-out interaction (hit)"
                if i in held
                else (f"taste group {ug[user]} (same as user)" if ig[i] == ug[user] else "other group")
            )
            for k in cats:
                cats[k].append(float(inner["scores"][user, i]) if k == key else np.nan)
        fig = vc.bars([f"item {i}" for i in order], cats, title=f"User {user}: top 10 unseen items at step {step} "
                      f"({len(held & set(order[:TOP_K]))} of {len(held)} held-out in the top {TOP_K})", x_title="recommended item (best first)",
                      y_title="score u·i", text_fmt=".2f")  # fmt: skip
        fig.update_layout(barmode="overlay")
        return fig

    def _basis(self):
        def compute():
            z = self.internals()["z"]
            mean = z.mean(0)
            _, _, vt = np.linalg.svd(z - mean, full_matrices=False)
            return mean, vt[:2].T

        return self.memo("basis", compute)

    def _fig_embeddings(self, inner, step) -> go.Figure:
        c = self.config
        edges, ug, ig, test = _data(c)
        mean, basis = self._basis()
        xy = (inner["z"] - mean) @ basis
        groups = np.r_[ug, ig]
        kinds = ["user"] * c.users + ["item"] * c.items
        text = [f"user {u} (group {ug[u]})" for u in range(c.users)] + [f"item {i} (group {ig[i]})" for i in range(c.items)]
        tr = edges[~test]
        panel = GraphPanel(pos=xy, edges=np.stack([tr[:, 0], c.users + tr[:, 1]], 1), classes=groups,
                           class_names=[f"taste group {g}" for g in range(c.groups)], node_text=text,
                           symbols=["circle" if k == "user" else "square" for k in kinds], node_size=10)  # fmt: skip
        return graph_figure(panel, title=f"Embeddings at step {step} (circles users, squares items)",
                            axis_titles=("principal axis 1 (embedding units)", "principal axis 2 (embedding units)"), ticks=True, height=500)  # fmt: skip

    def _fig_curves(self, marker_step) -> go.Figure:
        h = self.log.history
        n = len(h["step"])

        def get(name):
            v = h.get(name, np.array([]))
            return v if len(v) == n else np.full(n, np.nan)

        fig = vc.training_curves(
            h["step"],
            {"loss": {"BPR loss": get("loss")}, "held-out": {"AUC": get("auc"), f"recall@{TOP_K}": get("recall")}},
            title=f"LightGCN, {self.config.n_layers} layers: AUC {self.metrics['auc']:.2f} vs popularity {self.popularity['auc']:.2f}",
            y_titles={"loss": "BPR loss (nats)", "held-out": "AUC / recall (fraction)"},
            marker_step=marker_step,
        )
        for i, key in enumerate(("auc", "recall")):
            fig.add_hline(y=self.popularity[key], line=dict(color=PALETTE[1 + i], dash="dash"), row=1, col=2,
                          annotation_text=f"popularity {key}")  # fmt: skip
        return fig
