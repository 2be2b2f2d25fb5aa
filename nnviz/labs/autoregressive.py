"""Autoregressive lab: PixelCNN on binarised 8x8 digits, or a WaveNet-style stack on a 1-D signal.

result = run(Config(model="pixelcnn"))
result.summary()        # bits per dimension, sampling time against training-pass time
result.figures(pixel=50, generated=32, snapshot=3)
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import plotly.graph_objects as go
import torch
import torch.nn.functional as F

from nnviz.core.device import get_device
from nnviz.core.loop import fit, load_arrays, state_arrays
from nnviz.core.params import LabConfig, param
from nnviz.core.seed import generator, seeded
from nnviz.data.images import digits
from nnviz.labs.base import FigureInfo, LabResult, View
from nnviz.models import autoregressive as am
from nnviz.viz import curves as vc
from nnviz.viz.heatmap import heatmap_grid
from nnviz.viz.images import image_grid
from nnviz.viz.theme import PALETTE, base_layout

NAME = "autoregressive"
MODELS = ("pixelcnn", "wavenet")
SIZE = 8
N_GEN = 16  # images (or sequences) generated for the figures and the timing
SEQ_LEN = 64  # WaveNet training sequences
PRIME = 48  # WaveNet: samples given before generation starts
GEN_STEPS = 96  # WaveNet: samples generated one by one


@dataclass(frozen=True)
class Config(LabConfig):
    # PixelCNN is the headline: the masks and the blind spot are visible on 8x8 digits
    model: str = param("pixelcnn", choices=MODELS, help="PixelCNN on binarised digits or WaveNet on a 1-D signal", group="Model")
    # 4 masked layers: the receptive field reaches most of the image and the blind spot is plain to see
    layers: int = param(4, lo=1, hi=8, help="Type-B masked layers (PixelCNN) or dilated layers (WaveNet)", group="Model")
    # 16 feature maps: 3x cheaper than 32 on CPU for almost the same bits per pixel
    channels: int = param(16, lo=8, hi=128, step=8, help="Feature maps per layer", group="Model")
    # 3x3 type-B kernels: the classic PixelCNN; 5x5 grows the receptive field faster
    kernel: int = param(3, lo=3, hi=7, step=2, help="PixelCNN: size of the type-B kernels (odd)", label="Kernel size", group="Model")
    # doubling dilations: the receptive field grows exponentially with depth
    dilated: bool = param(True, help="WaveNet: dilations 1, 2, 4, ... (off: all 1)", label="Dilated", group="Model")
    # 3e-3 with Adam; 10 blows up
    lr: float = param(3e-3, lo=1e-4, hi=10.0, log=True, help="Adam learning rate", label="Learning rate", group="Training")
    # 300 steps of 32: about 1.5 s on two CPU cores (PixelCNN)
    steps: int = param(300, lo=20, hi=5000, step=20, help="Optimiser steps", group="Training")
    batch_size: int = param(32, lo=8, hi=512, step=8, help="Images or sequences per step", label="Batch size", group="Training")


PRESETS = {
    "PixelCNN, 4 layers (default)": Config(),
    "PixelCNN, 1 layer: a tiny receptive field": Config(layers=1),
    "PixelCNN, 5x5 kernels": Config(kernel=5),
    "WaveNet, dilated": Config(model="wavenet"),
    "WaveNet, no dilation": Config(model="wavenet", dilated=False),
    "Learning rate too large (diverges)": Config(lr=10.0),
}


def dilations(config: Config) -> tuple[int, ...]:
    return tuple(2**i if config.dilated else 1 for i in range(config.layers))


def build_model(config: Config) -> torch.nn.Module:
    if config.model == "pixelcnn":
        return am.PixelCNN(config.channels, config.layers, config.kernel)
    return am.WaveNet(config.channels, dilations(config))


def signal_batch(n: int, length: int, g: torch.Generator) -> torch.Tensor:
    """(n, length) sums of two sines (periods 16 and 6 samples) with random phases and amplitudes, plus a little noise."""
    t = torch.arange(length, dtype=torch.float32)
    phase = torch.rand(n, 2, generator=g) * 2 * math.pi
    amp = 0.6 + 0.4 * torch.rand(n, 2, generator=g)
    x = amp[:, :1] * torch.sin(2 * math.pi * t / 16 + phase[:, :1]) + 0.5 * amp[:, 1:] * torch.sin(2 * math.pi * t / 6 + phase[:, 1:])
    return x + 0.02 * torch.randn(n, length, generator=g)


# ----------------------------------------------------------------------------- training


def run(config: Config, progress=None) -> ARResult:
    device = get_device()
    with seeded(config.seed):
        model = build_model(config).to(device)
        g = generator(config.seed + 1)
        if config.model == "pixelcnn":
            x_tr, _, x_te, _ = digits(seed=config.seed, binarize=True)
            train = torch.as_tensor(x_tr[:, None], device=device)
            test = torch.as_tensor(x_te[:256, None], device=device)

            def batch_fn(step):
                return train[torch.randint(0, len(train), (config.batch_size,), generator=g).to(device)]

            def loss_fn(model, x):
                return am.bits_per_dim(model(x), x), {}

            def eval_fn(model):
                return {"test_bpd": am.bits_per_dim(model(test), test)}

            max_loss = 20.0  # 20 bits per binary pixel: blown up (a coin flip costs 1)
        else:
            test = signal_batch(32, PRIME + GEN_STEPS, generator(config.seed + 2))[:, None].to(device)  # long enough to compare generations

            def batch_fn(step):
                return signal_batch(config.batch_size, SEQ_LEN, g)[:, None].to(device)

            def loss_fn(model, x):
                return F.mse_loss(model(x)[..., :-1], x[..., 1:]), {}

            def eval_fn(model):
                return {"test_mse": F.mse_loss(model(test)[..., :-1], test[..., 1:])}

            max_loss = 1e3  # the signal has variance ~0.4
        log = fit(
            model,
            torch.optim.Adam(model.parameters(), lr=config.lr),
            steps=config.steps,
            batch_fn=batch_fn,
            loss_fn=loss_fn,
            eval_fn=eval_fn,
            snapshot_fn=lambda model, step: state_arrays(model),
            snapshot_every=max(1, config.steps // 10),
            log_every=max(5, config.steps // 25),
            progress=progress,
            max_loss=max_loss,
        )
        model = model.cpu().eval()
        timing = measure_timing(config, model)
    return ARResult(
        config=config,
        log=log,
        device=str(device),
        x_test=test.cpu().numpy()[:, 0],
        params=am.n_params(model),
        time_parallel=timing[0],
        time_sequential=timing[1],
    )


def measure_timing(config: Config, model: torch.nn.Module, repeats: int = 3) -> tuple[float, float]:
    """Seconds for one parallel pass (what a training step computes: every conditional at once) and for sequential
    generation of the same amount of output (one pass per pixel or sample), best of `repeats`, on CPU."""
    g = generator(config.seed + 3)
    par, seq = math.inf, math.inf
    with torch.no_grad():
        for _ in range(repeats):
            if config.model == "pixelcnn":
                x = (torch.rand(N_GEN, 1, SIZE, SIZE, generator=g) < 0.3).float()
                t0 = time.perf_counter()
                model(x)
                t1 = time.perf_counter()
                am.sample_pixels(model, N_GEN, SIZE, generator=g)
                t2 = time.perf_counter()
            else:
                x = signal_batch(N_GEN, PRIME + GEN_STEPS, g)[:, None]
                t0 = time.perf_counter()
                model(x)
                t1 = time.perf_counter()
                am.generate_sequence(model, x[0, 0, :PRIME], GEN_STEPS)
                t2 = time.perf_counter()
            par, seq = min(par, t1 - t0), min(seq, t2 - t1)
    return par, seq


# ----------------------------------------------------------------------------- result


@dataclass(frozen=True)
class ARResult(LabResult):
    x_test: np.ndarray = None  # (M, 8, 8) binarised digits or (M, SEQ_LEN) signals
    params: int = 0
    time_parallel: float = 0.0  # seconds: one pass computing every conditional at once
    time_sequential: float = 0.0  # seconds: generating the same output one step at a time

    FIGURES: ClassVar[dict[str, FigureInfo]] = {
        "masks": FigureInfo(
            "Mask types A and B",
            "Which kernel weights are kept (1) in the first layer (type A: strictly before the centre pixel in raster order) "
            "and in the later layers (type B: the centre too, since it now holds features of earlier pixels only). "
            "Predictions are the sigmoid of the last layer: p(pixel on | earlier pixels).",
        ),
        "receptive": FigureInfo(
            "Receptive field and blind spot",
            "Which input pixels the prediction for the chosen pixel depends on (measured with the gradient). Pixels that come "
            "earlier in raster order but are never seen form the blind spot of stacked masked convolutions.",
        ),
        "generation": FigureInfo(
            "Generation pixel by pixel",
            "Samples after the chosen number of pixels have been drawn in raster order; the red square is the next pixel "
            "and the number above each image its probability of being on.",
        ),
        "conditionals": FigureInfo(
            "The model's conditionals on real digits",
            "For held-out digits (top): p(pixel on | all earlier pixels) for every pixel at once (bottom), the parallel pass "
            "used in training. Bits per dimension averages −log₂ of these over pixels.",
        ),
        "wavenet_field": FigureInfo(
            "Dilated causal convolutions",
            "Each row is a layer, each dot a time step. Lines show which inputs the last output depends on: with dilations "
            "1, 2, 4, ... the receptive field doubles per layer; without them it grows by one.",
        ),
        "wavenet_rf": FigureInfo(
            "Receptive field against depth",
            "Samples the last output can see, with and without dilation, for 1 to 8 layers (kernel 2).",
        ),
        "wavenet_generation": FigureInfo(
            "Generation sample by sample",
            "The first samples of a held-out signal are given; the model then predicts each next value from its own previous predictions.",
        ),
        "curves": FigureInfo("Training curves", "Training and held-out loss against the training step."),
        "timing": FigureInfo(
            "Sampling is sequential, training is parallel",
            "Wall-clock time of one pass that computes every conditional at once (a training step's forward) against "
            "generating the same output one pixel or sample at a time, measured on this machine's CPU.",
        ),
    }

    def summary(self) -> dict[str, float]:
        out = {
            **super().summary(),
            "params": float(self.params),
            "sampling_ms": 1000 * self.time_sequential,
            "parallel_ms": 1000 * self.time_parallel,
        }
        if self.config.model == "pixelcnn":
            out["bits_per_dim"] = self.log.last("test_bpd")
        else:
            out["test_mse"] = self.log.last("test_mse")
            out["receptive_field"] = float(build_model(self.config).receptive_field())
        return out

    def views(self) -> list[View]:
        if self.config.model != "pixelcnn":
            return []
        pix = tuple(range(SIZE * SIZE))
        labels = tuple(f"{i} (row {i // SIZE}, col {i % SIZE})" for i in pix)
        gen = tuple(range(0, SIZE * SIZE + 1, 4))
        return [
            View("pixel", "Pixel for the receptive field", pix, 50, "The output pixel whose dependencies are drawn", labels=labels),
            View("generated", "Pixels generated", gen, 32, "How far the pixel-by-pixel generation has got"),
        ]

    # --- internals from saved weights

    def _index(self, snapshot: int | None) -> int:
        n = len(self.log.snapshots)
        return n - 1 if snapshot is None else int(np.clip(snapshot, 0, n - 1))

    def model_at(self, snapshot: int | None = None) -> torch.nn.Module:
        model = build_model(self.config)
        load_arrays(model, self.log.snapshots[self._index(snapshot)].data)
        return model.eval()

    def generated(self, snapshot: int | None = None) -> dict:
        def compute():
            model = self.model_at(snapshot)
            if self.config.model == "pixelcnn":
                canvases, probs = am.sample_pixels(model, N_GEN, SIZE, generator=generator(self.config.seed + 4))
                return {"canvases": canvases.numpy(), "probs": probs.numpy()}
            x = torch.as_tensor(self.x_test[:3])
            out = [am.generate_sequence(model, s[:PRIME], GEN_STEPS).numpy() for s in x]
            return {"generated": np.stack(out)}

        return self.memo(("gen", self._index(snapshot)), compute)

    # --- figures

    def figures(self, pixel: int = 50, generated: int = 32, snapshot: int | None = None) -> dict[str, go.Figure]:
        idx = self._index(snapshot)
        step = self.log.snapshots[idx].step
        if self.config.model == "pixelcnn":
            pixel = int(np.clip(pixel, 0, SIZE * SIZE - 1))
            generated = int(np.clip(generated, 0, SIZE * SIZE))
            figs = {
                "masks": self._fig_masks(),
                "receptive": self._fig_receptive(pixel),
                "generation": self._fig_generation(idx, step, generated),
                "conditionals": self._fig_conditionals(idx, step),
            }
        else:
            figs = {
                "wavenet_field": self._fig_wavenet_field(),
                "wavenet_rf": self._fig_wavenet_rf(),
                "wavenet_generation": self._fig_wave_gen(idx, step),
            }
        figs["curves"] = self._fig_curves(step)
        figs["timing"] = self._fig_timing()
        return figs

    def _fig_masks(self) -> go.Figure:
        c = self.config
        mats = [am.pixel_mask("A", c.kernel).numpy(), am.pixel_mask("B", c.kernel).numpy()]
        return heatmap_grid(
            [mats], title=f"{c.kernel}×{c.kernel} masks: type A (first layer) and type B ({c.layers} later layers)",
            row_titles=["mask"], col_titles=["type A", "type B"], x_title="kernel column", y_title="kernel row",
            colorbar_title="weight kept", cell=300, hover="kept",
        )  # fmt: skip

    def reach(self) -> int:
        """How far (rows up, columns either side) the stack of masked k×k layers can reach at most."""
        return (self.config.layers + 1) * (self.config.kernel // 2)

    def dependency(self, pixel: int) -> np.ndarray:
        """(8, 8) roles: 0 the pixel predicted, 1 later (must not be seen), 2 earlier but beyond the stack's reach,
        3 blind spot (earlier, within reach, yet unseen), 4 seen."""

        def compute():
            r, c = divmod(pixel, SIZE)
            grad = am.dependency_map(self.model_at(None), SIZE, r, c).numpy()
            order = np.arange(SIZE * SIZE).reshape(SIZE, SIZE)
            rows, cols = np.indices((SIZE, SIZE))
            within = (r - rows <= self.reach()) & (np.abs(cols - c) <= self.reach())
            role = np.where(grad > 0, 4, np.where(within, 3, 2))
            role = np.where(order < pixel, role, 1).astype(float)
            role[r, c] = 0
            return role

        return self.memo(("dep", pixel), compute)

    def _fig_receptive(self, pixel: int) -> go.Figure:
        role = self.dependency(pixel)
        r, c = divmod(pixel, SIZE)
        seen, blind, far = int((role == 4).sum()), int((role == 3).sum()), int((role == 2).sum())
        palette = ["#444444", "#f2f2f2", "#c9d6df", PALETTE[3], PALETTE[0]]
        colors = []
        for k, col in enumerate(palette):
            colors += [[k / 5, col], [(k + 1) / 5, col]]
        names = ["the pixel predicted", "later pixel (must not be seen)", "earlier, beyond the reach of the layers",
                 "blind spot: earlier, within reach, unseen", "seen"]  # fmt: skip
        text = np.vectorize(lambda v: names[int(v)])(role)
        fig = go.Figure(
            go.Heatmap(z=role, zmin=-0.5, zmax=4.5, colorscale=colors, text=text, xgap=2, ygap=2,
                       colorbar=dict(title=dict(text="pixel role"), tickvals=[0, 1, 2, 3, 4],
                                     ticktext=["predicted", "later", "out of reach", "blind spot", "seen"]),
                       hovertemplate="row %{y}, col %{x}<br>%{text}<extra></extra>")
        )  # fmt: skip
        fig.update_xaxes(title="column", dtick=1, constrain="domain")
        fig.update_yaxes(title="row", dtick=1, autorange="reversed", scaleanchor="x", scaleratio=1)
        title = (
            f"Pixel ({r}, {c}): sees {seen} earlier pixels; blind spot {blind}; {far} beyond the reach of {self.config.layers + 1} layers"
        )
        return base_layout(fig, title, height=480)

    def _fig_generation(self, idx: int, step: int, generated: int) -> go.Figure:
        gen = self.generated(idx)
        canvas = gen["canvases"][generated][:8].copy()  # (8, 8, 8)
        shown = canvas * 0.8 + 0.1  # drawn pixels: 0.1 / 0.9
        order = np.arange(SIZE * SIZE).reshape(SIZE, SIZE)
        shown[:, order >= generated] = 0.5  # not drawn yet: mid grey
        if generated < SIZE * SIZE:
            r, c = divmod(generated, SIZE)
            p = gen["probs"][generated][:8]
            titles = [f"p = {v:.2f}" for v in p]
        else:
            titles = [f"sample {i}" for i in range(8)]
        fig = image_grid(shown, title=f"After {generated} of {SIZE * SIZE} pixels, training step {step}", titles=titles, cols=8, cell=120,
                         colorbar_title="0.1 off · 0.5 not drawn · 0.9 on")  # fmt: skip
        if generated < SIZE * SIZE:
            for k in range(8):
                suffix = "" if k == 0 else str(k + 1)
                fig.add_shape(type="rect", x0=c - 0.5, x1=c + 0.5, y0=r - 0.5, y1=r + 0.5, line=dict(color=PALETTE[3], width=3),
                              xref=f"x{suffix}", yref=f"y{suffix}")  # fmt: skip
        return fig

    def _fig_conditionals(self, idx: int, step: int) -> go.Figure:
        x = torch.as_tensor(self.x_test[:8][:, None])
        with torch.no_grad():
            p = torch.sigmoid(self.model_at(idx)(x))[:, 0].numpy()
        bpd = float(am.bits_per_dim(torch.logit(torch.as_tensor(p).clamp(1e-6, 1 - 1e-6))[:, None], x))
        images = np.concatenate([self.x_test[:8], p])
        titles = [f"digit #{i}" for i in range(8)] + [f"p #{i}" for i in range(8)]
        return image_grid(images, title=f"Held-out digits and p(pixel on | earlier pixels): {bpd:.3f} bits/pixel, step {step}",
                          titles=titles, cols=8, cell=110, colorbar_title="pixel / probability")  # fmt: skip

    def _fig_wavenet_field(self) -> go.Figure:
        dil = dilations(self.config)
        T = min(64, 1 + sum(dil) + 8)
        fig = go.Figure()
        n_layers = len(dil) + 1  # input row plus one row per dilated layer (the input conv, kernel 2, is layer 0)
        # which nodes the last output depends on, walking down the stack
        need = {T - 1}
        rows = [need]
        for d in reversed(dil):
            need = {t - s for t in need for s in (0, d) if t - s >= 0}
            rows.append(need)
        need = {t - s for t in need for s in (0, 1) if t - s >= 0}
        rows.append(need)
        rows = rows[::-1]  # rows[0] = input, rows[-1] = output
        xs_all = np.arange(T)
        for level in range(n_layers + 1):
            fig.add_trace(
                go.Scatter(
                    x=xs_all, y=np.full(T, level), mode="markers", marker=dict(size=6, color="#ccc"), showlegend=False, hoverinfo="skip"
                )
            )
        ex, ey = [], []
        for level in range(1, n_layers + 1):
            d = 1 if level == 1 else dil[level - 2]
            for t in rows[level]:
                for s in (0, d):
                    if t - s >= 0:
                        ex += [t, t - s, None]
                        ey += [level, level - 1, None]
        fig.add_trace(
            go.Scatter(
                x=ex,
                y=ey,
                mode="lines",
                name="connections used by the last output",
                line=dict(color=PALETTE[0], width=1.5),
                hoverinfo="skip",
            )
        )
        for level, nodes in enumerate(rows):
            nodes = sorted(nodes)
            label = (
                "input"
                if level == 0
                else ("output" if level == n_layers else f"layer {level} (dilation {1 if level == 1 else dil[level - 2]})")
            )
            fig.add_trace(go.Scatter(x=nodes, y=[level] * len(nodes), mode="markers", marker=dict(size=8, color=PALETTE[3] if level == 0 else PALETTE[0]),
                                     name=label, showlegend=level == 0, hovertemplate=f"{label}<br>time %{{x}}<extra></extra>"))  # fmt: skip
        rf = len(rows[0])
        names = ["input", "input conv (d=1)"] + [f"dilation {d}" for d in dil]
        fig.update_xaxes(title="time step")
        fig.update_yaxes(title="layer", tickvals=list(range(n_layers + 1)), ticktext=names)
        return base_layout(
            fig, f"Dilations {list(dil)}: the last output sees {rf} input samples", height=440, legend=dict(orientation="h", y=-0.2)
        )

    def _fig_wavenet_rf(self) -> go.Figure:
        depth = np.arange(1, 9)
        dilated = [1 + 1 + sum(2**i for i in range(n)) for n in depth]
        plain = [1 + 1 + n for n in depth]
        fig = vc.curves(depth, {"dilations 1, 2, 4, ...": dilated, "no dilation": plain}, title="Receptive field against the number of layers",
                        x_title="dilated layers", y_title="input samples seen", log_y=True, markers=True)  # fmt: skip
        fig.add_vline(x=self.config.layers, line=dict(color="#888", dash="dot"))
        return fig

    def _fig_wave_gen(self, idx: int, step: int) -> go.Figure:
        gen = self.generated(idx)["generated"]
        t = np.arange(PRIME + GEN_STEPS)
        series = {}
        for i in range(2):
            truth = self.x_test[i][: PRIME + GEN_STEPS]
            series[f"signal {i}: true"] = truth
            series[f"signal {i}: generated"] = np.where(t >= PRIME, gen[i], np.nan)
        dash = {k: "dot" for k in series if k.endswith("true")}
        fig = vc.curves(t, series, title=f"Given {PRIME} samples, {GEN_STEPS} generated one at a time, training step {step}",
                        x_title="time step", y_title="signal value", dash=dash)  # fmt: skip
        fig.add_vrect(x0=0, x1=PRIME, fillcolor="#888", opacity=0.12, line_width=0, annotation_text="given")
        return fig

    def _fig_curves(self, marker_step: int) -> go.Figure:
        h = self.log.history
        n = len(h["step"])
        key, name = ("test_bpd", "bits per pixel") if self.config.model == "pixelcnn" else ("test_mse", "next-sample MSE")
        test = h.get(key)
        return vc.training_curves(h["step"], {name: {"train": h["loss"], "held-out": test if test is not None and len(test) == n else np.full(n, np.nan)}},
                                  title="Training curves", y_titles={name: name}, marker_step=marker_step)  # fmt: skip

    def _fig_timing(self) -> go.Figure:
        what = f"{N_GEN} images of {SIZE * SIZE} pixels" if self.config.model == "pixelcnn" else f"{GEN_STEPS} samples"
        ratio = self.time_sequential / max(self.time_parallel, 1e-9)
        fig = vc.bars(["one parallel pass (training)", "sequential generation"], {"milliseconds": [1000 * self.time_parallel, 1000 * self.time_sequential]},
                      title=f"{what}: generation takes {ratio:.0f}× one training pass", x_title="computation", y_title="wall-clock time (ms)",
                      text_fmt=".3g")  # fmt: skip
        fig.update_yaxes(type="log")
        return fig
