"""GAN lab: a generator learns a ring of Gaussians against a discriminator, as GAN Lab shows it.

result = run(Config())
result.summary()        # modes covered, share of high-quality samples, both losses
result.figures(snapshot=5)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import plotly.graph_objects as go
import torch

from nnviz.core.device import get_device
from nnviz.core.loop import fit, load_arrays, state_arrays
from nnviz.core.params import ConfigError, LabConfig, param
from nnviz.core.seed import generator, seeded
from nnviz.data.images import digits
from nnviz.data.points import points, ring_centers
from nnviz.labs.base import FigureInfo, LabResult
from nnviz.models import gan as gm
from nnviz.viz import curves as vc
from nnviz.viz import flow
from nnviz.viz.images import image_grid
from nnviz.viz.theme import PALETTE, base_layout

NAME = "gan"
RADIUS = 2.0  # ring radius
N_REAL = 4000  # training points
N_EVAL = 1000  # generated points for the mode count (fixed z)
N_ARROWS = 60  # generated points that show the generator's gradient
PHASES = ("both", "D only", "G only")
DATASETS = ("ring", "digits")
MAX_LOSS = 100.0  # a loss of 100 nats means D(G(z)) = e^−100 or the like: the game has blown up


@dataclass(frozen=True)
class Config(LabConfig):
    # the ring: modes you can see and count; digits: a small generator on 8x8 images (modes = classes)
    data: str = param("ring", choices=DATASETS, help="2-D ring of Gaussians or sklearn's 8x8 digits", group="Data")
    # 8 modes: the classic mode-collapse benchmark (Metz et al., Srivastava et al.)
    modes: int = param(8, lo=3, hi=12, help="Gaussians on the ring", group="Data")
    # 0.1: tight enough that a mode is either hit or missed
    spread: float = param(0.1, lo=0.02, hi=0.4, step=0.01, help="Standard deviation of each Gaussian", group="Data")
    # the non-saturating loss is the one that trains; minimax is the one in the paper
    loss: str = param("non-saturating", choices=gm.LOSSES, help="Generator / discriminator objective", group="Model")
    # 2-D noise: the generator's map from noise to data can be drawn
    z_dim: int = param(2, lo=1, hi=16, help="Dimensions of the generator's input noise z", label="Noise dimensions", group="Model")
    # 128 x 2 layers for both nets: enough for 8 modes in a few hundred steps
    hidden: int = param(128, lo=16, hi=512, step=16, help="Hidden units of G and D", label="Hidden units", group="Model")
    layers: int = param(2, lo=1, hi=4, help="Hidden layers of G and D", group="Model")
    # one D step per G step is the common default; raise to see D win
    d_steps: int = param(1, lo=1, hi=10, help="Discriminator updates per round", label="D updates per round", group="Training")
    g_steps: int = param(1, lo=1, hi=10, help="Generator updates per round", label="G updates per round", group="Training")
    # 1e-3 with Adam(β1 = 0.5), DCGAN's recipe; 1 and above blows up
    lr: float = param(1e-3, lo=1e-5, hi=10.0, log=True, help="Adam learning rate of both nets", label="Learning rate", group="Training")
    # 600 rounds of 128: 6-8 of 8 modes over seeds, about 3.4 s on two idle CPU cores (the slowest default; GANs need rounds)
    steps: int = param(600, lo=20, hi=10000, step=20, help="Training rounds", group="Training")
    batch_size: int = param(128, lo=16, hi=1024, step=16, help="Real and fake points per update", label="Batch size", group="Training")
    # the last rounds can update one player only: watch D win, or G chase a frozen D
    last_phase: str = param(
        "both", choices=PHASES, help="Who is updated during the last rounds", label="Last rounds update", group="Training"
    )
    last_steps: int = param(200, lo=0, hi=5000, step=20, help="How many last rounds use that rule", label="Last rounds", group="Training")

    def validate(self) -> None:
        if self.last_phase != "both" and self.last_steps > self.steps:
            raise ConfigError(
                "last_steps", f"{self.last_steps} last rounds exceed the {self.steps} training rounds; allowed 0 to {self.steps}"
            )


PRESETS = {
    "Ring of 8, non-saturating (default)": Config(),
    "Minimax loss (the original paper's)": Config(loss="minimax"),
    "Least-squares GAN": Config(loss="least-squares"),
    "Then train D only: D wins": Config(last_phase="D only", last_steps=800, steps=1400),
    "Then train G only: G chases a frozen D": Config(last_phase="G only", last_steps=800, steps=1400),
    "5 D updates per G update": Config(d_steps=5),
    "Tiny networks": Config(hidden=16),
    "Digits 8x8 (small generator)": Config(data="digits", z_dim=16, hidden=256, steps=1500, lr=5e-4),
    "Learning rate too large (diverges)": Config(lr=10.0),
}


def build_model(config: Config) -> gm.GAN:
    if config.data == "digits":
        return gm.GAN(config.z_dim, config.hidden, config.layers, data_dim=64, squash=True)
    return gm.GAN(config.z_dim, config.hidden, config.layers)


def load_data(config: Config) -> dict:
    """Training data and what counts as a mode: ring centres within 3σ, or (digits) the class of the nearest
    training digit, if it is as close as 95% of held-out digits are to theirs."""
    if config.data == "ring":
        x, _ = points("ring", n=N_REAL, noise=config.spread, seed=config.seed, modes=config.modes, radius=RADIUS)
        centers = ring_centers(config.modes, RADIUS)
        return {"x": x, "centers": centers, "labels": np.arange(config.modes), "radius": 3 * config.spread, "n_modes": config.modes}
    x_tr, y_tr, x_te, _ = digits(seed=config.seed)
    x, xt = x_tr.reshape(len(x_tr), -1), x_te.reshape(len(x_te), -1)
    d = np.sqrt(((xt[:, None] - x[None]) ** 2).sum(-1)).min(1)
    return {"x": x, "centers": x, "labels": y_tr, "radius": float(np.percentile(d, 95)), "n_modes": 10}


def phase_at(config: Config, step: int) -> str:
    return config.last_phase if step > config.steps - config.last_steps else "both"


# ----------------------------------------------------------------------------- training


def run(config: Config, progress=None) -> GANResult:
    device = get_device()
    with seeded(config.seed):
        data = load_data(config)
        x_real = data["x"]
        real = torch.as_tensor(x_real, device=device)
        modes = dict(centers=data["centers"], radius=data["radius"], labels=data["labels"], n_modes=data["n_modes"])
        g = generator(config.seed + 1, device)
        model = build_model(config).to(device)
        z_eval = torch.randn((N_EVAL, config.z_dim), generator=generator(config.seed + 2)).to(device)
        betas = (0.5, 0.999)
        opt_d = torch.optim.Adam(model.D.parameters(), lr=config.lr, betas=betas)
        opt_g = torch.optim.Adam(model.G.parameters(), lr=config.lr, betas=betas)
        n = config.batch_size

        def batch_fn(step):
            return step

        def d_update():
            x = real[torch.randint(0, len(real), (n,), generator=g, device=device)]
            with torch.no_grad():
                fake = model.sample(n, g, device)
            loss = gm.d_loss(model.D(x), model.D(fake), config.loss)
            opt_d.zero_grad(set_to_none=True)
            loss.backward()
            opt_d.step()
            return loss

        def loss_fn(model, step):
            """Round: d_steps D updates here, then g_steps G losses; the loop applies the last one."""
            phase = phase_at(config, step)
            ld = d_update() if phase != "G only" else None
            for _ in range(config.d_steps - 1 if phase != "G only" else 0):
                ld = d_update()
            if ld is not None and not float(ld.detach()) < MAX_LOSS:  # D blew up (also NaN): hand its loss to the loop, which stops
                return ld.detach(), {"d_loss": ld.detach()}
            for _ in range(config.g_steps - 1 if phase != "D only" else 0):
                lg = gm.g_loss(model.D(model.sample(n, g, device)), config.loss)
                opt_g.zero_grad(set_to_none=True)
                lg.backward()
                opt_g.step()
            lg = gm.g_loss(model.D(model.sample(n, g, device)), config.loss)
            metrics = {"d_loss": ld.detach() if ld is not None else float("nan")}
            return lg, metrics

        def eval_fn(model):
            fake = model.G(z_eval)
            x = real[:N_EVAL]
            samples = fake.cpu().numpy()
            return {
                "D_real": torch.sigmoid(model.D(x)).mean(),
                "D_fake": torch.sigmoid(model.D(fake)).mean(),
                "modes": gm.modes_covered(samples, **modes),
                "quality": float((gm.mode_counts(samples, **modes)[1] >= 0).mean()),
            }

        # in a "D only" phase G's learning rate is held at 0: the loop still steps G's optimiser
        freeze_g = torch.optim.lr_scheduler.LambdaLR(opt_g, lambda s: 0.0 if phase_at(config, s + 1) == "D only" else 1.0)
        log = fit(
            model,
            opt_g,
            steps=config.steps,
            batch_fn=batch_fn,
            loss_fn=loss_fn,
            eval_fn=eval_fn,
            snapshot_fn=lambda model, step: state_arrays(model),
            snapshot_every=max(1, config.steps // 15),
            log_every=max(5, config.steps // 60),
            progress=progress,
            scheduler=freeze_g,
            max_loss=MAX_LOSS,
        )
        model.eval()
        with torch.no_grad():
            final = model.G(z_eval).cpu().numpy()
    counts, _ = gm.mode_counts(final, **modes)
    return GANResult(
        config=config,
        log=log,
        device=str(device),
        x_real=x_real[:1500],
        centers=data["centers"],
        center_labels=data["labels"],
        radius=data["radius"],
        n_modes=data["n_modes"],
        z_eval=z_eval.cpu().numpy(),
        params_g=gm.n_params(model.G),
        params_d=gm.n_params(model.D),
        modes=gm.modes_covered(final, **modes),
        quality=float(counts.sum() / len(final)),
    )


# ----------------------------------------------------------------------------- result


@dataclass(frozen=True)
class GANResult(LabResult):
    x_real: np.ndarray = None  # (1500, 2) real points (or (1500, 64) digits) for the figures
    centers: np.ndarray = None  # (K, D) reference points: ring centres, or training digits
    center_labels: np.ndarray = None  # (K,) the mode each reference point stands for
    radius: float = 0.3  # a sample within this distance of a reference point counts for its mode
    n_modes: int = 8
    z_eval: np.ndarray = None  # (N_EVAL, z_dim) fixed noise: the same z at every snapshot
    params_g: int = 0
    params_d: int = 0
    modes: int = 0
    quality: float = 0.0  # share of generated points within 3σ of some mode

    FIGURES: ClassVar[dict[str, FigureInfo]] = {
        "arena": FigureInfo(
            "Real, generated and the discriminator",
            "Background: the discriminator's D(x), its probability that a point is real. Grey: real data; blue: generated "
            "points from the same noise at every step; arrows: where the generator's gradient pushes them (up D's slope).",
        ),
        "curves": FigureInfo(
            "Losses, D's outputs and mode coverage",
            "Both losses; the mean D(real) and D(fake) (at equilibrium both approach ½); the number of modes that get at "
            "least a quarter of their fair share of samples within 3σ.",
        ),
        "modes": FigureInfo(
            "Samples per mode",
            "How many of 1000 generated points land within 3σ of each mode. Bars under the dashed line are missed modes: "
            "mode collapse made visible.",
        ),
        "evolution": FigureInfo("Generated points over training", "The same noise through the generator at evenly spaced training steps."),
        "samples": FigureInfo(
            "Generated digits",
            "32 digits from the same noise at every training step. Each is labelled with the class of its nearest training "
            "digit, or '?' when no training digit is as close as held-out digits usually are.",
        ),
        "latent": FigureInfo(
            "How G folds the noise plane",
            "A grid of noise vectors z (lines of constant z₁ and z₂) pushed through the generator: G stretches the plane "
            "onto the modes and squeezes the gaps between them. Only for 2-D noise.",
        ),
    }

    def summary(self) -> dict[str, float]:
        return {
            **super().summary(),
            "modes": float(self.modes),
            "quality": self.quality,
            "d_loss": self.log.last("d_loss"),
            "D_real": self.log.last("D_real"),
            "D_fake": self.log.last("D_fake"),
            "params": float(self.params_g + self.params_d),
        }

    def warning(self) -> str | None:
        msg = super().warning()
        if msg is None and self.modes < self.n_modes // 2:
            return (
                f"Mode collapse: the generator covers only {self.modes} of {self.n_modes} modes. "
                "The 'Samples per mode' figure shows which ones it dropped."
            )
        return msg

    # --- internals from saved weights (no retraining)

    def _index(self, snapshot: int | None) -> int:
        n = len(self.log.snapshots)
        return n - 1 if snapshot is None else int(np.clip(snapshot, 0, n - 1))

    def model_at(self, snapshot: int | None = None) -> gm.GAN:
        model = build_model(self.config)
        load_arrays(model, self.log.snapshots[self._index(snapshot)].data)
        return model.eval()

    def counts(self, samples: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return gm.mode_counts(samples, self.centers, self.radius, self.center_labels, self.n_modes)

    def covered(self, samples: np.ndarray) -> int:
        return gm.modes_covered(samples, self.centers, self.radius, labels=self.center_labels, n_modes=self.n_modes)

    def state(self, snapshot: int | None = None) -> dict:
        """Generated points, D on a grid, and G's gradient at a snapshot (digits: the generated images only)."""

        def compute():
            model = self.model_at(snapshot)
            z = torch.as_tensor(self.z_eval)
            if self.config.data == "digits":
                with torch.no_grad():
                    return {"fake": model.G(z).numpy()}
            xs = np.linspace(-3.2, 3.2, 81)
            X, Y = np.meshgrid(xs, xs)
            grid = torch.as_tensor(np.stack([X.ravel(), Y.ravel()], 1), dtype=torch.float32)
            with torch.no_grad():
                fake = model.G(z)
                d_grid = torch.sigmoid(model.D(grid)).reshape(X.shape).numpy()
            x = fake[:N_ARROWS].clone().requires_grad_(True)
            gm.g_loss(model.D(x), self.config.loss).backward()
            return {"fake": fake.numpy(), "grid": xs, "d": d_grid, "grad": -x.grad.numpy(), "arrow_from": x.detach().numpy()}

        return self.memo(("state", self._index(snapshot)), compute)

    # --- figures

    def figures(self, snapshot: int | None = None) -> dict[str, go.Figure]:
        idx = self._index(snapshot)
        step = self.log.snapshots[idx].step
        if self.config.data == "digits":
            return {
                "samples": self._fig_samples(idx, step),
                "curves": self._fig_curves(step),
                "modes": self._fig_modes(idx, step),
                "evolution": self._fig_digit_evolution(),
            }
        figs = {
            "arena": self._fig_arena(idx, step),
            "curves": self._fig_curves(step),
            "modes": self._fig_modes(idx, step),
            "evolution": self._fig_evolution(),
        }
        if self.config.z_dim == 2:
            figs["latent"] = self._fig_latent(idx, step)
        return figs

    def _fig_arena(self, idx: int, step: int) -> go.Figure:
        s = self.state(idx)
        covered = self.covered(s["fake"])
        phase = phase_at(self.config, step) if step else "both"
        fig = go.Figure()
        fig.add_trace(
            go.Heatmap(x=s["grid"], y=s["grid"], z=s["d"], zmin=0, zmax=1, colorscale="RdBu", opacity=0.6,
                       colorbar=dict(title=dict(text="D(x) = P(real)")),
                       hovertemplate="x₁ %{x:.2f}, x₂ %{y:.2f}<br>D(x) = %{z:.3f}<extra></extra>")
        )  # fmt: skip
        fig.add_trace(
            go.Scattergl(x=self.x_real[:, 0], y=self.x_real[:, 1], mode="markers", name="real data", marker=dict(size=4, color=flow.GREY),
                         hovertemplate="real<br>x₁ %{x:.3f}<br>x₂ %{y:.3f}<extra></extra>")
        )  # fmt: skip
        fake = s["fake"][:600]
        fig.add_trace(
            go.Scattergl(x=fake[:, 0], y=fake[:, 1], mode="markers", name="generated G(z)",
                         marker=dict(size=5, color=PALETTE[0], line=dict(width=0.4, color="white")),
                         hovertemplate="generated<br>x₁ %{x:.3f}<br>x₂ %{y:.3f}<extra></extra>")
        )  # fmt: skip
        grad = s["grad"]
        norm = np.linalg.norm(grad, axis=1, keepdims=True)
        unit = grad / np.where(norm > 0, norm, 1) * 0.35
        a = s["arrow_from"]
        fig.add_trace(
            flow.arrow_trace(a[:, 0], a[:, 1], unit[:, 0], unit[:, 1], name="G's gradient (direction)", color="#111", values=norm)
        )
        theta = np.linspace(0, 2 * np.pi, 40)
        cx, cy = [], []
        for c in self.centers:
            cx += [*(c[0] + self.radius * np.cos(theta)), None]
            cy += [*(c[1] + self.radius * np.sin(theta)), None]
        fig.add_trace(
            go.Scatter(x=cx, y=cy, mode="lines", name="mode (3σ circle)", line=dict(color=PALETTE[2], width=1.5), hoverinfo="skip")
        )
        fig.update_xaxes(title="x₁", range=[-3.2, 3.2], constrain="domain")
        fig.update_yaxes(title="x₂", range=[-3.2, 3.2], scaleanchor="x", scaleratio=1)
        title = f"Step {step} ({phase}): {covered} of {self.config.modes} modes covered"
        return base_layout(fig, title, height=560, legend=dict(orientation="h", y=-0.15))

    def _fig_curves(self, marker_step: int) -> go.Figure:
        h = self.log.history

        get = self.log.series

        panels = {
            "losses": {"D loss": get("d_loss"), "G loss": get("loss")},
            "discriminator output": {"mean D(real)": get("D_real"), "mean D(fake)": get("D_fake")},
            "modes covered": {"modes covered": get("modes")},
        }
        fig = vc.training_curves(
            h["step"], panels, title="Losses, D's outputs and mode coverage",
            y_titles={"losses": "loss (nats)", "discriminator output": "probability of real", "modes covered": f"modes (of {self.n_modes})"},
            marker_step=marker_step,
        )  # fmt: skip
        if self.config.last_phase != "both" and self.config.last_steps:
            start = self.config.steps - self.config.last_steps
            for col in (1, 2, 3):
                fig.add_vrect(x0=start, x1=self.config.steps, fillcolor="#888", opacity=0.12, line_width=0, row=1, col=col)
        fig.update_yaxes(range=[0, 1], row=1, col=2)
        fig.update_yaxes(range=[0, self.n_modes + 0.5], row=1, col=3)
        return fig

    def _fig_modes(self, idx: int, step: int) -> go.Figure:
        s = self.state(idx)
        counts, _ = self.counts(s["fake"])
        if self.config.data == "digits":
            angles = [f"digit {k}" for k in range(10)]
        else:
            angles = [f"mode {k} ({360 * k / self.config.modes:.0f}°)" for k in range(self.config.modes)]
        fig = vc.bars(angles, {"generated points within 3σ": counts}, title=f"Samples per mode at step {step} (of {len(s['fake'])})",
                      x_title="mode (angle on the ring)", y_title="generated points", text_fmt="d")  # fmt: skip
        fig.add_hline(
            y=0.25 * len(s["fake"]) / self.n_modes, line=dict(color=PALETTE[3], dash="dash"), annotation_text="covered above this"
        )
        fig.add_hline(y=len(s["fake"]) / self.n_modes, line=dict(color="#888", dash="dot"), annotation_text="fair share")
        return fig

    def _fig_evolution(self) -> go.Figure:
        snaps = self.log.snapshots
        picks = sorted(set(np.linspace(0, len(snaps) - 1, num=min(6, len(snaps))).round().astype(int)))
        panels = [(f"step {snaps[i].step}", {"real": self.x_real[:600], "generated": self.state(i)["fake"][:600]}) for i in picks]
        return flow.scatter_strip(panels, title="Generated points over training", ranges=[[-3.2, 3.2]] * 2, cols=len(picks), cell=250,
                                  colors={"real": flow.GREY, "generated": PALETTE[0]})  # fmt: skip

    def _fig_samples(self, idx: int, step: int) -> go.Figure:
        fake = self.state(idx)["fake"][:32]
        _, mode = self.counts(fake)
        titles = [str(m) if m >= 0 else "?" for m in mode]
        title = f"Generated digits at step {step}: {self.covered(self.state(idx)['fake'])} of 10 classes covered"
        return image_grid(fake.reshape(-1, 8, 8), title=title, titles=titles, cols=8, cell=100, colorbar_title="pixel intensity")

    def _fig_digit_evolution(self) -> go.Figure:
        snaps = self.log.snapshots
        picks = sorted(set(np.linspace(0, len(snaps) - 1, num=min(6, len(snaps))).round().astype(int)))
        images = np.concatenate([self.state(i)["fake"][:8].reshape(-1, 8, 8) for i in picks])
        titles = [f"step {snaps[i].step}" if k == 0 else "" for i in picks for k in range(8)]
        return image_grid(images, title="Generated digits over training (rows: training steps)", titles=titles, cols=8, cell=90,
                          colorbar_title="pixel intensity")  # fmt: skip

    def _fig_latent(self, idx: int, step: int) -> go.Figure:
        model = self.model_at(idx)
        zs = np.linspace(-2.5, 2.5, 15)
        fine = np.linspace(-2.5, 2.5, 120)
        fig = go.Figure()
        fig.add_trace(
            go.Scattergl(x=self.x_real[:, 0], y=self.x_real[:, 1], mode="markers", name="real data", marker=dict(size=3, color=flow.GREY),
                         hoverinfo="skip")
        )  # fmt: skip
        for j, (name, color) in enumerate((("lines of constant z₁", PALETTE[0]), ("lines of constant z₂", PALETTE[1]))):
            xs, ys, text = [], [], []
            for v in zs:
                z = np.stack([np.full_like(fine, v), fine], 1) if j == 0 else np.stack([fine, np.full_like(fine, v)], 1)
                with torch.no_grad():
                    out = model.G(torch.as_tensor(z, dtype=torch.float32)).numpy()
                xs += [*out[:, 0], None]
                ys += [*out[:, 1], None]
                text += [f"z = ({a:.2f}, {b:.2f})" for a, b in z] + [None]
            fig.add_trace(
                go.Scatter(x=xs, y=ys, mode="lines", name=name, line=dict(color=color, width=1), hovertext=text, hoverinfo="text")
            )
        fig.update_xaxes(title="x₁", range=[-3.2, 3.2], constrain="domain")
        fig.update_yaxes(title="x₂", range=[-3.2, 3.2], scaleanchor="x", scaleratio=1)
        return base_layout(
            fig, f"The noise grid z ∈ [−2.5, 2.5]² mapped by G at step {step}", height=520, legend=dict(orientation="h", y=-0.15)
        )
