"""Probing classifiers: what can a linear read-out find in each layer, and is it the model or the probe?

result = run(Config(model="transformer", task="reverse"))
result.probes(snapshot=None)              # accuracy per layer x property, with control tasks
result.figures(layer=1, prop="target", snapshot=3)

The transformer is the Attention lab's (trained here through nnviz.labs.attention.run); the digits
MLP is trained here. Probes, control tasks and the information plane are computed on demand.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import plotly.graph_objects as go
import torch
from plotly.subplots import make_subplots
from torch.nn import functional as F

from nnviz.core.device import get_device
from nnviz.core.loop import fit, load_arrays, state_arrays
from nnviz.core.params import ConfigError, LabConfig, param
from nnviz.core.seed import generator, seeded
from nnviz.data.images import digits
from nnviz.data.sequences import TASKS, make_batch
from nnviz.labs import attention
from nnviz.labs.base import FigureInfo, LabResult, View
from nnviz.models import probing as P
from nnviz.models.classifiers import digits_mlp, hidden_states
from nnviz.viz import curves as vc
from nnviz.viz.heatmap import heatmap
from nnviz.viz.scatter import scatter2d
from nnviz.viz.theme import DIVERGING, PALETTE, base_layout

NAME = "probing"
MODELS = ("transformer", "digits_mlp")
N_SEQ = 160  # probe sequences for the transformer: 160 x 8 = 1280 tokens, probes fit in a fraction of a second
SEQ_LEN, VOCAB = 8, 10
PROPS = {
    "transformer": {
        "position": "position in the sequence",
        "token": "the input token at this position",
        "target": "the output this position must produce (what the task needs)",
    },
    "digits_mlp": {
        "digit": "the digit class (what the task needs)",
        "parity": "even or odd digit",
        "ink": "more ink than the median image (thick strokes)",
    },
}
NEEDED = {"transformer": "target", "digits_mlp": "digit"}


@dataclass(frozen=True)
class Config(LabConfig):
    # the transformer first: its hidden states mix position and token, which probes tell apart
    model: str = param(
        "transformer", choices=MODELS, help="The Attention lab's transformer on a toy task, or an MLP on 8x8 digits", group="Model"
    )
    task: str = param("reverse", choices=TASKS, help="Transformer: the toy sequence task", group="Model")
    # two blocks: three layers to probe (embedding, block 1, block 2)
    n_layers: int = param(2, lo=1, hi=3, help="Transformer blocks", label="Transformer layers", group="Model")
    width: int = param(32, lo=4, hi=128, step=4, help="Digits MLP: width of the first hidden layer (each next one halves)", group="Model")
    depth: int = param(3, lo=1, hi=4, help="Digits MLP: hidden layers", group="Model")
    # tanh: bounded, so the binning estimator of the information plane is well defined (Shwartz-Ziv & Tishby)
    activation: str = param("tanh", choices=("tanh", "relu"), help="Digits MLP: hidden activation", group="Model")
    # 3e-3 with Adam learns reverse (and digits) in ~200 steps; 10 shows divergence
    lr: float = param(3e-3, lo=1e-4, hi=10.0, log=True, help="Adam learning rate", label="Learning rate", group="Training")
    # 200 steps: about a second and a half for either model on two CPU cores
    steps: int = param(200, lo=20, hi=3000, step=10, help="Optimiser steps", group="Training")
    # C = 1: the usual L2 strength; the capacity figure sweeps it
    probe_c: float = param(
        1.0,
        lo=0.001,
        hi=100.0,
        log=True,
        help="Linear probes: inverse L2 strength C (bigger = more capacity)",
        label="Probe C",
        group="Probes",
    )
    # 8 bins: with Shwartz-Ziv & Tishby's 30, every image lands in a cell of its own in any layer wider than
    # ~8 units and both informations saturate (I(X;T) = log2 N); 8 leaves the narrow layers room to compress
    n_bins: int = param(8, lo=2, hi=100, help="Information plane: equal-width bins per unit", label="Bins", group="Probes")

    def validate(self) -> None:
        if self.model == "digits_mlp" and self.width // 2 ** (self.depth - 1) < 2:
            raise ConfigError(
                "depth",
                f"width {self.width} halved {self.depth - 1} times leaves fewer than 2 units; use depth ≤ {int(math.log2(self.width))}",
            )


PRESETS = {
    "Transformer on reverse (default)": Config(),
    "Transformer on sort": Config(task="sort", steps=400),
    "Digits MLP, tanh: information plane": Config(model="digits_mlp", steps=600),
    "Digits MLP, ReLU": Config(model="digits_mlp", activation="relu", steps=600),
    "Barely trained transformer": Config(steps=20),
    "Learning rate too large (diverges)": Config(lr=10.0),
}


def digits_widths(config: Config) -> tuple[int, ...]:
    return tuple(config.width // 2**i for i in range(config.depth))


def attention_config(config: Config) -> attention.Config:
    return attention.Config(
        task=config.task, seq_len=SEQ_LEN, vocab=VOCAB, n_layers=config.n_layers, lr=config.lr, steps=config.steps, seed=config.seed
    )


# ----------------------------------------------------------------------------- data to probe


def transformer_probe_data(config: Config) -> dict:
    """Sequences to probe, and per token: position, input token, target token; types = input token."""
    g = generator(config.seed + 7)
    x, y = make_batch(config.task, n=N_SEQ, length=SEQ_LEN, vocab=VOCAB, generator=g)
    pos = np.broadcast_to(np.arange(SEQ_LEN), x.shape)
    labels = {"position": pos.reshape(-1), "token": x.numpy().reshape(-1), "target": y.numpy().reshape(-1)}
    group = np.repeat(np.arange(N_SEQ), SEQ_LEN)  # split by sequence, not by token
    # control-task types: (token, position) pairs, 80 of them; a random label per pair is not a linear function
    # of an additive token + position code, so only a probe that memorises pairs can solve it
    types = labels["token"] * SEQ_LEN + labels["position"]
    return dict(inputs=x.numpy(), labels=labels, types=types, group=group, y_info=labels["target"])


def digits_probe_data(config: Config) -> dict:
    from sklearn.cluster import KMeans

    xtr, ytr, xte, yte = digits(seed=config.seed)
    x = np.concatenate([xtr, xte]).reshape(-1, 64)
    y = np.concatenate([ytr, yte])
    ink = x.sum(1)
    labels = {"digit": y, "parity": y % 2, "ink": (ink > np.median(ink)).astype(np.int64)}
    # control-task types: 50 clusters of raw pixels, the image analogue of a word type
    types = KMeans(50, n_init=1, random_state=config.seed).fit_predict(x)
    return dict(inputs=x, labels=labels, types=types, group=np.arange(len(x)), y_info=y, n_train=len(xtr))


# ----------------------------------------------------------------------------- training


def run(config: Config, progress=None) -> ProbingResult:
    if config.model == "transformer":
        trained = attention.run(attention_config(config), progress=progress)
        data = transformer_probe_data(config)
        return ProbingResult(config=config, log=trained.log, device=trained.device, data=data, task_acc=trained.token_acc)
    device = get_device()
    with seeded(config.seed):
        data = digits_probe_data(config)
        n = data["n_train"]
        xtr = torch.as_tensor(data["inputs"][:n], device=device)
        ytr = torch.as_tensor(data["labels"]["digit"][:n], device=device)
        xte = torch.as_tensor(data["inputs"][n:], device=device)
        yte = torch.as_tensor(data["labels"]["digit"][n:], device=device)
        model = digits_mlp(digits_widths(config), config.activation).to(device)
        g = generator(config.seed + 1, device)

        def batch_fn(step):
            idx = torch.randint(0, n, (64,), generator=g, device=device)
            return xtr[idx], ytr[idx]

        def loss_fn(model, batch):
            return F.cross_entropy(model(batch[0]), batch[1]), {}

        log = fit(
            model,
            torch.optim.Adam(model.parameters(), lr=config.lr),
            steps=config.steps,
            batch_fn=batch_fn,
            loss_fn=loss_fn,
            eval_fn=lambda m: {"test_acc": (m(xte).argmax(-1) == yte).float().mean()},
            snapshot_fn=lambda model, step: state_arrays(model),
            snapshot_every=max(1, config.steps // 12),
            log_every=max(5, config.steps // 40),
            progress=progress,
            max_loss=10 * math.log(10),
        )
    return ProbingResult(config=config, log=log, device=str(device), data=data, task_acc=log.last("test_acc"))


# ----------------------------------------------------------------------------- result


@dataclass(frozen=True)
class ProbingResult(LabResult):
    data: dict = None  # probe inputs, labels per property, control types, groups
    task_acc: float = 0.0

    FIGURES: ClassVar[dict[str, FigureInfo]] = {
        "probe_layers": FigureInfo(
            "What a linear probe reads from each layer",
            "Held-out accuracy of a logistic-regression probe per layer and property (solid), and of the same probe on "
            "the property's control task (dashed): random labels attached to input types.",
        ),
        "selectivity": FigureInfo(
            "Selectivity = property accuracy − control accuracy",
            "Hewitt & Liang: a probe that scores well on a control task is memorising input types, not reading the "
            "property. High selectivity means the layer makes the property easy to read.",
        ),
        "capacity": FigureInfo(
            "Probe accuracy against probe capacity",
            "Stronger probes (weaker L2, then MLPs) read more, from the property and from the control task alike: "
            "selectivity usually falls as capacity grows.",
        ),
        "pca": FigureInfo(
            "The layer's states in two dimensions",
            "The first two principal components of the chosen layer, coloured by the chosen property.",
        ),
        "info_plane": FigureInfo(
            "The information plane",
            "Each layer's estimated I(X;T) (how much of the input it keeps) against I(T;Y) (how much about the label), "
            "one point per saved training step; the ring marks the timeline's step.",
        ),
        "info_timeline": FigureInfo(
            "Mutual information over training", "The two coordinates of the information plane against the training step, per layer."
        ),
        "curves": FigureInfo("Training curves", "Loss and accuracy of the probed model."),
    }

    # --- summary and views

    @property
    def layer_names(self) -> list[str]:
        if self.config.model == "transformer":
            return ["embedding"] + [f"block {i}" for i in range(1, self.config.n_layers + 1)]
        return ["input pixels"] + [f"h{i} ({w})" for i, w in enumerate(digits_widths(self.config), start=1)]

    @property
    def properties(self) -> list[str]:
        return list(PROPS[self.config.model])

    @property
    def needed(self) -> str:
        return NEEDED[self.config.model]

    def summary(self) -> dict[str, float]:
        return {**super().summary(), "task_acc": float(self.task_acc)}

    def views(self) -> list[View]:
        names = self.layer_names
        props = self.properties
        return [
            View(
                "layer",
                "Layer",
                tuple(range(len(names))),
                len(names) - 1,
                "Which layer the capacity and PCA figures use",
                labels=tuple(names),
            ),
            View(
                "prop",
                "Property",
                tuple(props),
                self.needed,
                "Which property the capacity and PCA figures use",
                labels=tuple(PROPS[self.config.model][p] for p in props),
            ),
        ]

    # --- hidden states from saved weights

    def _snap(self, snapshot: int | None) -> int:
        n = len(self.log.snapshots)
        return n - 1 if snapshot is None else int(np.clip(snapshot, 0, n - 1))

    def states(self, snapshot: int | None = None) -> list[np.ndarray]:
        """Per layer, (rows, d) hidden states of the probe inputs at a snapshot."""
        return self.memo(("states", self._snap(snapshot)), lambda: self._states(snapshot), limit=64)

    def _states(self, snapshot) -> list[np.ndarray]:
        arrays = self.log.snapshots[self._snap(snapshot)].data
        if self.config.model == "transformer":
            model = attention.build_model(attention_config(self.config))
            load_arrays(model, arrays)
            with torch.no_grad():
                out = model.eval()(torch.as_tensor(self.data["inputs"]))
            return [h.reshape(-1, h.shape[-1]).numpy() for h in out.hidden]  # (N*T, d_model) per layer
        model = digits_mlp(digits_widths(self.config), self.config.activation)
        load_arrays(model, arrays)
        with torch.no_grad():
            return [h.numpy() for h in hidden_states(model.eval(), torch.as_tensor(self.data["inputs"]))]

    def _split(self) -> tuple[np.ndarray, np.ndarray]:
        """Train / test rows for the probes: 70/30 by group (by sequence for the transformer)."""
        group = self.data["group"]
        ids = np.random.default_rng(self.config.seed + 3).permutation(np.unique(group))
        test = np.isin(group, ids[: int(0.3 * len(ids))])
        return np.flatnonzero(~test), np.flatnonzero(test)

    def control(self, prop: str) -> np.ndarray:
        n_classes = len(np.unique(self.data["labels"][prop]))
        return P.control_labels(self.data["types"], n_classes, seed=self.config.seed + 11)

    def _score(self, h, y, kind="linear", size=None, max_train: int | None = None) -> float:
        tr, te = self._split()
        tr = tr[:max_train] if max_train else tr
        size = self.config.probe_c if size is None else size
        return P.probe_accuracy(h[tr], y[tr], h[te], y[te], kind, size, self.config.seed)

    def probes(self, snapshot: int | None = None) -> dict:
        """acc[prop][layer], control[prop][layer], majority[prop] with the linear probe at C = probe_c."""
        return self.memo(("probes", self._snap(snapshot)), lambda: self._probes(snapshot))

    def _probes(self, snapshot) -> dict:
        hs = self.states(snapshot)
        tr, te = self._split()
        out = {"acc": {}, "control": {}, "majority": {}}
        for prop in self.properties:
            y, yc = self.data["labels"][prop], self.control(prop)
            out["acc"][prop] = [self._score(h, y) for h in hs]
            out["control"][prop] = [self._score(h, yc) for h in hs]
            out["majority"][prop] = P.majority_accuracy(y[tr], y[te])
        return out

    def capacity(self, layer: int, prop: str, snapshot: int | None = None) -> dict:
        key = ("capacity", int(layer), prop, self._snap(snapshot))

        def compute():
            h = self.states(snapshot)[layer]
            y, yc = self.data["labels"][prop], self.control(prop)
            # 640 training rows: the capacity sweep fits 14 probes on demand, MLPs included
            acc = [self._score(h, y, k, s, max_train=640) for k, s in P.CAPACITIES]
            ctl = [self._score(h, yc, k, s, max_train=640) for k, s in P.CAPACITIES]
            return dict(labels=[P.capacity_label(k, s) for k, s in P.CAPACITIES], acc=acc, control=ctl)

        return self.memo(key, compute)

    def information(self) -> dict:
        """I(X;T), I(T;Y) per layer (input excluded) at every snapshot: arrays (snapshots, layers)."""

        def compute():
            y = self.data["y_info"]
            ixt, ity = [], []
            for i in range(len(self.log.snapshots)):
                pairs = [P.binned_information(h, y, self.config.n_bins) for h in self.states(i)[1:]]
                ixt.append([p[0] for p in pairs])
                ity.append([p[1] for p in pairs])
            return dict(step=np.array([s.step for s in self.log.snapshots]), ixt=np.array(ixt), ity=np.array(ity))

        return self.memo(("information",), compute)

    # --- figures

    def figures(self, layer: int | None = None, prop: str | None = None, snapshot: int | None = None) -> dict[str, go.Figure]:
        names = self.layer_names
        layer = len(names) - 1 if layer is None else int(np.clip(layer, 0, len(names) - 1))
        prop = prop if prop in self.properties else self.needed
        idx = self._snap(snapshot)
        step = self.log.snapshots[idx].step
        return {
            "probe_layers": self._fig_layers(snapshot, step),
            "selectivity": self._fig_selectivity(snapshot, step),
            "capacity": self._fig_capacity(layer, prop, snapshot, step),
            "pca": self._fig_pca(layer, prop, snapshot, step),
            "info_plane": self._fig_info_plane(idx),
            "info_timeline": self._fig_info_timeline(step),
            "curves": self._fig_curves(step),
        }

    def _fig_layers(self, snapshot, step) -> go.Figure:
        p = self.probes(snapshot)
        fig = go.Figure()
        for i, prop in enumerate(self.properties):
            for kind, dash in (("acc", None), ("control", "dash")):
                name = prop if kind == "acc" else f"{prop} (control)"
                fig.add_trace(
                    go.Scatter(x=self.layer_names, y=p[kind][prop], name=name, mode="lines+markers",
                               line=dict(color=PALETTE[i], dash=dash),
                               hovertemplate=f"{name}<br>layer %{{x}}<br>accuracy %{{y:.3f}}<extra></extra>")
                )  # fmt: skip
        fig.update_xaxes(title="layer")
        fig.update_yaxes(title="held-out probe accuracy (fraction)", range=[0, 1.05])
        sel = p["acc"][self.needed][-1] - p["control"][self.needed][-1]
        title = (
            f"Linear probes (C = {self.config.probe_c:g}) per layer, step {step}: '{self.needed}' at the last layer, selectivity {sel:+.2f}"
        )
        return base_layout(fig, title, height=420, legend=dict(orientation="h", y=-0.25))

    def _fig_selectivity(self, snapshot, step) -> go.Figure:
        p = self.probes(snapshot)
        z = np.array([[a - c for a, c in zip(p["acc"][q], p["control"][q])] for q in self.properties])
        return heatmap(
            z,
            title=f"Selectivity (property − control accuracy), step {step}",
            x_title="layer",
            y_title="property",
            x_labels=self.layer_names,
            y_labels=self.properties,
            colorbar_title="selectivity",
            zmin=-1,
            zmax=1,
            colorscale=DIVERGING,
            annotate=True,
            height=360,
            hover="selectivity",
        )

    def _fig_capacity(self, layer, prop, snapshot, step) -> go.Figure:
        c = self.capacity(layer, prop, snapshot)
        sel = [a - b for a, b in zip(c["acc"], c["control"])]
        return vc.curves(
            c["labels"],
            {f"{prop}": c["acc"], f"{prop} (control task)": c["control"], "selectivity": sel},
            title=f"Probe capacity on {self.layer_names[layer]}, property '{prop}', step {step}",
            x_title="probe (weak → strong)",
            y_title="held-out accuracy / selectivity",
            markers=True,
            dash={f"{prop} (control task)": "dash", "selectivity": "dot"},
            y_range=[-0.3, 1.05],
        )

    def _fig_pca(self, layer, prop, snapshot, step) -> go.Figure:
        from sklearn.decomposition import PCA

        h = self.states(snapshot)[layer]
        y = self.data["labels"][prop]
        rows = np.random.default_rng(0).permutation(len(h))[:800]
        z = PCA(2, random_state=0).fit_transform(h[rows]) if h.shape[1] >= 2 else np.c_[h[rows], np.zeros(len(rows))]
        groups = {f"{prop} = {v}": z[y[rows] == v] for v in np.unique(y[rows])}
        return scatter2d(
            groups,
            title=f"{self.layer_names[layer]}: first two principal components, coloured by '{prop}', step {step}",
            x_title="PC 1",
            y_title="PC 2",
            equal_axes=False,
        )

    def _fig_info_plane(self, idx) -> go.Figure:
        info = self.information()
        fig = go.Figure()
        names = self.layer_names[1:]
        for j, name in enumerate(names):
            fig.add_trace(
                go.Scatter(
                    x=info["ixt"][:, j], y=info["ity"][:, j], mode="lines+markers", name=name,
                    line=dict(color=PALETTE[j % len(PALETTE)], width=1.5),
                    marker=dict(size=9, color=info["step"], coloraxis="coloraxis", line=dict(color=PALETTE[j % len(PALETTE)], width=2)),
                    customdata=info["step"],
                    hovertemplate=f"{name}<br>step %{{customdata}}<br>I(X;T) %{{x:.2f}} bits<br>I(T;Y) %{{y:.2f}} bits<extra></extra>",
                )
            )  # fmt: skip
            fig.add_trace(
                go.Scatter(x=[info["ixt"][idx, j]], y=[info["ity"][idx, j]], mode="markers", showlegend=False,
                           marker=dict(size=20, color="rgba(0,0,0,0)", line=dict(color="#222", width=2)), hoverinfo="skip")
            )  # fmt: skip
        fig.update_xaxes(title="I(X;T) (bits)")
        fig.update_yaxes(title="I(T;Y) (bits)")
        fig.update_layout(coloraxis=dict(colorscale="Viridis", colorbar=dict(title=dict(text="training step"))))
        title = f"Information plane ({self.config.n_bins} bins per unit), step {info['step'][idx]} ringed"
        return base_layout(fig, title, height=460, legend=dict(orientation="h", y=-0.2))

    def _fig_info_timeline(self, marker_step) -> go.Figure:
        info = self.information()
        names = self.layer_names[1:]
        fig = make_subplots(
            rows=1, cols=2, subplot_titles=("I(X;T): information kept about the input", "I(T;Y): information about the label")
        )
        for col, key in ((1, "ixt"), (2, "ity")):
            for j, name in enumerate(names):
                fig.add_trace(
                    go.Scatter(x=info["step"], y=info[key][:, j], name=name, showlegend=col == 1, mode="lines+markers",
                               line=dict(color=PALETTE[j % len(PALETTE)]),
                               hovertemplate=f"{name}<br>step %{{x}}<br>%{{y:.3f}} bits<extra></extra>"), 1, col,
                )  # fmt: skip
            fig.update_xaxes(title="training step", row=1, col=col)
            fig.update_yaxes(title="bits", row=1, col=col)
            fig.add_vline(x=marker_step, line=dict(color="#888", dash="dot"), row=1, col=col)
        return base_layout(
            fig, "Mutual information per layer over training (binning estimator)", height=400, legend=dict(orientation="h", y=-0.25)
        )

    def _fig_curves(self, marker_step) -> go.Figure:
        h = self.log.history
        n = len(h["step"])
        acc_key = "token_acc" if self.config.model == "transformer" else "test_acc"
        acc = h.get(acc_key, np.full(n, np.nan))
        return vc.training_curves(
            h["step"],
            {
                "loss": {"train loss": h.get("loss", np.full(n, np.nan))},
                "accuracy": {acc_key.replace("_", " "): acc if len(acc) == n else np.full(n, np.nan)},
            },
            title="Loss and accuracy of the probed model",
            y_titles={"loss": "cross-entropy (nats)", "accuracy": "accuracy (fraction)"},
            marker_step=marker_step,
        )
