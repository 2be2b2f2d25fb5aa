"""Attention relevance: which input tokens does each output of the Attention lab's transformer use?

result = run(Config(task="reverse"))
result.relevance(example=0)             # per method: (layers+1, T_query, T_key)
result.figures(example=0, query=2, snapshot=5)

Four answers side by side, per layer: the raw attention, attention rollout, gradient x attention and
integrated gradients on the hidden states (captum's LayerIntegratedGradients). The toy tasks have a
known ideal pattern, so every method can be scored against the truth.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import plotly.graph_objects as go
import torch

from nnviz.core.loop import load_arrays
from nnviz.core.params import ConfigError, LabConfig, param
from nnviz.data.sequences import TASKS, ideal_attention
from nnviz.labs import attention
from nnviz.labs.base import FigureInfo, LabResult, View
from nnviz.models import relevance as R
from nnviz.viz import curves as vc
from nnviz.viz.heatmap import heatmap_grid
from nnviz.viz.theme import DIVERGING

NAME = "attention_relevance"
SHORT = {"attention": "attention", "rollout": "rollout", "grad_attention": "grad × attention", "lig": "LIG"}
METHODS = {
    "attention": "attention (this layer)",
    "rollout": "attention rollout",
    "grad_attention": "gradient × attention",
    "lig": "integrated gradients (LIG)",
}


@dataclass(frozen=True)
class Config(LabConfig):
    task: str = param("reverse", choices=TASKS, help="Toy task; each has a known ideal attention pattern", group="Task")
    # 8 tokens of 10 symbols: the Attention lab's defaults
    seq_len: int = param(8, lo=4, hi=12, help="Tokens per sequence", label="Sequence length", group="Task")
    # two blocks: relevance can move between layers, which one block cannot show
    n_layers: int = param(2, lo=1, hi=3, help="Transformer blocks", label="Layers", group="Model")
    n_heads: int = param(2, lo=1, hi=4, help="Attention heads per layer (must divide 32)", label="Heads", group="Model")
    # 3e-3 learns reverse in ~150 steps; 10 is there to show divergence
    lr: float = param(3e-3, lo=1e-4, hi=10.0, log=True, help="Adam learning rate", label="Learning rate", group="Training")
    # 250 steps: >99% token accuracy on reverse with two blocks, about two seconds
    steps: int = param(250, lo=20, hi=3000, step=10, help="Optimiser steps", group="Training")
    # 16 path points: the completeness gap is already ~1e-4 of f(x) - E[f(x')]
    ig_steps: int = param(16, lo=2, hi=128, help="Integrated gradients: points on each path", label="IG steps", group="Relevance")

    def validate(self) -> None:
        if 32 % self.n_heads:
            raise ConfigError("n_heads", f"{self.n_heads} heads do not divide d_model = 32; allowed: 1, 2, 4")


PRESETS = {
    "Reverse, 2 layers (default)": Config(),
    "Sort: relevance needs both layers": Config(task="sort", steps=600),
    "Copy: attention is optional": Config(task="copy"),
    "One layer": Config(n_layers=1),
    "Barely trained": Config(steps=20),
    "Learning rate too large (diverges)": Config(lr=10.0),
}


def attention_config(config: Config) -> attention.Config:
    return attention.Config(
        task=config.task, seq_len=config.seq_len, vocab=10, n_layers=config.n_layers, n_heads=config.n_heads,
        lr=config.lr, steps=config.steps, seed=config.seed,
    )  # fmt: skip


def run(config: Config, progress=None) -> RelevanceResult:
    trained = attention.run(attention_config(config), progress=progress)
    return RelevanceResult(config=config, log=trained.log, device=trained.device, examples=trained.examples, token_acc=trained.token_acc)


@dataclass(frozen=True)
class RelevanceResult(LabResult):
    examples: np.ndarray = None  # (N, T) probe sequences from the attention lab
    token_acc: float = 0.0

    FIGURES: ClassVar[dict[str, FigureInfo]] = {
        "relevance": FigureInfo(
            "Relevance of each input position, layer by layer",
            "For the chosen output position: each method's share of relevance on every input position (columns) after "
            "each layer (rows). Attention methods: row 'embeddings' is before any attention (each position holds only its "
            "own token). LIG: row l attributes to the states after l blocks, so it shows where the evidence sits there.",
        ),
        "matrices": FigureInfo(
            "All output positions at the last layer",
            "Rows are output positions, columns input positions; the last panel is the task's ideal pattern.",
        ),
        "hit_rate": FigureInfo(
            "Does the method find the right token?",
            "Over 8 held-out sequences and every output position: how often each method's most relevant input "
            "position is one the task says is needed (LIG: its attribution to the input embeddings).",
        ),
        "completeness": FigureInfo(
            "Integrated gradients add up",
            "LIG's relevances at each layer sum to f(x) − E_b f(b), the logit minus its average over constant "
            "baseline sequences; rollout and gradient × attention have no such guarantee.",
        ),
        "curves": FigureInfo("Training curves", "Loss and token accuracy of the transformer."),
    }

    def summary(self) -> dict[str, float]:
        return {**super().summary(), "token_acc": self.token_acc}

    def views(self) -> list[View]:
        t = self.config.seq_len
        return [
            View(
                "example",
                "Example sequence",
                tuple(range(len(self.examples))),
                0,
                "Which held-out sequence",
                labels=tuple(" ".join(map(str, e)) for e in self.examples),
            ),
            View("query", "Output position", tuple(range(t)), 0, "The output whose relevance is traced"),
        ]

    @property
    def layer_labels(self) -> list[str]:
        return ["embeddings"] + [f"after block {i}" for i in range(1, self.config.n_layers + 1)]

    def _snap(self, snapshot) -> int:
        n = len(self.log.snapshots)
        return n - 1 if snapshot is None else int(np.clip(snapshot, 0, n - 1))

    def model_at(self, snapshot=None):
        model = attention.build_model(attention_config(self.config))
        load_arrays(model, self.log.snapshots[self._snap(snapshot)].data)
        return model.eval()

    def relevance(self, example: int = 0, snapshot: int | None = None) -> dict:
        """Per method (layers+1, T_query, T_key), row 0 the identity (embeddings); plus predictions and LIG gaps."""
        key = ("relevance", int(example), self._snap(snapshot))
        return self.memo(key, lambda: self._relevance(example, snapshot), limit=64)

    def _relevance(self, example, snapshot) -> dict:
        model = self.model_at(snapshot)
        x = torch.as_tensor(self.examples[int(example)])
        t = len(x)
        with torch.no_grad():
            out = model(x[None])
        classes = out.logits[0].argmax(-1)  # (T,) the predicted token at each position is explained
        eye = np.eye(t)[None]
        raw = np.stack([a[0].mean(0).numpy() for a in out.attentions])  # (L, T, T) heads averaged
        lig, gaps = R.layer_ig(model, x, classes, 10, self.config.ig_steps)
        with torch.no_grad():
            f_x = out.logits[0, torch.arange(t), classes].numpy()
            f_b = np.mean([model(torch.full((1, t), b)).logits[0, torch.arange(t), classes].numpy() for b in range(10)], axis=0)
        return dict(
            attention=np.concatenate([eye, raw]),
            rollout=np.concatenate([eye, R.attention_rollout([a[0] for a in out.attentions])]),
            grad_attention=np.concatenate([eye, R.grad_attention(model, x, classes)]),
            lig=lig,
            gaps=gaps,
            pred=classes.numpy(),
            delta_f=f_x - f_b,
        )

    def hit_rates(self, snapshot: int | None = None) -> dict:
        """Per method, per layer (after block 1..L): fraction of (example, query) whose top position is an ideal one."""

        def compute():
            out = {m: np.zeros(self.config.n_layers + 1) for m in METHODS}
            n = 0
            for e in range(len(self.examples)):
                ideal = ideal_attention(self.config.task, self.examples[e]) > 0  # (T, T)
                rel = self.relevance(e, snapshot)
                for m in METHODS:
                    top = np.abs(rel[m]).argmax(-1)  # (L+1, T)
                    out[m] += ideal[np.arange(ideal.shape[0]), top].sum(-1)
                n += ideal.shape[0]
            return {m: v / n for m, v in out.items()}

        return self.memo(("hits", self._snap(snapshot)), compute)

    # --- figures

    def figures(self, example: int = 0, query: int = 0, snapshot: int | None = None) -> dict[str, go.Figure]:
        example = int(np.clip(example, 0, len(self.examples) - 1))
        query = int(np.clip(query, 0, self.config.seq_len - 1))
        step = self.log.snapshots[self._snap(snapshot)].step
        rel = self.relevance(example, snapshot)
        return {
            "relevance": self._fig_relevance(rel, example, query, step),
            "matrices": self._fig_matrices(rel, example, step),
            "hit_rate": self._fig_hits(snapshot, step),
            "completeness": self._fig_completeness(rel, step),
            "curves": self._fig_curves(step),
        }

    def _keys(self, example) -> list[str]:
        return [f"{j}:{t}" for j, t in enumerate(self.examples[example])]

    def _fig_relevance(self, rel, example, query, step) -> go.Figure:
        mats = []
        for m in METHODS:
            z = rel[m][:, query, :]  # (L+1, T)
            mats.append(z / np.maximum(np.abs(z).sum(-1, keepdims=True), 1e-12))
        pred = rel["pred"][query]
        fig = heatmap_grid(
            [mats],
            title=f"Output position {query} (predicts {pred}), example {example}, step {step}",
            row_titles=["relevance"],
            col_titles=list(METHODS.values()),
            x_title="input position:token",
            y_title="layer",
            x_labels=self._keys(example),
            y_labels=self.layer_labels,
            colorbar_title="share of |relevance|",
            zmin=-1,
            zmax=1,
            colorscale=DIVERGING,
            cell=230,
            hover="share of relevance",
        )
        return fig

    def _fig_matrices(self, rel, example, step) -> go.Figure:
        mats = []
        for m in METHODS:
            z = rel[m][-1]
            mats.append(z / np.maximum(np.abs(z).sum(-1, keepdims=True), 1e-12))
        mats.append(ideal_attention(self.config.task, self.examples[example]))
        fig = heatmap_grid(
            [mats],
            title=f"Last layer, every output position, example {example}, step {step}",
            row_titles=["last layer"],
            col_titles=[*SHORT.values(), "ideal"],
            x_title="input position:token",
            y_title="output position",
            x_labels=self._keys(example),
            colorbar_title="share of |relevance|",
            zmin=-1,
            zmax=1,
            colorscale=DIVERGING,
            cell=210,
            hover="share of relevance",
        )
        return fig

    def _fig_hits(self, snapshot, step) -> go.Figure:
        hits = self.hit_rates(snapshot)
        layers = self.layer_labels[1:]
        series = {METHODS[m]: hits[m][1:] for m in ("attention", "rollout", "grad_attention")}
        # LIG's input relevance is its embeddings row; its later rows say where evidence sits, not which input
        series["LIG on the embeddings (input relevance)"] = np.full(len(layers), hits["lig"][0])
        return vc.curves(
            layers,
            series,
            title=f"Top-relevance input is a needed one, over {len(self.examples)} sequences, step {step}",
            x_title="layer",
            y_title="hit rate (fraction)",
            markers=True,
            dash={"LIG on the embeddings (input relevance)": "dash"},
            y_range=[0, 1.05],
        )

    def _fig_completeness(self, rel, step) -> go.Figure:
        t = self.config.seq_len
        series = {"f(x) − E_b f(b)": rel["delta_f"]}
        for layer, label in enumerate(self.layer_labels):
            series[f"Σ LIG, {label}"] = rel["lig"][layer].sum(-1)
        return vc.bars(
            [str(q) for q in range(t)],
            series,
            title=f"LIG completeness: largest gap {float(np.max(rel['gaps'])):.1e} (logit units), step {step}",
            x_title="output position",
            y_title="logit difference",
            text_fmt=".2f",
        )

    def _fig_curves(self, marker_step) -> go.Figure:
        h = self.log.history
        get = self.log.series
        return vc.training_curves(
            h["step"],
            {"loss": {"train loss": get("loss")}, "accuracy": {"token accuracy": get("token_acc"), "sequence accuracy": get("seq_acc")}},
            title="Loss and accuracy of the transformer",
            y_titles={"loss": "cross-entropy (nats)", "accuracy": "accuracy (fraction)"},
            marker_step=marker_step,
        )
