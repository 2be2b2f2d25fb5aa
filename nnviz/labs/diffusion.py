"""Diffusion lab: a DDPM learns 2-D point clouds or 8x8 digits by predicting the noise that was added.

result = run(Config(data="moons"))
result.summary()        # denoising loss, sample quality (sliced Wasserstein), distance of samples to the data
result.figures(t=50, reverse_t=0, sampler_steps=10, snapshot=5)
"""

from __future__ import annotations

import dataclasses
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
from nnviz.data.images import digits
from nnviz.data.points import points
from nnviz.labs.base import FigureInfo, LabResult, View
from nnviz.models import diffusion as dm
from nnviz.viz import curves as vc
from nnviz.viz import flow
from nnviz.viz.images import image_grid
from nnviz.viz.theme import PALETTE, base_layout

NAME = "diffusion"
DATASETS = ("moons", "swiss_roll", "ring", "spiral", "digits")
N_POINTS = 2000  # 2-D training points (the held-out set is as large again, from another seed)
N_SAMPLES_2D = 600  # points drawn by the reverse process in the figures
N_SAMPLES_DIGITS = 64  # digits drawn by the reverse process
N_TRAJ = 25  # trajectories drawn in 2-D
SAMPLER_STEPS = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000)  # step counts compared (those ≤ T)
GRID = 21  # score-field grid per axis


@dataclass(frozen=True)
class Config(LabConfig):
    # moons: two clear modes with thin structure, learned well in under a second
    data: str = param("moons", choices=DATASETS, help="2-D point cloud or sklearn's 8x8 digits (64-D)", group="Data")
    # a little noise keeps the 2-D shapes crisp but not degenerate
    noise: float = param(0.05, lo=0.0, hi=0.3, step=0.01, help="Noise of the 2-D point clouds (ignored for digits)", group="Data")
    # linear is Ho et al.'s original; cosine keeps more signal at middle t
    schedule: str = param("linear", choices=dm.SCHEDULES, help="How β_t grows with t", label="Noise schedule", group="Diffusion")
    # 100 steps: enough to denoise 2-D data, short enough to scrub through
    T: int = param(100, lo=10, hi=1000, step=10, help="Diffusion steps of the forward process", label="Steps T", group="Diffusion")
    # 128 units x 3 layers: the smallest MLP that draws the moons' thin arcs
    hidden: int = param(128, lo=32, hi=512, step=32, help="Hidden units of the denoiser MLP", label="Hidden units", group="Model")
    layers: int = param(3, lo=2, hi=6, help="Hidden layers of the denoiser MLP", group="Model")
    # 1e-2 decayed linearly to 0 learns the moons in 800 steps; 3 and above blows up
    lr: float = param(
        1e-2, lo=1e-4, hi=10.0, log=True, help="Adam learning rate (decays linearly to 0)", label="Learning rate", group="Training"
    )
    # 800 steps of 256: about 1.5 s on two CPU cores
    steps: int = param(800, lo=50, hi=10000, step=50, help="Optimiser steps", group="Training")
    batch_size: int = param(
        256, lo=16, hi=1024, step=16, help="Examples per step (each with its own random t)", label="Batch size", group="Training"
    )

    def validate(self) -> None:
        if self.data == "digits" and self.T < 20:
            raise ConfigError("T", f"{self.T} steps are too few to turn digits into noise; use at least 20 for digits")

    @property
    def is_2d(self) -> bool:
        return self.data != "digits"


PRESETS = {
    "Moons, linear schedule (default)": Config(),
    "Moons, cosine schedule": Config(schedule="cosine"),
    "Swiss roll (needs longer training)": Config(data="swiss_roll", steps=2000),
    "Ring of 8 Gaussians": Config(data="ring", steps=1200),
    "Digits 8x8 (64-D)": Config(data="digits", hidden=256, steps=2000, T=200, lr=3e-3),
    "Too few diffusion steps (T = 10)": Config(T=10),
    "Learning rate too large (diverges)": Config(lr=10.0),
}


