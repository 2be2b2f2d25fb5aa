"""VAE lab: 8x8 digits squeezed through a 2-D Gaussian latent; reparameterisation, latent map, decoded manifold.

result = run(Config(beta=1.0))
result.summary()        # reconstruction and KL in nats, held-out ELBO
result.figures(a=0, b=5, snapshot=4)
"""

from __future__ import annotations

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
from nnviz.models import vae as vm
from nnviz.viz import curves as vc
from nnviz.viz.images import image_grid
from nnviz.viz.theme import PALETTE, base_layout

NAME = "vae"
N_EXAMPLES = 20  # held-out digits offered as interpolation ends (two of each class)
GRID = 12  # decoded manifold: GRID x GRID latent points
CLASS_COLORS = (*PALETTE[:7], "#882255", "#999999", "#44AA99")  # ten classes, colour-blind-safe first


@dataclass(frozen=True)
class Config(LabConfig):
    # 2-D latent: the latent map and the decoded manifold can be drawn directly
    latent: int = param(2, lo=1, hi=16, help="Latent dimensions (figures show the first two)", label="Latent dimensions", group="Model")
    # β = 1 is the plain VAE (the ELBO); larger trades reconstruction for a smoother latent
    beta: float = param(1.0, lo=0.0, hi=8.0, step=0.1, help="Weight of the KL term (β-VAE)", label="β (KL weight)", group="Model")
    # 256 hidden units: reconstructions are recognisable within the default budget
    hidden: int = param(256, lo=32, hi=1024, step=32, help="Hidden units of encoder and decoder", label="Hidden units", group="Model")
    # 3e-3 with Adam trains in a few hundred steps; 3 and above blows up
    lr: float = param(3e-3, lo=1e-4, hi=10.0, log=True, help="Adam learning rate", label="Learning rate", group="Training")
    # 600 steps of 128: about 1.5 s on two CPU cores
    steps: int = param(600, lo=20, hi=10000, step=20, help="Optimiser steps", group="Training")
    batch_size: int = param(128, lo=16, hi=1024, step=16, help="Digits per step", label="Batch size", group="Training")


PRESETS = {
    "2-D latent, β = 1 (default)": Config(),
    "β = 0: an autoencoder with noise": Config(beta=0.0),
    "β = 4: posterior collapse": Config(beta=4.0),
    "8-D latent": Config(latent=8),
    "Longer training": Config(steps=3000),
    "Learning rate too large (diverges)": Config(lr=10.0),
}


def build_model(config: Config) -> vm.VAE:
    return vm.VAE(64, config.hidden, config.latent)


