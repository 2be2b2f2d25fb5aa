"""Attention lab: a tiny transformer learns a toy sequence task; its attention is laid bare.

result = run(Config(task="reverse"))
result.summary()        # token accuracy, attention on the ideal pattern, ...
result.figures(layer=0, head=1, example=3, query=2, snapshot=5)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import plotly.graph_objects as go
import torch
from plotly.subplots import make_subplots

from nnviz.core.device import get_device
from nnviz.core.loop import fit, load_arrays, state_arrays
from nnviz.core.params import ConfigError, LabConfig, param
from nnviz.core.seed import generator, seeded
from nnviz.data.sequences import TASKS, ideal_attention, make_batch
from nnviz.labs.base import FigureInfo, LabResult, View
from nnviz.models.attention import VARIANTS, TinyTransformer, cross_entropy, entropy, n_params, variant_mask
from nnviz.viz import curves as vc
from nnviz.viz.heatmap import heatmap, heatmap_grid
from nnviz.viz.theme import PALETTE, base_layout

NAME = "attention"
N_EXAMPLES = 8  # fixed probe sequences drawn in the figures
N_EVAL = 512  # held-out sequences for accuracy

VARIANT_LABELS = {
    "scaled": "scaled dot-product",
    "dot": "multiplicative (unscaled)",
    "additive": "additive (Bahdanau)",
    "local": "local window",
    "sparse": "sparse (fixed pattern)",
    "relative": "relative position bias",
}


@dataclass(frozen=True)
class Config(LabConfig):
    # reverse: the ideal pattern (anti-diagonal) is unmistakable and needs attention to solve
    task: str = param("reverse", choices=TASKS, help="Toy task; each has a known ideal attention pattern", group="Task")
    # 8 tokens: big enough to see a pattern, small enough for readable axis labels
    seq_len: int = param(8, lo=4, hi=16, help="Tokens per sequence", label="Sequence length", group="Task")
    # 10 symbols: the digits 0-9, few enough to train in a second
    vocab: int = param(10, lo=4, hi=32, help="Distinct tokens", label="Vocabulary size", group="Task")
    variant: str = param("scaled", choices=VARIANTS, help="How query-key scores are computed", label="Attention variant", group="Model")
    # one layer already solves copy / reverse / shift; sort needs two
    n_layers: int = param(1, lo=1, hi=3, help="Transformer blocks", label="Layers", group="Model")
    # two heads show that heads can split the work or duplicate it
    n_heads: int = param(2, lo=1, hi=8, help="Attention heads per layer (must divide d_model)", label="Heads", group="Model")
    d_model: int = param(32, lo=16, hi=128, step=16, help="Width of the token vectors (d_k = d_model / heads)", group="Model")
    window: int = param(2, lo=1, hi=8, help="Local variant: keys within this many positions", label="Local window", group="Model")
    stride: int = param(3, lo=2, hi=8, help="Sparse variant: block length of the fixed pattern", label="Sparse stride", group="Model")
    # 3e-3 with Adam learns reverse in ~150 steps; 10 is there to show divergence
    lr: float = param(3e-3, lo=1e-4, hi=10.0, log=True, help="Adam learning rate", label="Learning rate", group="Training")
    # 300 steps of 64: about 1.5 s on two CPU cores, enough for >99% on reverse
    steps: int = param(300, lo=20, hi=3000, step=10, help="Optimiser steps", group="Training")
    batch_size: int = param(64, lo=8, hi=512, step=8, help="Sequences per step", label="Batch size", group="Training")

    def validate(self) -> None:
        if self.d_model % self.n_heads:
            ok = [h for h in range(1, 9) if self.d_model % h == 0]
            raise ConfigError("n_heads", f"{self.n_heads} heads do not divide d_model={self.d_model}; allowed: {ok}")


PRESETS = {
    "Reverse, 1 layer (default)": Config(),
    "Copy: attention is optional": Config(task="copy"),
    "Sort needs two layers": Config(task="sort", n_layers=2, steps=600),
    "Shift with relative bias": Config(task="shift", variant="relative"),
    "Local window too small for reverse": Config(variant="local", window=1),
    "Learning rate too large (diverges)": Config(lr=10.0),
}


def build_model(config: Config) -> TinyTransformer:
    return TinyTransformer(
        config.vocab,
        config.seq_len,
        d_model=config.d_model,
        n_heads=config.n_heads,
        n_layers=config.n_layers,
        variant=config.variant,
        window=config.window,
        stride=config.stride,
    )


def ideal_mass(attentions: list[torch.Tensor], ideal: torch.Tensor) -> np.ndarray:
    """(layers, heads): mean attention weight that lands on the ideal positions."""
    return np.array([(w * ideal.unsqueeze(1)).sum(-1).mean(dim=(0, 2)).cpu().numpy() for w in attentions])


# ----------------------------------------------------------------------------- training


def run(config: Config, progress=None) -> AttentionResult:
    device = get_device()
    with seeded(config.seed):
        data_gen = generator(config.seed + 1)
        model = build_model(config).to(device)
        x_eval, y_eval = make_batch(config.task, n=N_EVAL, length=config.seq_len, vocab=config.vocab, generator=data_gen, device=device)
        ideal_eval = torch.tensor(
            np.stack([ideal_attention(config.task, x) for x in x_eval.cpu().numpy()]), dtype=torch.float32, device=device
        )
        examples = x_eval[:N_EXAMPLES].cpu().numpy()

        def batch_fn(step):
            return make_batch(
                config.task, n=config.batch_size, length=config.seq_len, vocab=config.vocab, generator=data_gen, device=device
            )

        def loss_fn(model, batch):
            x, y = batch
            out = model(x)
            return cross_entropy(out.logits, y), {}

        def eval_fn(model):
            out = model(x_eval)
            correct = out.logits.argmax(-1) == y_eval
            return {
                "token_acc": correct.float().mean(),
                "seq_acc": correct.all(-1).float().mean(),
                "ideal_mass": float(ideal_mass(out.attentions, ideal_eval).max()),
            }

        log = fit(
            model,
            torch.optim.Adam(model.parameters(), lr=config.lr),
            steps=config.steps,
            batch_fn=batch_fn,
            loss_fn=loss_fn,
            eval_fn=eval_fn,
            snapshot_fn=lambda model, step: state_arrays(model),
            snapshot_every=max(1, config.steps // 12),
            log_every=max(5, config.steps // 40),
            progress=progress,
            max_loss=10 * math.log(config.vocab),  # 10x chance level: the run has blown up
        )
        model.eval()
        with torch.no_grad():
            out = model(x_eval)
            mass = ideal_mass(out.attentions, ideal_eval)
            correct = out.logits.argmax(-1) == y_eval
    return AttentionResult(
        config=config,
        log=log,
        device=str(device),
        examples=examples,
        params=n_params(model),
        token_acc=float(correct.float().mean()),
        seq_acc=float(correct.all(-1).float().mean()),
        mass=mass,
    )


# ----------------------------------------------------------------------------- result


@dataclass(frozen=True)
class AttentionResult(LabResult):
    examples: np.ndarray = None  # (N_EXAMPLES, T) probe inputs
    params: int = 0
    token_acc: float = 0.0
    seq_acc: float = 0.0
    mass: np.ndarray = None  # (layers, heads) attention on the ideal pattern, final model

    FIGURES: ClassVar[dict[str, FigureInfo]] = {
        "heads": FigureInfo(
            "Attention per head",
            "Each row is a query position (the output being produced), each column a key position it can read. "
            "Bright cells are where the softmax puts its weight; the last panel is the task's ideal pattern.",
        ),
        "step": FigureInfo(
            "One query, step by step",
            "For the chosen query position: its query vector q, every key k_j, the scores q·k_j before and after "
            "the 1/√d_k scaling, the softmax weights, and the output Σ_j w_j v_j.",
        ),
        "curves": FigureInfo(
            "Training curves",
            "Cross-entropy loss per step; token and whole-sequence accuracy on 512 held-out sequences; the share of "
            "attention that the best head puts on the ideal pattern.",
        ),
        "formation": FigureInfo(
            "Attention forming over training",
            "The chosen head on the chosen example at evenly spaced training steps: the pattern sharpens as the loss falls.",
        ),
        "overview": FigureInfo("All layers × heads", "Every head of every layer on the chosen example, one shared colour scale."),
        "mask": FigureInfo(
            "The variant's mask",
            "Which keys each query may read (1) and which are masked out (0) before the softmax. Masked scores are set "
            "to −∞, so their weight is exactly zero.",
        ),
        "scaling": FigureInfo(
            "Why divide by √d_k",
            "Random unit-variance queries and keys: without scaling the dot products grow like √d_k, the softmax "
            "saturates (entropy falls to 0, the largest weight to 1) and gradients vanish. With 1/√d_k it stays spread.",
        ),
        "relative_bias": FigureInfo(
            "Learned relative position bias",
            "The number each head adds to a score for a key at distance j − i from the query (relative variant only).",
        ),
    }

    # --- summary and views

    def summary(self) -> dict[str, float]:
        return {
            **super().summary(),
            "token_acc": self.token_acc,
            "seq_acc": self.seq_acc,
            "ideal_mass": float(np.max(self.mass)),
            "params": float(self.params),
        }

    def views(self) -> list[View]:
        c = self.config
        return [
            View(
                "example",
                "Example sequence",
                tuple(range(N_EXAMPLES)),
                0,
                "Which held-out sequence to draw",
                labels=tuple(" ".join(map(str, e)) for e in self.examples),
            ),
            View("layer", "Layer", tuple(range(c.n_layers)), c.n_layers - 1, "Which transformer block"),
            View("head", "Head", tuple(range(c.n_heads)), 0, "Which attention head"),
            View("query", "Query position", tuple(range(c.seq_len)), 0, "The output position traced in the step-by-step view"),
        ]

    # --- internals from saved weights (no retraining)

    def _model_at(self, snapshot: int | None) -> TinyTransformer:
        snaps = self.log.snapshots
        index = len(snaps) - 1 if snapshot is None else int(np.clip(snapshot, 0, len(snaps) - 1))
        model = build_model(self.config)
        load_arrays(model, snaps[index].data)
        return model.eval()

    def internals(self, snapshot: int | None = None) -> dict:
        """Attention weights and Q/K/V of every layer on the probe examples, at a snapshot (default: last)."""
        key = ("internals", len(self.log.snapshots) - 1 if snapshot is None else int(snapshot))
        return self.memo(key, lambda: self._compute_internals(snapshot))

    def _compute_internals(self, snapshot: int | None) -> dict:
        model = self._model_at(snapshot)
        with torch.no_grad():
            out = model(torch.as_tensor(self.examples), return_internals=True)
        return {
            "attn": np.stack([w.numpy() for w in out.attentions]),  # (L, N, H, T, T)
            "pred": out.logits.argmax(-1).numpy(),  # (N, T)
            "layers": [{k: v.numpy() for k, v in d.items()} for d in out.internals],
            "rel_bias": [blk.attn.rel_bias.detach().numpy().copy() for blk in model.blocks] if self.config.variant == "relative" else None,
        }

    # --- figures

    def figures(
        self, example: int = 0, layer: int | None = None, head: int = 0, query: int = 0, snapshot: int | None = None
    ) -> dict[str, go.Figure]:
        c = self.config
        layer = c.n_layers - 1 if layer is None else int(np.clip(layer, 0, c.n_layers - 1))
        head = int(np.clip(head, 0, c.n_heads - 1))
        example = int(np.clip(example, 0, N_EXAMPLES - 1))
        query = int(np.clip(query, 0, c.seq_len - 1))
        inner = self.internals(snapshot)
        step = self.log.snapshots[-1 if snapshot is None else int(np.clip(snapshot, 0, len(self.log.snapshots) - 1))].step
        figs = {
            "heads": self._fig_heads(inner, example, layer, step),
            "step": self._fig_step(inner, example, layer, head, query, step),
            "curves": self._fig_curves(step),
            "formation": self._fig_formation(example, layer, head),
            "overview": self._fig_overview(inner, example, step),
            "mask": self._fig_mask(),
            "scaling": scaling_figure(c.seq_len),
        }
        if c.variant == "relative":
            figs["relative_bias"] = self._fig_relative(inner, layer, step)
        return figs

    def _tokens(self, example: int) -> tuple[list[str], list[str]]:
        x = self.examples[example]
        keys = [f"{j}:{t}" for j, t in enumerate(x)]
        target = _targets(self.config.task, x)
        queries = [f"{i}→{t}" for i, t in enumerate(target)]
        return keys, queries

    def _fig_heads(self, inner, example, layer, step) -> go.Figure:
        keys, queries = self._tokens(example)
        mats = [inner["attn"][layer, example, h] for h in range(self.config.n_heads)]
        mats.append(ideal_attention(self.config.task, self.examples[example]))
        cols = [f"head {h}" for h in range(self.config.n_heads)] + ["ideal"]
        return heatmap_grid(
            [mats],
            title=f"Layer {layer} attention, example {example}, step {step}",
            row_titles=[f"layer {layer}"],
            col_titles=cols,
            x_title="key (position:token)",
            y_title="query (position→target)",
            x_labels=keys,
            y_labels=queries,
            colorbar_title="weight",
            cell=260,
            hover="attention weight",
        )

    def _fig_overview(self, inner, example, step) -> go.Figure:
        keys, queries = self._tokens(example)
        c = self.config
        mats = [[inner["attn"][layer, example, h] for h in range(c.n_heads)] for layer in range(c.n_layers)]
        return heatmap_grid(
            mats,
            title=f"Layers × heads, example {example}, step {step}",
            row_titles=[f"layer {i}" for i in range(c.n_layers)],
            col_titles=[f"head {h}" for h in range(c.n_heads)],
            x_title="key",
            y_title="query",
            x_labels=keys,
            y_labels=queries,
            colorbar_title="weight",
            cell=200,
            hover="attention weight",
        )

    def _fig_step(self, inner, example, layer, head, query, step) -> go.Figure:
        d = inner["layers"][layer]
        q = d["q"][example, head, query]  # (d_head,)
        k = d["k"][example, head]  # (T, d_head)
        v = d["v"][example, head]  # (T, d_head)
        raw = d["raw"][example, head, query]  # (T,)
        scores = d["scores"][example, head, query]
        allowed = d["mask"][query]
        w = d["weights"][example, head, query]
        z = d["context"][example, head, query]
        keys, queries = self._tokens(example)
        dk = q.shape[0]
        variant = self.config.variant
        score_title = {"additive": "additive score vᵀtanh(W_q q + W_k k)", "dot": "q·k (no scaling)"}.get(variant, f"q·k and q·k/√{dk}")
        fig = make_subplots(
            rows=2,
            cols=3,
            column_widths=[0.34, 0.33, 0.33],
            vertical_spacing=0.2,
            horizontal_spacing=0.09,
            subplot_titles=(f"query q (position {query})", "keys K", score_title, "softmax weights w", "values V", "output Σ w_j v_j"),
        )
        dims = [f"d{i}" for i in range(dk)]
        lim = float(max(np.abs(k).max(), np.abs(v).max(), np.abs(q).max(), 1e-6))
        hm = dict(colorscale="RdBu_r", zmin=-lim, zmax=lim, coloraxis=None, showscale=False)
        fig.add_trace(go.Heatmap(z=q[None], x=dims, y=["q"], hovertemplate="q[%{x}] = %{z:.3f}<extra></extra>", **hm), 1, 1)
        fig.add_trace(go.Heatmap(z=k, x=dims, y=keys, hovertemplate="key %{y}, %{x}: %{z:.3f}<extra></extra>", **hm), 1, 2)
        fig.add_trace(go.Heatmap(z=v, x=dims, y=keys, hovertemplate="value %{y}, %{x}: %{z:.3f}<extra></extra>", **hm), 2, 2)
        fig.add_trace(
            go.Heatmap(
                z=z[None],
                x=dims,
                y=["z"],
                hovertemplate="z[%{x}] = %{z:.3f}<extra></extra>",
                colorbar=dict(title="value", len=0.9),
                **{**hm, "showscale": True},
            ),
            2,
            3,
        )
        masked = np.where(allowed, "", "masked")
        if variant in ("dot", "additive"):
            fig.add_trace(
                go.Bar(
                    x=keys,
                    y=raw,
                    name="score",
                    marker_color=PALETTE[0],
                    hovertext=masked,
                    hovertemplate="key %{x}: %{y:.3f} %{hovertext}<extra></extra>",
                ),
                1,
                3,
            )
        else:
            fig.add_trace(
                go.Bar(x=keys, y=raw, name="q·k", marker_color=PALETTE[1], hovertemplate="key %{x}: q·k = %{y:.3f}<extra></extra>"), 1, 3
            )
            label = "q·k/√d_k + bias" if variant == "relative" else "q·k/√d_k"
            fig.add_trace(
                go.Bar(
                    x=keys,
                    y=scores,
                    name=label,
                    marker_color=PALETTE[0],
                    hovertext=masked,
                    hovertemplate=f"key %{{x}}: {label} = %{{y:.3f}} %{{hovertext}}<extra></extra>",
                ),
                1,
                3,
            )
        fig.add_trace(
            go.Bar(
                x=keys,
                y=w,
                name="softmax weight",
                marker_color=PALETTE[2],
                showlegend=True,
                hovertemplate="key %{x}: w = %{y:.3f}<extra></extra>",
            ),
            2,
            1,
        )
        fig.update_yaxes(autorange="reversed", row=1, col=2)
        fig.update_yaxes(autorange="reversed", row=2, col=2)
        fig.update_yaxes(title="score", row=1, col=3)
        fig.update_yaxes(title="weight", range=[0, 1.05], row=2, col=1)
        fig.update_xaxes(title="key (position:token)", row=2, col=1)
        fig.update_xaxes(title="key (position:token)", row=1, col=3)
        fig.update_xaxes(title="dimension of d_k", row=2, col=2)
        title = f"Layer {layer}, head {head}, query {queries[query]}, step {step}: attention weight max {w.max():.2f} on key {keys[int(w.argmax())]}"
        return base_layout(fig, title, height=640, barmode="group", legend=dict(orientation="h", y=-0.12))

    def _fig_curves(self, marker_step) -> go.Figure:
        h, get = self.log.history, self.log.series
        panels = {
            "loss": {"train loss": get("loss")},
            "accuracy": {"token accuracy": get("token_acc"), "sequence accuracy": get("seq_acc")},
            "attention on ideal": {"best head": get("ideal_mass")},
        }
        return vc.training_curves(
            h["step"],
            panels,
            title="Loss, accuracy and attention on the ideal pattern",
            y_titles={"loss": "cross-entropy (nats)", "accuracy": "accuracy (fraction)", "attention on ideal": "weight on ideal keys"},
            marker_step=marker_step,
        )

    def _fig_formation(self, example, layer, head) -> go.Figure:
        snaps = self.log.snapshots
        picks = sorted(set(np.linspace(0, len(snaps) - 1, num=min(6, len(snaps))).round().astype(int)))
        keys, queries = self._tokens(example)
        mats = [self.internals(i)["attn"][layer, example, head] for i in picks]
        return heatmap_grid(
            [mats],
            title=f"Layer {layer}, head {head} over training",
            row_titles=["attention"],
            col_titles=[f"step {snaps[i].step}" for i in picks],
            x_title="key",
            y_title="query",
            x_labels=keys,
            y_labels=queries,
            colorbar_title="weight",
            cell=230,
            hover="attention weight",
        )

    def _fig_mask(self) -> go.Figure:
        c = self.config
        m = variant_mask(c.variant, c.seq_len, window=c.window, stride=c.stride).numpy().astype(float)
        return heatmap(
            m,
            title=f"Mask of the {VARIANT_LABELS[c.variant]} variant ({int(m.sum())} of {m.size} pairs allowed)",
            x_title="key position j",
            y_title="query position i",
            colorbar_title="allowed",
            zmin=0,
            zmax=1,
            height=400,
            hover="allowed",
        )

    def _fig_relative(self, inner, layer, step) -> go.Figure:
        bias = inner["rel_bias"][layer]  # (H, 2*max_len-1)
        t = self.config.seq_len
        dist = np.arange(-(t - 1), t)
        series = {f"head {h}": bias[h] for h in range(bias.shape[0])}
        return vc.curves(
            dist,
            series,
            title=f"Layer {layer}: learned bias per distance, step {step}",
            x_title="distance j − i (key minus query position)",
            y_title="bias added to score",
            markers=True,
        )


def _targets(task: str, x: np.ndarray) -> np.ndarray:
    from nnviz.data.sequences import targets

    return targets(task, torch.as_tensor(x)[None])[0].numpy()


# ----------------------------------------------------------------------------- the scaling demo


_SCALING: dict[int, go.Figure] = {}


def scaling_stats(seq_len: int, dims=(2, 4, 8, 16, 32, 64, 128, 256, 512), samples: int = 2000) -> dict[str, np.ndarray]:
    """Mean softmax entropy and largest weight for random N(0,1) queries/keys, with and without 1/√d_k."""
    g = torch.Generator().manual_seed(0)
    out = {k: [] for k in ("entropy_scaled", "entropy_unscaled", "max_scaled", "max_unscaled")}
    for d in dims:
        q = torch.randn(samples, 1, d, generator=g)
        k = torch.randn(samples, seq_len, d, generator=g)
        raw = (q @ k.transpose(1, 2)).squeeze(1)  # (samples, T)
        for tag, s in (("scaled", raw / math.sqrt(d)), ("unscaled", raw)):
            w = torch.softmax(s, -1)
            out[f"entropy_{tag}"].append(entropy(w).mean().item())
            out[f"max_{tag}"].append(w.max(-1).values.mean().item())
    return {"d_k": np.array(dims), **{k: np.array(v) for k, v in out.items()}}


def scaling_figure(seq_len: int) -> go.Figure:
    if seq_len not in _SCALING:
        s = scaling_stats(seq_len)
        fig = make_subplots(rows=1, cols=2, subplot_titles=("softmax entropy", "largest weight"), horizontal_spacing=0.12)
        for col, key in ((1, "entropy"), (2, "max")):
            for i, tag in enumerate(("scaled", "unscaled")):
                name = "with 1/√d_k" if tag == "scaled" else "without scaling"
                fig.add_trace(
                    go.Scatter(
                        x=s["d_k"],
                        y=s[f"{key}_{tag}"],
                        name=name,
                        mode="lines+markers",
                        showlegend=col == 1,
                        line=dict(color=PALETTE[i], dash=None if tag == "scaled" else "dash"),
                        hovertemplate=f"{name}<br>d_k = %{{x}}<br>%{{y:.3f}}<extra></extra>",
                    ),
                    1,
                    col,
                )
            fig.update_xaxes(title="d_k (key dimension)", type="log", row=1, col=col)
        fig.add_hline(y=math.log(seq_len), line=dict(color="#888", dash="dot"), annotation_text="uniform: ln T", row=1, col=1)
        fig.update_yaxes(title="entropy (nats)", row=1, col=1)
        fig.update_yaxes(title="max weight", range=[0, 1.05], row=1, col=2)
        _SCALING[seq_len] = base_layout(
            fig, f"Softmax over {seq_len} random keys as d_k grows", height=380, legend=dict(orientation="h", y=-0.25)
        )
    return go.Figure(_SCALING[seq_len])


# ----------------------------------------------------------------------------- comparing variants


def variant_configs(config: Config) -> list[Config]:
    return [config.replace(variant=v) for v in VARIANTS]


def variant_table(results: list[AttentionResult]) -> list[dict]:
    """One row per variant: accuracy, attention on the ideal pattern, parameters, time."""
    rows = []
    for r in results:
        steps = max(1, r.log.steps_done)
        rows.append(
            {
                "variant": VARIANT_LABELS[r.config.variant],
                "token accuracy": round(r.token_acc, 4),
                "sequence accuracy": round(r.seq_acc, 4),
                "attention on ideal": round(float(np.max(r.mass)), 3),
                "parameters": r.params,
                "train time (s)": round(r.log.seconds, 2),
                "time per step (ms)": round(1000 * r.log.seconds / steps, 2),
                "diverged": r.diverged,
            }
        )
    return rows


def variant_figures(results: list[AttentionResult], example: int = 0) -> dict[str, go.Figure]:
    c = results[0].config
    names = [VARIANT_LABELS[r.config.variant] for r in results]
    acc = vc.bars(
        names,
        {"token accuracy": [r.token_acc for r in results], "attention on ideal": [float(np.max(r.mass)) for r in results]},
        title=f"Variants on '{c.task}' after {c.steps} steps",
        x_title="variant",
        y_title="fraction",
        y_range=[0, 1.1],
    )
    masks = [variant_mask(r.config.variant, c.seq_len, window=c.window, stride=c.stride).numpy().astype(float) for r in results]
    mask_fig = heatmap_grid(
        [masks],
        title="Masks of the six variants",
        row_titles=["mask"],
        col_titles=names,
        x_title="key",
        y_title="query",
        colorbar_title="allowed",
        cell=220,
        hover="allowed",
    )
    attn = [r.internals()["attn"][-1, example].mean(0) for r in results]
    attn_fig = heatmap_grid(
        [attn],
        title=f"Last layer attention (mean over heads), example {example}",
        row_titles=["attention"],
        col_titles=names,
        x_title="key",
        y_title="query",
        colorbar_title="weight",
        cell=220,
        hover="attention weight",
    )
    return {"variant_scores": acc, "variant_masks": mask_fig, "variant_attention": attn_fig}
