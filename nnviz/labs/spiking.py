"""Spiking lab: a leaky integrate-and-fire neuron, and a spiking classifier on rate-coded digits.

result = run(Config())
result.summary()        # accuracy, sparsity, synaptic operations vs MACs, energy estimate
result.figures(example=3, snapshot=5)
lif_figure(beta=0.9, threshold=1.0, current=0.15)   # the single neuron, no training
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
from nnviz.core.params import LabConfig, param
from nnviz.core.seed import generator, seeded
from nnviz.data.images import digits
from nnviz.labs.base import FigureInfo, LabResult, View
from nnviz.models.spiking import SpikingMLP, ann_macs, lif_period, lif_trace, rate_code, synops
from nnviz.viz import curves as vc
from nnviz.viz.heatmap import heatmap
from nnviz.viz.theme import PALETTE, base_layout

NAME = "spiking"
N_EXAMPLES = 8
E_AC_PJ = 0.9  # energy of one 32-bit float accumulate, 45 nm (Horowitz, ISSCC 2014)
E_MAC_PJ = 4.6  # energy of one 32-bit float multiply-accumulate, same source
LIF_STEPS = 100


@dataclass(frozen=True)
class Config(LabConfig):
    # 20 time steps: enough spikes to rank ten classes, short enough to train in a second or two
    time_steps: int = param(20, lo=4, hi=60, help="Simulation steps per image (rate-code length)", label="Time steps T", group="Coding")
    # 64 hidden LIF neurons, as many as input pixels
    hidden: int = param(64, lo=16, hi=256, step=16, help="Hidden LIF neurons", label="Hidden neurons", group="Model")
    # β = 0.9: the membrane forgets with a time constant of about 10 steps
    beta: float = param(0.9, lo=0.3, hi=0.99, step=0.01, help="Membrane decay β per step (leak)", label="Decay β", group="Neuron")
    # θ = 1 with default initialisation gives a moderate firing rate from the start
    threshold: float = param(1.0, lo=0.25, hi=4.0, step=0.05, help="Firing threshold θ", label="Threshold θ", group="Neuron")
    # slope 25: snntorch's default fast-sigmoid; small = smooth but biased, large = sharp but vanishing
    slope: float = param(
        25.0,
        lo=0.5,
        hi=200.0,
        log=True,
        help="Steepness k of the surrogate derivative 1/(k|U-θ|+1)²",
        label="Surrogate slope",
        group="Neuron",
    )
    lr: float = param(5e-3, lo=1e-4, hi=1.0, log=True, help="Adam learning rate", label="Learning rate", group="Training")
    # 100 steps of 64 images: ~95% test accuracy in about two seconds
    steps: int = param(100, lo=20, hi=2000, step=10, help="Optimiser steps", group="Training")
    batch_size: int = param(64, lo=8, hi=256, step=8, help="Images per step", label="Batch size", group="Training")


PRESETS = {
    "Rate-coded digits (default)": Config(),
    "Few time steps (T = 5)": Config(time_steps=5),
    "High threshold θ = 3": Config(threshold=3.0),
    "Flat surrogate (slope 0.5)": Config(slope=0.5),
    "Leaky neurons (β = 0.5)": Config(beta=0.5),
}


def build_model(config: Config) -> SpikingMLP:
    return SpikingMLP(64, config.hidden, 10, beta=config.beta, threshold=config.threshold, slope=config.slope)


# ----------------------------------------------------------------------------- the single neuron


def lif_figure(beta: float = 0.9, threshold: float = 1.0, current: float = 0.15, reset: str = "zero", steps: int = LIF_STEPS) -> go.Figure:
    """Membrane potential and spikes of one LIF neuron under a constant input current."""
    mem, spk = lif_trace(np.full(steps, current), beta, threshold, reset)
    t = np.arange(1, steps + 1)
    n = int(spk.sum())
    period = lif_period(current, beta, threshold)
    predicted = 0 if math.isinf(period) else steps // period
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, row_heights=[0.75, 0.25], vertical_spacing=0.06)
    fig.add_trace(go.Scatter(x=t, y=mem.numpy(), name="membrane U[t]", line=dict(color=PALETTE[0]),
                             hovertemplate="step %{x}<br>U = %{y:.3f}<extra></extra>"), 1, 1)  # fmt: skip
    fig.add_trace(go.Scatter(x=[1, steps], y=[threshold] * 2, name="threshold θ", mode="lines", line=dict(color=PALETTE[3], dash="dash"),
                             hovertemplate="θ = %{y:.3f}<extra></extra>"), 1, 1)  # fmt: skip
    fig.add_trace(go.Scatter(x=[1, steps], y=[current / (1 - beta)] * 2, name="resting level I/(1−β)", mode="lines",
                             line=dict(color=PALETTE[5], dash="dot"), hovertemplate="I/(1−β) = %{y:.3f}<extra></extra>"), 1, 1)  # fmt: skip
    st = t[spk.numpy() > 0]
    fig.add_trace(go.Scatter(x=st, y=np.ones(len(st)), mode="markers", name="spike", marker=dict(symbol="line-ns-open", size=18, color=PALETTE[7], line=dict(width=2)),
                             hovertemplate="spike at step %{x}<extra></extra>"), 2, 1)  # fmt: skip
    fig.update_yaxes(title="membrane potential (a.u.)", row=1, col=1)
    fig.update_yaxes(title="spikes", showticklabels=False, range=[0.5, 1.5], row=2, col=1)
    fig.update_xaxes(title="time step", row=2, col=1)
    rate = "never fires" if math.isinf(period) else f"fires every {period} steps"
    title = f"LIF neuron, I = {current:g}, β = {beta:g}, θ = {threshold:g}: {n} spikes in {steps} steps ({rate}; predicted {predicted})"
    return base_layout(fig, title, height=420, legend=dict(orientation="h", y=-0.2))


# ----------------------------------------------------------------------------- training


def run(config: Config, progress=None) -> SpikingResult:
    device = get_device()
    with seeded(config.seed):
        gen = generator(config.seed + 1)
        x_tr, y_tr, x_te, y_te = digits(seed=config.seed)
        xt, yt = torch.as_tensor(x_tr), torch.as_tensor(y_tr, device=device)
        xe, ye = torch.as_tensor(x_te), torch.as_tensor(y_te, device=device)
        spikes_test = rate_code(xe, config.time_steps, generator(config.seed + 2)).to(device)  # a fixed code for evaluation
        model = build_model(config).to(device)

        def batch_fn(step):
            idx = torch.randint(0, len(xt), (config.batch_size,), generator=gen)
            return rate_code(xt[idx], config.time_steps, gen).to(device), yt[idx.to(device)]

        def loss_fn(m, batch):
            x, y = batch
            counts = m(x)
            return torch.nn.functional.cross_entropy(counts, y), {"train_acc": (counts.argmax(-1) == y).float().mean()}

        def eval_fn(m):
            counts, inner = m(spikes_test, return_internals=True)
            return {"test_acc": (counts.argmax(-1) == ye).float().mean(), "hidden_rate": inner["hidden_spikes"].mean()}

        log = fit(
            model,
            torch.optim.Adam(model.parameters(), lr=config.lr),
            steps=config.steps,
            batch_fn=batch_fn,
            loss_fn=loss_fn,
            eval_fn=eval_fn,
            snapshot_fn=lambda m, step: state_arrays(m),
            snapshot_every=max(1, config.steps // 10),
            log_every=max(2, config.steps // 40),
            progress=progress,
            max_loss=10 * math.log(10),
        )
    return SpikingResult(
        config=config,
        log=log,
        device=str(device),
        x_test=x_te,
        y_test=y_te,
        spikes_test=spikes_test.cpu().numpy().astype(np.uint8),
    )


# ----------------------------------------------------------------------------- result


@dataclass(frozen=True)
class SpikingResult(LabResult):
    x_test: np.ndarray = None  # (N, 8, 8)
    y_test: np.ndarray = None
    spikes_test: np.ndarray = None  # (T, N, 64) the fixed rate code of the test images

    FIGURES: ClassVar[dict[str, FigureInfo]] = {
        "lif": FigureInfo(
            "One LIF neuron",
            "The network's neuron (its β and θ) under a constant current: the membrane charges towards I/(1−β), fires when it "
            "reaches θ and resets. The title compares the spike count with the analytic period ⌈ln(1 − θ(1−β)/I)/ln β⌉.",
        ),
        "raster": FigureInfo(
            "Spike raster",
            "Every spike of one test image's run: the 64 input pixels (rate code: brighter pixels spike more often), the hidden "
            "neurons, and the 10 output neurons; the output neuron with most spikes is the prediction.",
        ),
        "membrane": FigureInfo(
            "Output membrane potentials",
            "The ten output neurons' membranes over time for the chosen image; each crossing of the threshold is a spike, then the "
            "threshold is subtracted.",
        ),
        "counts": FigureInfo(
            "Spike counts per class",
            "Mean number of spikes of each output neuron (columns) for the test images of each true class (rows): a bright diagonal "
            "means the right neuron fires most.",
        ),
        "sparsity": FigureInfo(
            "Sparsity",
            "How often neurons fire: the share of neuron-steps with a spike, per layer, and the distribution of hidden neurons' "
            "firing rates (many silent neurons = sparse, cheap computation).",
        ),
        "energy": FigureInfo(
            "Energy estimate: synaptic operations vs MACs",
            "A spike costs one accumulate per outgoing synapse (SynOp); the same network as an ANN costs one multiply-accumulate per "
            "weight per image. Energies use 0.9 pJ per accumulate and 4.6 pJ per MAC (32-bit float, 45 nm; Horowitz 2014), "
            "a rough, hardware-dependent estimate.",
        ),
        "curves": FigureInfo("Training curves", "Cross-entropy on the spike counts, accuracy, and the hidden layer's firing rate."),
    }

    def summary(self) -> dict[str, float]:
        e = self.energy()
        return {
            **super().summary(),
            "test_acc": self.log.last("test_acc"),
            "hidden_rate": self.log.last("hidden_rate"),
            "synops": e["synops"],
            "macs": float(e["macs"]),
            "energy_ratio": e["snn_pj"] / e["ann_pj"],
        }

    def views(self) -> list[View]:
        labels = tuple(f"#{i}: digit {self.y_test[i]}" for i in range(N_EXAMPLES))
        return [View("example", "Test image", tuple(range(N_EXAMPLES)), 0, "Which test image's spikes to draw", labels=labels)]

    # --- internals

    def _index(self, snapshot) -> int:
        n = len(self.log.snapshots)
        return n - 1 if snapshot is None else int(np.clip(snapshot, 0, n - 1))

    def internals(self, snapshot=None) -> dict:
        def compute():
            model = build_model(self.config)
            load_arrays(model, self.log.snapshots[self._index(snapshot)].data)
            with torch.no_grad():
                counts, inner = model.eval()(torch.as_tensor(self.spikes_test, dtype=torch.float32), return_internals=True)
            return {
                "counts": counts.numpy(),  # (N, 10)
                "hidden_spikes": inner["hidden_spikes"].numpy().astype(np.uint8),  # (T, N, H)
                "out_spikes": inner["out_spikes"].numpy().astype(np.uint8),
                "out_mem": inner["out_mem"][:, :N_EXAMPLES].numpy(),  # (T, N_EXAMPLES, 10)
            }

        return self.memo(("internals", self._index(snapshot)), compute)

    def energy(self, snapshot=None) -> dict:
        def compute():
            inner = self.internals(snapshot)
            inputs = [torch.as_tensor(self.spikes_test, dtype=torch.float32), torch.as_tensor(inner["hidden_spikes"], dtype=torch.float32)]
            ops = synops(inputs, [self.config.hidden, 10]).numpy()  # (N,)
            macs = ann_macs((64, self.config.hidden, 10))
            return {"synops": float(ops.mean()), "macs": macs, "snn_pj": float(ops.mean()) * E_AC_PJ, "ann_pj": macs * E_MAC_PJ}

        return self.memo(("energy", self._index(snapshot)), compute)

    # --- figures

    def figures(self, example: int = 0, snapshot: int | None = None) -> dict[str, go.Figure]:
        example = int(np.clip(example, 0, N_EXAMPLES - 1))
        inner = self.internals(snapshot)
        step = self.log.snapshots[self._index(snapshot)].step
        c = self.config
        return {
            "lif": lif_figure(c.beta, c.threshold, current=0.15 * c.threshold, reset="zero"),
            "raster": self._fig_raster(inner, example, step),
            "membrane": self._fig_membrane(inner, example, step),
            "counts": self._fig_counts(inner, step),
            "sparsity": self._fig_sparsity(inner, step),
            "energy": self._fig_energy(snapshot, step),
            "curves": self._fig_curves(step),
        }

    def _fig_raster(self, inner, example, step) -> go.Figure:
        layers = [
            ("input pixels", self.spikes_test[:, example]),
            ("hidden LIF", inner["hidden_spikes"][:, example]),
            ("output LIF (class)", inner["out_spikes"][:, example]),
        ]
        fig = make_subplots(rows=3, cols=1, shared_xaxes=True, row_heights=[0.42, 0.42, 0.16], vertical_spacing=0.04)
        for r, (name, s) in enumerate(layers, start=1):
            t, n = np.nonzero(s)
            fig.add_trace(
                go.Scattergl(x=t + 1, y=n, mode="markers", name=f"{name} spikes", marker=dict(symbol="line-ns-open", size=6, color=PALETTE[r - 1], line=dict(width=1.5)),
                             hovertemplate=f"{name}<br>step %{{x}}, neuron %{{y}}<extra></extra>"),
                r, 1,
            )  # fmt: skip
            fig.update_yaxes(title=name, range=[-1, s.shape[1]], row=r, col=1)
        fig.update_xaxes(title="time step", range=[0.5, self.config.time_steps + 0.5], row=3, col=1)
        counts = inner["counts"][example]
        title = f"Spikes for test image #{example} (digit {self.y_test[example]}), predicted {int(np.argmax(counts))}, step {step}"
        return base_layout(fig, title, height=620, legend=dict(orientation="h", y=-0.12))

    def _fig_membrane(self, inner, example, step) -> go.Figure:
        mem = inner["out_mem"][:, example]  # (T, 10)
        t = np.arange(1, mem.shape[0] + 1)
        fig = vc.curves(
            t,
            {f"class {k}" + (" (true)" if k == self.y_test[example] else ""): mem[:, k] for k in range(10)},
            title=f"Output membranes, test image #{example} (digit {self.y_test[example]}), step {step}",
            x_title="time step",
            y_title="membrane potential U (a.u.)",
            height=420,
        )
        fig.add_hline(y=self.config.threshold, line=dict(color=PALETTE[3], dash="dash"), annotation_text="threshold θ")
        return fig

    def _fig_counts(self, inner, step) -> go.Figure:
        counts = inner["counts"]
        z = np.stack([counts[self.y_test == k].mean(0) if np.any(self.y_test == k) else np.zeros(10) for k in range(10)])
        acc = float((counts.argmax(-1) == self.y_test).mean())
        return heatmap(
            z,
            title=f"Mean output spike counts per true class (test accuracy {acc:.1%}), step {step}",
            x_title="output neuron (class)",
            y_title="true class",
            colorbar_title="spikes per image",
            annotate=True,
            height=460,
            hover="mean spikes",
        )

    def _fig_sparsity(self, inner, step) -> go.Figure:
        rates = {
            "input": float(self.spikes_test.mean()),
            "hidden": float(inner["hidden_spikes"].mean()),
            "output": float(inner["out_spikes"].mean()),
        }
        per_neuron = inner["hidden_spikes"].mean(axis=(0, 1))  # (H,)
        silent = float((per_neuron == 0).mean())
        fig = make_subplots(rows=1, cols=2, subplot_titles=("firing probability per neuron-step", "hidden neurons' firing rates"))
        fig.add_trace(
            go.Bar(x=list(rates), y=list(rates.values()), name="spikes per neuron per step", marker_color=PALETTE[0],
                   texttemplate="%{y:.3f}", hovertemplate="%{x}: %{y:.4f} spikes per neuron-step<extra></extra>"), 1, 1,
        )  # fmt: skip
        fig.add_trace(
            go.Histogram(x=per_neuron, nbinsx=25, name="hidden neurons", marker_color=PALETTE[2],
                         hovertemplate="rate %{x}<br>%{y} neurons<extra></extra>"), 1, 2,
        )  # fmt: skip
        fig.update_xaxes(title="layer", row=1, col=1)
        fig.update_yaxes(title="spikes per neuron per step", row=1, col=1)
        fig.update_xaxes(title="spikes per step (averaged over test images)", row=1, col=2)
        fig.update_yaxes(title="neurons", row=1, col=2)
        title = f"Sparsity at step {step}: hidden neurons spike {rates['hidden']:.1%} of the time, {silent:.0%} are silent"
        return base_layout(fig, title, height=380, legend=dict(orientation="h", y=-0.25))

    def _fig_energy(self, snapshot, step) -> go.Figure:
        e = self.energy(snapshot)
        fig = make_subplots(rows=1, cols=2, subplot_titles=("operations per image", "energy per image (estimate)"))
        names = ["SNN: synaptic ops (accumulates)", "ANN: multiply-accumulates"]
        for col, (values, unit) in enumerate(
            (([e["synops"], e["macs"]], "operations"), ([e["snn_pj"] / 1000, e["ann_pj"] / 1000], "nJ")), start=1
        ):
            fig.add_trace(
                go.Bar(x=["SNN", "ANN"], y=values, marker_color=[PALETTE[0], PALETTE[1]], showlegend=False, texttemplate="%{y:.3s}",
                       customdata=names, hovertemplate=f"%{{customdata}}<br>%{{y:.4g}} {unit}<extra></extra>"), 1, col,
            )  # fmt: skip
        fig.update_xaxes(title="network", row=1, col=1)
        fig.update_xaxes(title="network", row=1, col=2)
        fig.update_yaxes(title="operations per image", row=1, col=1)
        fig.update_yaxes(title="energy (nJ per image)", row=1, col=2)
        ratio = e["snn_pj"] / e["ann_pj"]
        title = (
            f"{e['synops']:.0f} SynOps over {self.config.time_steps} steps vs {e['macs']} MACs: "
            f"the SNN needs {ratio:.2f}× the ANN's energy (step {step})"
        )
        return base_layout(fig, title, height=380)

    def _fig_curves(self, step) -> go.Figure:
        h = self.log.history
        get = self.log.series
        return vc.training_curves(
            h["step"],
            {
                "loss": {"cross-entropy on counts": get("loss")},
                "accuracy": {"train (batch)": get("train_acc"), "test": get("test_acc")},
                "firing": {"hidden spikes per neuron-step": get("hidden_rate")},
            },
            title="Training curves",
            y_titles={"loss": "cross-entropy (nats)", "accuracy": "accuracy (fraction)", "firing": "firing probability"},
            marker_step=step,
        )