def load_data(config: Config) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(train (N, D), test (M, D), test labels) in model coordinates: 2-D as generated, digits in [−1, 1]."""
    if config.is_2d:
        x, _ = points(config.data, n=N_POINTS, noise=config.noise, seed=config.seed)
        xt, yt = points(config.data, n=N_POINTS, noise=config.noise, seed=config.seed + 7919)
        return x, xt, yt
    x, _, xt, yt = digits(seed=config.seed)
    return x.reshape(len(x), -1) * 2 - 1, xt.reshape(len(xt), -1) * 2 - 1, yt


def build_model(config: Config, dim: int) -> dm.Denoiser:
    return dm.Denoiser(dim, config.T, hidden=config.hidden, layers=config.layers)


# ----------------------------------------------------------------------------- training


def run(config: Config, progress=None) -> DiffusionResult:
    device = get_device()
    with seeded(config.seed):
        x_train, x_test, y_test = load_data(config)
        dim = x_train.shape[1]
        sched = dm.make_schedule(config.schedule, config.T)
        data = torch.as_tensor(x_train, device=device)
        g = generator(config.seed + 1, device)
        model = build_model(config, dim).to(device)
        # a fixed held-out batch with fixed t and noise: its loss is comparable from step to step
        ge = generator(config.seed + 2)
        x_eval = torch.as_tensor(x_test[:512])
        t_eval = torch.randint(1, config.T + 1, (len(x_eval),), generator=ge)
        n_eval = torch.randn(x_eval.shape, generator=ge)
        x_eval, t_eval, n_eval = x_eval.to(device), t_eval.to(device), n_eval.to(device)

        def batch_fn(step):
            idx = torch.randint(0, len(data), (config.batch_size,), generator=g, device=device)
            t = torch.randint(1, config.T + 1, (config.batch_size,), generator=g, device=device)
            return data[idx], t, torch.randn((config.batch_size, dim), generator=g, device=device)

        def loss_fn(model, batch):
            x0, t, noise = batch
            return dm.loss_terms(model, x0, t, noise, sched).mean(), {}

        opt = torch.optim.Adam(model.parameters(), lr=config.lr)
        log = fit(
            model,
            opt,
            steps=config.steps,
            batch_fn=batch_fn,
            loss_fn=loss_fn,
            eval_fn=lambda model: {"heldout_loss": dm.loss_terms(model, x_eval, t_eval, n_eval, sched).mean()},
            snapshot_fn=lambda model, step: state_arrays(model),
            snapshot_every=max(1, config.steps // 12),
            log_every=max(5, config.steps // 50),
            progress=progress,
            scheduler=torch.optim.lr_scheduler.LambdaLR(opt, lambda s: max(0.0, 1 - s / config.steps)),
            max_loss=50.0,  # predicting zero noise scores 1.0: fifty times that has blown up
        )
    result = DiffusionResult(
        config=config, log=log, device=str(device), x_train=x_train, x_test=x_test, y_test=y_test, params=dm.n_params(model)
    )
    quality = result.quality()  # samples the final model once; the memo carries over to the returned Result
    return dataclasses.replace(result, swd=quality["swd"], near=quality["near"])


# ----------------------------------------------------------------------------- result


@dataclass(frozen=True)
class DiffusionResult(LabResult):
    x_train: np.ndarray = None  # (N, D) training data (model coordinates)
    x_test: np.ndarray = None  # (M, D) held-out data: the reference for sample quality
    y_test: np.ndarray = None  # (M,) component / class of the held-out data
    params: int = 0
    swd: float = float("nan")  # sliced Wasserstein distance, DDPM samples vs held-out data
    near: float = float("nan")  # mean distance of a sample to its nearest data point (2-D)

    FIGURES: ClassVar[dict[str, FigureInfo]] = {
        "forward": FigureInfo(
            "Forward process: x_t at the chosen t",
            "The data after t noising steps, drawn in one go from the closed form x_t = √ᾱ_t x_0 + √(1−ᾱ_t) ε. "
            "Move t: the structure fades into a standard Gaussian.",
        ),
        "schedule": FigureInfo(
            "Noise schedules",
            "β_t (noise added at step t) and ᾱ_t (signal kept after t steps) for the linear and cosine schedules; "
            "the one in use is solid, the dotted line marks the chosen t.",
        ),
        "reverse": FigureInfo(
            "Reverse process: samples at the chosen step",
            "Starting from pure noise at t = T, the model removes its predicted noise step by step (DDPM). Scrub the "
            "reverse step from T down to 0 and watch the cloud condense onto the data.",
        ),
        "field": FigureInfo(
            "Learned score field",
            "Arrows point along the score −ε̂(x, t)/√(1−ᾱ_t): the direction the model pushes a point at the chosen reverse "
            "step. Colour is its length. At large t the field points to the origin; near t = 0 it points onto the data.",
        ),
        "reverse_strip": FigureInfo(
            "Denoising at chosen steps",
            "The same samples at evenly spaced steps of the reverse process, from pure noise (left) to the final samples (right).",
        ),
        "noise_pred": FigureInfo(
            "Predicted against true noise",
            "At the chosen t, held-out data is noised with known ε and the model predicts ε̂ from x_t alone. On the "
            "diagonal the prediction is perfect.",
        ),
        "loss_per_t": FigureInfo(
            "Denoising error per t",
            "Mean squared error of ε̂ on held-out data at every t. Predicting zero scores 1. The error is largest at small t, "
            "where the noise is tiny next to the data and hard to tell apart from it.",
        ),
        "curves": FigureInfo(
            "Training curves",
            "Training loss (random t per example), held-out loss (fixed t and noise) and sample quality over training.",
        ),
        "samplers": FigureInfo(
            "DDPM against DDIM with fewer steps",
            "Sample quality (sliced Wasserstein distance to held-out data, lower is better) against the number of reverse "
            "steps. DDIM (η = 0) is deterministic and degrades gracefully; DDPM (η = 1) needs many steps.",
        ),
        "sampler_samples": FigureInfo(
            "Samples with the chosen number of steps",
            "The same starting noise, denoised by DDPM and by DDIM with the chosen number of steps.",
        ),
    }

    # --- summary and views

    def summary(self) -> dict[str, float]:
        out = {**super().summary(), "heldout_loss": self.log.last("heldout_loss"), "swd": self.swd, "params": float(self.params)}
        if self.config.is_2d:
            out["near"] = self.near
        return out

    def t_options(self) -> tuple[int, ...]:
        T = self.config.T
        return tuple(sorted(set(np.linspace(0, T, min(T, 20) + 1).round().astype(int).tolist())))

    def views(self) -> list[View]:
        T = self.config.T
        opts = self.t_options()
        half = min(opts, key=lambda t: abs(t - T // 4))
        steps = tuple(s for s in SAMPLER_STEPS if s < T) + (T,)
        return [
            View("t", "Forward step t", opts, half, "Noise level for the forward process and the noise prediction (no retraining)"),
            View(
                "reverse_t", "Reverse step", tuple(reversed(opts)), 0, "Where to stop the reverse process: T is pure noise, 0 the samples"
            ),
            View("sampler_steps", "Sampler steps", steps, min(steps, key=lambda s: abs(s - 10)), "Reverse steps used by DDPM and DDIM"),
        ]

    # --- internals from saved weights (no retraining)

    def _index(self, snapshot: int | None) -> int:
        n = len(self.log.snapshots)
        return n - 1 if snapshot is None else int(np.clip(snapshot, 0, n - 1))

    def model_at(self, snapshot: int | None = None) -> dm.Denoiser:
        model = build_model(self.config, self.x_train.shape[1])
        load_arrays(model, self.log.snapshots[self._index(snapshot)].data)
        return model.eval()

    def schedule(self) -> dm.Schedule:
        return self.memo("schedule", lambda: dm.make_schedule(self.config.schedule, self.config.T))

    def _n_samples(self) -> int:
        return N_SAMPLES_2D if self.config.is_2d else N_SAMPLES_DIGITS

    def _x_T(self) -> torch.Tensor:
        """The same starting noise for every snapshot and sampler, so their samples compare point by point."""
        g = generator(self.config.seed + 3)
        return torch.randn((self._n_samples(), self.x_train.shape[1]), generator=g)

    def _clip(self) -> float:
        return 1.0 if not self.config.is_2d else 1.5 * float(np.abs(self.x_train).max())

    def _sample(self, snapshot, steps=None, eta=1.0, n=None, return_all=False):
        x_T = self._x_T()[:n]
        with torch.no_grad():
            return dm.sample(
                self.model_at(snapshot),
                self.schedule(),
                x_T,
                steps=steps,
                eta=eta,
                generator=generator(self.config.seed + 4),
                clip=self._clip(),
                return_all=return_all,
            )

    def reverse(self, snapshot: int | None = None) -> dict:
        """The full DDPM reverse process: visited steps [T..0], trajectory (T+1, N, D), ε̂ per step (T, N, D)."""

        def compute():
            ts, traj, eps = self._sample(snapshot, return_all=True)
            return {"ts": np.array(ts), "traj": traj.numpy(), "eps": eps.numpy()}

        return self.memo(("reverse", self._index(snapshot)), compute)

    def quality(self, snapshot: int | None = None) -> dict[str, float]:
        x0 = torch.as_tensor(self.reverse(snapshot)["traj"][-1])
        ref = torch.as_tensor(self.x_test)
        near = float(dm.nearest_distance(x0, ref).mean()) if self.config.is_2d else float("nan")
        return {"swd": dm.sliced_wasserstein(x0, ref), "near": near}

    def sampler_sweep(self, snapshot: int | None = None) -> dict:
        """Quality of DDPM (η=1) and DDIM (η=0) samples against the number of reverse steps."""

        def compute():
            T, ref = self.config.T, torch.as_tensor(self.x_test)
            steps = [s for s in SAMPLER_STEPS if s < T] + [T]
            out = {"steps": np.array(steps), "ddpm": [], "ddim": []}
            for s in steps:
                for name, eta in (("ddpm", 1.0), ("ddim", 0.0)):
                    out[name].append(dm.sliced_wasserstein(self._sample(snapshot, steps=s, eta=eta), ref))
            out["data"] = dm.sliced_wasserstein(torch.as_tensor(self.x_train[: len(ref)]), ref)
            out["noise"] = dm.sliced_wasserstein(self._x_T(), ref)
            return out

        return self.memo(("sweep", self._index(snapshot)), compute)

    def noise_check(self, t: int, snapshot: int | None = None) -> dict:
        """Held-out data noised at t with known ε, and the model's ε̂."""

        def compute():
            g = generator(self.config.seed + 5)
            x0 = torch.as_tensor(self.x_test[:400])
            noise = torch.randn(x0.shape, generator=g)
            tt = torch.full((len(x0),), max(t, 1), dtype=torch.long)
            xt = dm.q_sample(x0, tt, noise, self.schedule())
            with torch.no_grad():
                pred = self.model_at(snapshot)(xt, tt)
            return {"x0": x0.numpy(), "xt": xt.numpy(), "noise": noise.numpy(), "pred": pred.numpy()}

        return self.memo(("noise", int(t), self._index(snapshot)), compute)

    def loss_per_t(self, snapshot: int | None = None) -> np.ndarray:
        """Held-out ‖ε − ε̂‖²/D at every t = 1..T. (T,)"""

        def compute():
            g = generator(self.config.seed + 6)
            x0 = torch.as_tensor(self.x_test[:256])
            model, sched, out = self.model_at(snapshot), self.schedule(), []
            with torch.no_grad():
                for t in range(1, self.config.T + 1):
                    noise = torch.randn(x0.shape, generator=g)
                    out.append(float(dm.loss_terms(model, x0, torch.full((len(x0),), t), noise, sched).mean()))
            return np.array(out)

        return self.memo(("loss_t", self._index(snapshot)), compute)

    def quality_over_training(self) -> dict:
        """Sample quality at every snapshot (DDIM with 20 steps, which is cheap and close to the full DDPM)."""

        def compute():
            ref = torch.as_tensor(self.x_test)
            swd = [dm.sliced_wasserstein(self._sample(i, steps=20, eta=0.0), ref) for i in range(len(self.log.snapshots))]
            return {"step": np.array([s.step for s in self.log.snapshots]), "swd": np.array(swd)}

        return self.memo("quality_over_training", compute)

    # --- figures

    def figures(
        self, t: int | None = None, reverse_t: int = 0, sampler_steps: int = 10, snapshot: int | None = None
    ) -> dict[str, go.Figure]:
        T = self.config.T
        t = T // 4 if t is None else int(np.clip(t, 0, T))
        reverse_t = int(np.clip(reverse_t, 0, T))
        sampler_steps = int(np.clip(sampler_steps, 1, T))
        idx = self._index(snapshot)
        step = self.log.snapshots[idx].step
        figs = {
            "forward": self._fig_forward(t),
            "schedule": self._fig_schedule(t),
            "reverse": self._fig_reverse(reverse_t, idx, step),
        }
        if self.config.is_2d:
            figs["field"] = self._fig_field(reverse_t, idx, step)
        figs["reverse_strip"] = self._fig_strip(idx, step)
        figs["noise_pred"] = self._fig_noise(t, idx, step)
        figs["loss_per_t"] = self._fig_loss_t(t, idx, step)
        figs["curves"] = self._fig_curves(step)
        figs["samplers"] = self._fig_samplers(sampler_steps, idx, step)
        figs["sampler_samples"] = self._fig_sampler_samples(sampler_steps, idx, step)
        return figs

    # coordinates and image helpers

    def _ranges(self):
        lim = max(3.5, 1.15 * float(np.abs(self.x_train).max()))
        return [[-lim, lim], [-lim, lim]]

    @staticmethod
    def _img(x: np.ndarray) -> np.ndarray:
        """(N, 64) in [−1, 1] -> (N, 8, 8) in [0, 1] for display."""
        return np.clip((np.asarray(x) + 1) / 2, 0, 1).reshape(-1, 8, 8)

    def _fig_forward(self, t: int) -> go.Figure:
        sched = self.schedule()
        ab = float(sched.alpha_bar[t])
        g = generator(self.config.seed + 8)
        x0 = torch.as_tensor(self.x_test[: (N_SAMPLES_2D if self.config.is_2d else 8)])
        xt = dm.q_sample(x0, torch.full((len(x0),), t), torch.randn(x0.shape, generator=g), sched).numpy()
        title = f"x_t at t = {t}: √ᾱ_t = {np.sqrt(ab):.3f} (signal), √(1−ᾱ_t) = {np.sqrt(1 - ab):.3f} (noise)"
        if self.config.is_2d:
            return flow.scatter_strip(
                [("data x_0", {"data x_0": x0.numpy()}), (f"x_{t}", {f"x_t (t = {t})": xt})],
                title=title,
                ranges=self._ranges(),
                cell=420,
                colors={"data x_0": PALETTE[0], f"x_t (t = {t})": PALETTE[3]},
            )
        images = np.concatenate([self._img(x0.numpy()), self._img(xt)])
        titles = [f"x_0 #{i}" for i in range(8)] + [f"x_{t} #{i}" for i in range(8)]
        return image_grid(images, title=title, titles=titles, cols=8, colorbar_title="intensity (clipped to [0, 1])")

    def _fig_schedule(self, t: int) -> go.Figure:
        T = self.config.T
        fig = make_subplots(rows=1, cols=2, subplot_titles=("β_t: noise added at step t", "ᾱ_t: share of signal variance left"))
        ts = np.arange(1, T + 1)
        for i, kind in enumerate(dm.SCHEDULES):
            s = self.schedule() if kind == self.config.schedule else dm.make_schedule(kind, T)
            used = kind == self.config.schedule
            style = dict(color=PALETTE[i], dash=None if used else "dash", width=3 if used else 1.5)
            name = f"{kind}{' (in use)' if used else ''}"
            for col, key in ((1, "betas"), (2, "alpha_bar")):
                y = getattr(s, key).numpy()[1:]
                fig.add_trace(
                    go.Scatter(x=ts, y=y, name=name, legendgroup=kind, showlegend=col == 1, line=style,
                               hovertemplate=f"{name}<br>t = %{{x}}<br>{'β_t' if col == 1 else 'ᾱ_t'} = %{{y:.4g}}<extra></extra>"),
                    1, col,
                )  # fmt: skip
        for col in (1, 2):
            fig.add_vline(x=t, line=dict(color="#888", dash="dot"), row=1, col=col)
            fig.update_xaxes(title="diffusion step t", row=1, col=col)
        fig.update_yaxes(title="β_t", type="log", row=1, col=1)
        fig.update_yaxes(title="ᾱ_t", range=[0, 1.02], row=1, col=2)
        ab = float(self.schedule().alpha_bar[t])
        return base_layout(fig, f"Schedules for T = {T}; at t = {t} the {self.config.schedule} schedule keeps ᾱ_t = {ab:.3f}", height=380,
                           legend=dict(orientation="h", y=-0.25))  # fmt: skip

    def _fig_reverse(self, reverse_t: int, idx: int, step: int) -> go.Figure:
        rev = self.reverse(idx)
        k = int(np.where(rev["ts"] == reverse_t)[0][0])  # position of the chosen step along the chain
        title = f"Reverse process at t = {reverse_t} ({k} of {self.config.T} denoising steps done), training step {step}"
        if self.config.is_2d:
            paths = np.transpose(rev["traj"][: k + 1, :N_TRAJ], (1, 0, 2))  # (K, k+1, 2)
            return flow.trajectory_figure(
                paths, rev["traj"][k], title=title, background={"data": self.x_test[:N_SAMPLES_2D]},
                current_name=f"samples at t = {reverse_t}", ranges=self._ranges(),
            )  # fmt: skip
        return image_grid(self._img(rev["traj"][k][:32]), title=title, cols=8, colorbar_title="intensity (clipped to [0, 1])", cell=90)

    def _fig_field(self, reverse_t: int, idx: int, step: int) -> go.Figure:
        t = max(reverse_t, 1)
        lim = self._ranges()[0][1]
        xs = np.linspace(-lim, lim, GRID)
        X, Y = np.meshgrid(xs, xs)
        grid = torch.as_tensor(np.stack([X.ravel(), Y.ravel()], 1), dtype=torch.float32)
        with torch.no_grad():
            eps = self.model_at(idx)(grid, torch.full((len(grid),), t)).numpy()
        score = -eps / np.sqrt(1 - float(self.schedule().alpha_bar[t]))
        U, V = score[:, 0].reshape(X.shape), score[:, 1].reshape(X.shape)
        eps_norm = np.linalg.norm(eps, axis=1).reshape(X.shape)
        rev = self.reverse(idx)
        k = int(np.where(rev["ts"] == reverse_t)[0][0])
        return flow.field_figure(
            (xs, xs), (U, V), title=f"Score −ε̂(x, t)/√(1−ᾱ_t) at t = {t}, training step {step}", magnitude_title="|ε̂| (predicted noise)",
            magnitude=eps_norm,
            points={f"samples at t = {reverse_t}": rev["traj"][k][:300]}, ranges=self._ranges(),
        )  # fmt: skip

    def _strip_steps(self) -> list[int]:
        T = self.config.T
        return sorted({int(round(T * f)) for f in (1.0, 0.75, 0.5, 0.3, 0.15, 0.05, 0.0)}, reverse=True)

    def _fig_strip(self, idx: int, step: int) -> go.Figure:
        rev = self.reverse(idx)
        picks = self._strip_steps()
        pos = [int(np.where(rev["ts"] == t)[0][0]) for t in picks]
        title = f"Reverse process at {len(picks)} steps (T = {self.config.T} → 0), training step {step}"
        if self.config.is_2d:
            panels = [(f"t = {t}", {"samples": rev["traj"][p]}) for t, p in zip(picks, pos)]
            return flow.scatter_strip(panels, title=title, ranges=self._ranges(), cols=len(picks), cell=230)
        rows = 6
        images = np.concatenate([self._img(rev["traj"][p][:rows]) for p in pos])  # grouped by step
        order = np.arange(len(images)).reshape(len(pos), rows).T.ravel()  # rows = samples, columns = steps
        titles = [f"t = {picks[i % len(picks)]}" if i < len(picks) else "" for i in range(len(images))]
        return image_grid(images[order], title=title, titles=titles, cols=len(picks), cell=90, colorbar_title="intensity (clipped)")

    def _fig_noise(self, t: int, idx: int, step: int) -> go.Figure:
        d = self.noise_check(t, idx)
        mse = float(((d["pred"] - d["noise"]) ** 2).mean())
        title = f"Noise prediction at t = {max(t, 1)}: MSE {mse:.3f} (predicting 0 scores 1), training step {step}"
        if self.config.is_2d:
            return flow.identity_scatter(d["noise"], d["pred"], title=title, x_title="true noise ε", y_title="predicted noise ε̂",
                                         names=["component 1", "component 2"])  # fmt: skip
        n = 6
        images = np.concatenate([self._img(d["x0"][:n]), self._img(d["xt"][:n]), d["noise"][:n].reshape(-1, 8, 8) / 3 + 0.5,
                                 d["pred"][:n].reshape(-1, 8, 8) / 3 + 0.5])  # fmt: skip
        titles = [f"{name} #{i}" for name in ("x_0", f"x_{t}", "true ε", "predicted ε̂") for i in range(n)]
        return image_grid(images, title=title, titles=titles, cols=n, cell=90, colorbar_title="value (ε shown as ε/3 + ½)")

    def _fig_loss_t(self, t: int, idx: int, step: int) -> go.Figure:
        loss = self.loss_per_t(idx)
        ts = np.arange(1, self.config.T + 1)
        fig = vc.curves(ts, {"held-out ‖ε − ε̂‖² / D": loss}, title=f"Denoising error per t, training step {step}",
                        x_title="diffusion step t", y_title="mean squared error", log_y=True)  # fmt: skip
        fig.add_hline(y=1.0, line=dict(color="#888", dash="dash"), annotation_text="predict ε̂ = 0")
        fig.add_vline(x=max(t, 1), line=dict(color="#888", dash="dot"))
        return fig

    def _fig_curves(self, marker_step: int) -> go.Figure:
        h = self.log.history
        q = self.quality_over_training()
        fig = make_subplots(rows=1, cols=2, subplot_titles=("denoising loss", "sample quality (DDIM, 20 steps)"), horizontal_spacing=0.12)
        for i, (key, name) in enumerate((("loss", "training loss"), ("heldout_loss", "held-out loss"))):
            fig.add_trace(go.Scatter(x=h["step"], y=h.get(key, np.full(len(h["step"]), np.nan)), name=name, line=dict(color=PALETTE[i]),
                                     hovertemplate=f"{name}<br>step %{{x}}<br>%{{y:.4g}}<extra></extra>"), 1, 1)  # fmt: skip
        fig.add_trace(go.Scatter(x=q["step"], y=q["swd"], name="sliced Wasserstein to held-out data", mode="lines+markers",
                                 line=dict(color=PALETTE[2]), hovertemplate="step %{x}<br>SWD %{y:.4g}<extra></extra>"), 1, 2)  # fmt: skip
        for col in (1, 2):
            fig.update_xaxes(title="training step", row=1, col=col)
            fig.add_vline(x=marker_step, line=dict(color="#888", dash="dot"), row=1, col=col)
        fig.update_yaxes(title="‖ε − ε̂‖² / D", type="log", row=1, col=1)
        fig.update_yaxes(title="SWD (lower is better)", type="log", row=1, col=2)
        return base_layout(fig, "Loss and sample quality over training", height=380, legend=dict(orientation="h", y=-0.3))

    def _fig_samplers(self, sampler_steps: int, idx: int, step: int) -> go.Figure:
        s = self.sampler_sweep(idx)
        fig = vc.curves(s["steps"], {"DDPM (η = 1)": s["ddpm"], "DDIM (η = 0)": s["ddim"]}, title=f"Sample quality against reverse steps, training step {step}",
                        x_title="reverse steps", y_title="SWD to held-out data (lower is better)", log_x=True, log_y=True, markers=True)  # fmt: skip
        fig.add_hline(y=s["data"], line=dict(color=PALETTE[2], dash="dash"), annotation_text="training data itself")
        fig.add_hline(y=s["noise"], line=dict(color="#888", dash="dash"), annotation_text="pure noise")
        fig.add_vline(x=sampler_steps, line=dict(color="#888", dash="dot"))
        return fig

    def _fig_sampler_samples(self, sampler_steps: int, idx: int, step: int) -> go.Figure:
        ddpm = self._sample(idx, steps=sampler_steps, eta=1.0).numpy()
        ddim = self._sample(idx, steps=sampler_steps, eta=0.0).numpy()
        ref = torch.as_tensor(self.x_test)
        q = [dm.sliced_wasserstein(torch.as_tensor(a), ref) for a in (ddpm, ddim)]
        title = f"{sampler_steps} reverse steps, training step {step}: SWD DDPM {q[0]:.3f}, DDIM {q[1]:.3f}"
        if self.config.is_2d:
            bg = self.x_test[:N_SAMPLES_2D]
            return flow.scatter_strip(
                [("DDPM (η = 1)", {"data": bg, "samples": ddpm}), ("DDIM (η = 0)", {"data": bg, "samples": ddim})],
                title=title, ranges=self._ranges(), cell=420, colors={"data": flow.GREY, "samples": PALETTE[0]},
            )  # fmt: skip
        images = np.concatenate([self._img(ddpm[:8]), self._img(ddim[:8])])
        titles = [f"DDPM #{i}" for i in range(8)] + [f"DDIM #{i}" for i in range(8)]
        return image_grid(images, title=title, titles=titles, cols=8, cell=90, colorbar_title="intensity (clipped)")