def elbo_terms(model: vm.VAE, x: torch.Tensor, eps: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """(reconstruction nats, KL nats), each averaged over the batch."""
    out = model(x, eps)
    return vm.reconstruction_nats(out.logits, x).mean(), vm.kl_to_standard_normal(out.mu, out.logvar).mean()


# ----------------------------------------------------------------------------- training


def run(config: Config, progress=None) -> VAEResult:
    device = get_device()
    with seeded(config.seed):
        x_tr, y_tr, x_te, y_te = digits(seed=config.seed)
        x_train = torch.as_tensor(x_tr.reshape(len(x_tr), -1), device=device)
        x_test = torch.as_tensor(x_te.reshape(len(x_te), -1), device=device)
        g = generator(config.seed + 1, device)
        eps_test = torch.randn((len(x_test), config.latent), generator=generator(config.seed + 2)).to(device)
        model = build_model(config).to(device)

        def batch_fn(step):
            return x_train[torch.randint(0, len(x_train), (config.batch_size,), generator=g, device=device)]

        def loss_fn(model, x):
            eps = torch.randn((len(x), config.latent), generator=g, device=device)
            rec, kl = elbo_terms(model, x, eps)
            return rec + config.beta * kl, {"recon": rec, "kl": kl}

        def eval_fn(model):
            rec, kl = elbo_terms(model, x_test, eps_test)
            return {"test_recon": rec, "test_kl": kl, "test_elbo": -(rec + kl)}

        log = fit(
            model,
            torch.optim.Adam(model.parameters(), lr=config.lr),
            steps=config.steps,
            batch_fn=batch_fn,
            loss_fn=loss_fn,
            eval_fn=eval_fn,
            snapshot_fn=lambda model, step: state_arrays(model),
            snapshot_every=max(1, config.steps // 12),
            log_every=max(5, config.steps // 50),
            progress=progress,
            max_loss=64 * 20.0,  # 20 nats per pixel: far above the 44 nats of an all-grey guess for the image
        )
    pick = np.concatenate([np.where(y_te == c)[0][:2] for c in range(10)])
    return VAEResult(
        config=config,
        log=log,
        device=str(device),
        x_test=x_te.reshape(len(x_te), -1),
        y_test=y_te,
        examples=pick,
        params=vm.n_params(model),
    )


# ----------------------------------------------------------------------------- result


@dataclass(frozen=True)
class VAEResult(LabResult):
    x_test: np.ndarray = None  # (M, 64) held-out digits in [0, 1]
    y_test: np.ndarray = None  # (M,)
    examples: np.ndarray = None  # (N_EXAMPLES,) indices into the test set offered in the views
    params: int = 0

    FIGURES: ClassVar[dict[str, FigureInfo]] = {
        "latent": FigureInfo(
            "Latent space of held-out digits",
            "Each held-out digit's posterior mean μ(x), coloured by its class (the VAE never saw the labels). The "
            "circles are 1σ and 2σ of the prior N(0, I) the KL term pulls toward.",
        ),
        "manifold": FigureInfo(
            "Decoded manifold",
            "The decoder's output on a regular grid of latent points: walking across the plane morphs one digit into another.",
        ),
        "reparam": FigureInfo(
            "Reparameterisation, step by step",
            "For the first chosen digit: the encoder's μ and σ per latent dimension, then z = μ + σ·ε for a few draws ε ~ N(0, I), "
            "shown in the latent plane against the prior.",
        ),
        "reparam_decoded": FigureInfo(
            "What the decoder makes of each z",
            "The input digit, its reconstruction from μ, and the decoded images of the sampled z: the spread of σ is the "
            "spread of these images.",
        ),
        "interpolation": FigureInfo(
            "Interpolation between two digits",
            "The decoder along the straight line from μ(first digit) to μ(second digit) in latent space.",
        ),
        "reconstructions": FigureInfo("Reconstructions", "Held-out digits (top) and the decoder's output from their μ (bottom)."),
        "beta_sweep": FigureInfo(
            "The β trade-off",
            "Five runs that differ only in β: a larger KL weight buys a latent closer to the prior (lower KL) with worse reconstructions.",
        ),
        "curves": FigureInfo(
            "Reconstruction and KL over training",
            "The two parts of the loss: reconstruction −log p(x|z) and KL(q(z|x) ‖ p(z)) in nats per digit, on training "
            "batches and on held-out digits. The training objective is reconstruction + β·KL; the negative ELBO is the β = 1 sum.",
        ),
    }

    def summary(self) -> dict[str, float]:
        return {
            **super().summary(),
            "recon": self.log.last("test_recon"),
            "kl": self.log.last("test_kl"),
            "elbo": self.log.last("test_elbo"),
            "params": float(self.params),
        }

    def views(self) -> list[View]:
        labels = tuple(f"#{i}: a {self.y_test[j]}" for i, j in enumerate(self.examples))
        idx = tuple(range(len(self.examples)))
        return [
            View("a", "First digit", idx, 0, "Digit for the reparameterisation figures and the start of the interpolation", labels=labels),
            View("b", "Second digit", idx, 15, "End of the interpolation", labels=labels),
        ]

    # --- internals from saved weights (no retraining)

    def _index(self, snapshot: int | None) -> int:
        n = len(self.log.snapshots)
        return n - 1 if snapshot is None else int(np.clip(snapshot, 0, n - 1))

    def model_at(self, snapshot: int | None = None) -> vm.VAE:
        model = build_model(self.config)
        load_arrays(model, self.log.snapshots[self._index(snapshot)].data)
        return model.eval()

    def encoded(self, snapshot: int | None = None) -> dict:
        def compute():
            model = self.model_at(snapshot)
            with torch.no_grad():
                mu, logvar = model.encode(torch.as_tensor(self.x_test))
                recon = torch.sigmoid(model.decode(mu))
            return {"mu": mu.numpy(), "logvar": logvar.numpy(), "recon": recon.numpy()}

        return self.memo(("enc", self._index(snapshot)), compute)

    def decode(self, z: np.ndarray, snapshot: int | None = None) -> np.ndarray:
        """Decoder means (N, 8, 8) for latent points (N, latent)."""
        with torch.no_grad():
            return torch.sigmoid(self.model_at(snapshot).decode(torch.as_tensor(z, dtype=torch.float32))).numpy().reshape(-1, 8, 8)

    # --- figures

    def figures(self, a: int = 0, b: int = 15, snapshot: int | None = None) -> dict[str, go.Figure]:
        a = int(np.clip(a, 0, len(self.examples) - 1))
        b = int(np.clip(b, 0, len(self.examples) - 1))
        idx = self._index(snapshot)
        step = self.log.snapshots[idx].step
        return {
            "latent": self._fig_latent(idx, step, a, b),
            "manifold": self._fig_manifold(idx, step),
            "reparam": self._fig_reparam(idx, step, a),
            "reparam_decoded": self._fig_reparam_decoded(idx, step, a),
            "interpolation": self._fig_interp(idx, step, a, b),
            "reconstructions": self._fig_recon(idx, step),
            "curves": self._fig_curves(step),
        }

    def _lim(self, mu: np.ndarray) -> float:
        return float(max(3.0, np.percentile(np.abs(mu[:, : min(2, mu.shape[1])]), 99) * 1.15))

    def _z2(self, mu: np.ndarray) -> np.ndarray:
        """The first two latent dimensions (a 1-D latent is drawn against 0)."""
        return mu[:, :2] if mu.shape[1] >= 2 else np.concatenate([mu, np.zeros_like(mu)], 1)

    def _prior_circles(self, fig: go.Figure) -> None:
        theta = np.linspace(0, 2 * np.pi, 100)
        for r, dash in ((1, "dash"), (2, "dot")):
            fig.add_trace(go.Scatter(x=r * np.cos(theta), y=r * np.sin(theta), mode="lines", name=f"prior {r}σ",
                                     line=dict(color="#666", dash=dash, width=1.2), hoverinfo="skip"))  # fmt: skip

    def _fig_latent(self, idx, step, a, b) -> go.Figure:
        enc = self.encoded(idx)
        z = self._z2(enc["mu"])
        fig = go.Figure()
        for c in range(10):
            m = self.y_test == c
            fig.add_trace(
                go.Scattergl(x=z[m, 0], y=z[m, 1], mode="markers", name=f"digit {c}",
                             marker=dict(size=6, color=CLASS_COLORS[c], line=dict(width=0.4, color="white")),
                             hovertemplate=f"digit {c}<br>μ₁ %{{x:.3f}}<br>μ₂ %{{y:.3f}}<extra></extra>")
            )  # fmt: skip
        self._prior_circles(fig)
        ends = z[self.examples[[a, b]]]
        fig.add_trace(go.Scatter(x=ends[:, 0], y=ends[:, 1], mode="lines+markers+text", name="interpolation path",
                                 text=["first", "second"], textposition="top center", marker=dict(size=12, symbol="star", color="#111"),
                                 line=dict(color="#111", width=2), hovertemplate="%{text}<br>μ₁ %{x:.3f}<br>μ₂ %{y:.3f}<extra></extra>"))  # fmt: skip
        lim = self._lim(enc["mu"])
        extra = f" (dims 1-2 of {self.config.latent})" if self.config.latent > 2 else ""
        fig.update_xaxes(title="latent z₁ (posterior mean μ₁)", range=[-lim, lim], constrain="domain")
        fig.update_yaxes(title="latent z₂ (posterior mean μ₂)", range=[-lim, lim], scaleanchor="x", scaleratio=1)
        return base_layout(
            fig, f"Held-out digits in latent space{extra}, step {step}", height=560, legend=dict(orientation="v", x=1.02, y=1)
        )

    def _fig_manifold(self, idx, step) -> go.Figure:
        lim = 2.5
        vals = np.linspace(-lim, lim, GRID)
        zz = np.zeros((GRID * GRID, self.config.latent))
        Z1, Z2 = np.meshgrid(vals, vals[::-1])  # top row = largest z₂
        zz[:, 0] = Z1.ravel()
        if self.config.latent > 1:
            zz[:, 1] = Z2.ravel()
        imgs = self.decode(zz, idx).reshape(GRID, GRID, 8, 8)
        mosaic = imgs.transpose(0, 2, 1, 3).reshape(GRID * 8, GRID * 8)
        coords = np.linspace(-lim, lim, GRID * 8)
        fig = go.Figure(
            go.Heatmap(z=mosaic[::-1], x=coords, y=coords, colorscale="gray_r", zmin=0, zmax=1, colorbar=dict(title=dict(text="pixel intensity")),
                       hovertemplate="near z₁ %{x:.2f}, z₂ %{y:.2f}<br>intensity %{z:.2f}<extra></extra>")
        )  # fmt: skip
        fig.update_xaxes(title="latent z₁", constrain="domain")
        fig.update_yaxes(title="latent z₂", scaleanchor="x", scaleratio=1)
        extra = " (other dimensions at 0)" if self.config.latent > 2 else ""
        return base_layout(fig, f"Decoder on a {GRID}×{GRID} latent grid in [−{lim}, {lim}]²{extra}, step {step}", height=600)

    def _draws(self, a: int, n: int = 8) -> np.ndarray:
        return torch.randn((n, self.config.latent), generator=generator(self.config.seed + 10 + a)).numpy()

    def _fig_reparam(self, idx, step, a) -> go.Figure:
        enc = self.encoded(idx)
        j = self.examples[a]
        mu, sigma = enc["mu"][j], np.exp(0.5 * enc["logvar"][j])
        eps = self._draws(a)
        z = mu + sigma * eps
        dims = [f"z{k + 1}" for k in range(self.config.latent)]
        fig = make_subplots(rows=1, cols=2, column_widths=[0.42, 0.58], subplot_titles=("encoder output per dimension", "z = μ + σ·ε in the latent plane"),
                            horizontal_spacing=0.12)  # fmt: skip
        fig.add_trace(go.Bar(x=dims, y=mu, name="μ", marker_color=PALETTE[0], hovertemplate="%{x}: μ = %{y:.3f}<extra></extra>"), 1, 1)
        fig.add_trace(go.Bar(x=dims, y=sigma, name="σ", marker_color=PALETTE[1], hovertemplate="%{x}: σ = %{y:.3f}<extra></extra>"), 1, 1)
        theta = np.linspace(0, 2 * np.pi, 100)
        mu2, s2, z2 = self._z2(mu[None])[0], self._z2(sigma[None])[0], self._z2(z)
        for r, dash in ((1, "dash"), (2, "dot")):
            fig.add_trace(go.Scatter(x=r * np.cos(theta), y=r * np.sin(theta), mode="lines", name=f"prior {r}σ", line=dict(color="#666", dash=dash, width=1),
                                     hoverinfo="skip"), 1, 2)  # fmt: skip
        fig.add_trace(go.Scatter(x=mu2[0] + s2[0] * np.cos(theta), y=mu2[1] + s2[1] * np.sin(theta), mode="lines", name="posterior μ ± σ",
                                 line=dict(color=PALETTE[1], width=2), hoverinfo="skip"), 1, 2)  # fmt: skip
        fig.add_trace(go.Scatter(x=[mu2[0]], y=[mu2[1]], mode="markers", name="μ", marker=dict(size=12, color=PALETTE[0], symbol="diamond"),
                                 hovertemplate="μ = (%{x:.3f}, %{y:.3f})<extra></extra>"), 1, 2)  # fmt: skip
        fig.add_trace(go.Scatter(x=z2[:, 0], y=z2[:, 1], mode="markers+text", name="samples z", text=[str(i) for i in range(len(z2))],
                                 textposition="top center", marker=dict(size=8, color=PALETTE[3]),
                                 customdata=self._z2(eps), hovertemplate="z = (%{x:.3f}, %{y:.3f})<br>ε = (%{customdata[0]:.2f}, %{customdata[1]:.2f})<extra></extra>"),
                      1, 2)  # fmt: skip
        lim = max(2.5, float(np.abs(z2).max()) * 1.2, float(np.abs(mu2).max() + 2 * s2.max()))
        fig.update_xaxes(title="latent dimension", row=1, col=1)
        fig.update_yaxes(title="value", row=1, col=1)
        fig.update_xaxes(title="latent z₁", range=[-lim, lim], row=1, col=2)
        fig.update_yaxes(title="latent z₂", range=[-lim, lim], row=1, col=2)
        title = f"Digit #{a} (a {self.y_test[j]}), step {step}: σ₁ = {sigma[0]:.3f}" + (f", σ₂ = {sigma[1]:.3f}" if len(sigma) > 1 else "")
        return base_layout(fig, title, height=460, barmode="group", legend=dict(orientation="h", y=-0.2))

    def _fig_reparam_decoded(self, idx, step, a) -> go.Figure:
        enc = self.encoded(idx)
        j = self.examples[a]
        z = enc["mu"][j] + np.exp(0.5 * enc["logvar"][j]) * self._draws(a)
        images = np.concatenate([self.x_test[j].reshape(1, 8, 8), enc["recon"][j].reshape(1, 8, 8), self.decode(z, idx)])
        titles = ["input x", "decoded μ"] + [f"sample {i}" for i in range(len(z))]
        return image_grid(images, title=f"Input, its reconstruction and decoded samples z = μ + σ·ε, step {step}", titles=titles, cols=10,
                          cell=110, colorbar_title="pixel intensity")  # fmt: skip

    def _fig_interp(self, idx, step, a, b) -> go.Figure:
        enc = self.encoded(idx)
        ja, jb = self.examples[a], self.examples[b]
        w = np.linspace(0, 1, 10)[:, None]
        z = (1 - w) * enc["mu"][ja] + w * enc["mu"][jb]
        images = np.concatenate([self.x_test[ja].reshape(1, 8, 8), self.decode(z, idx), self.x_test[jb].reshape(1, 8, 8)])
        titles = [f"input #{a}"] + [f"w = {v:.2f}" for v in w[:, 0]] + [f"input #{b}"]
        return image_grid(images, title=f"From a {self.y_test[ja]} to a {self.y_test[jb]}: decoder of (1−w)·μ_a + w·μ_b, step {step}",
                          titles=titles, cols=12, cell=100, colorbar_title="pixel intensity")  # fmt: skip

    def _fig_recon(self, idx, step) -> go.Figure:
        enc = self.encoded(idx)
        pick = self.examples[::2]
        images = np.concatenate([self.x_test[pick].reshape(-1, 8, 8), enc["recon"][pick].reshape(-1, 8, 8)])
        titles = [f"input {self.y_test[j]}" for j in pick] + ["decoded"] * len(pick)
        return image_grid(images, title=f"Held-out digits and reconstructions, step {step}", titles=titles, cols=len(pick), cell=100,
                          colorbar_title="pixel intensity")  # fmt: skip

    def _fig_curves(self, marker_step: int) -> go.Figure:
        h = self.log.history

        get = self.log.series

        panels = {
            "reconstruction": {"train": get("recon"), "held-out": get("test_recon")},
            "KL": {"train KL": get("kl"), "held-out KL": get("test_kl")},
            "negative ELBO": {"held-out −ELBO": -get("test_elbo")},
        }
        return vc.training_curves(h["step"], panels, title=f"Reconstruction and KL over training (β = {self.config.beta:g})",
                                  y_titles={"reconstruction": "−log p(x|z) (nats / digit)", "KL": "KL (nats / digit)",
                                            "negative ELBO": "recon + KL (nats / digit)"}, marker_step=marker_step)  # fmt: skip


def beta_sweep(config: Config, betas=(0.0, 0.5, 1.0, 2.0, 4.0)) -> list[Config]:
    """Configs for a β comparison (each trains separately and is cached by the UI)."""
    return [config.replace(beta=b) for b in betas]


def beta_figure(results: list[VAEResult]) -> go.Figure:
    betas = [r.config.beta for r in results]
    return vc.curves(betas, {"reconstruction": [r.summary()["recon"] for r in results], "KL": [r.summary()["kl"] for r in results]},
                     title="Held-out reconstruction and KL against β", x_title="β (KL weight)", y_title="nats per digit", markers=True)  # fmt: skip
