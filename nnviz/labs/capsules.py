"""Capsule lab: dynamic routing on 8x8 digits, coupling coefficients per iteration, capsule lengths as
probabilities, reconstructions with one capsule dimension perturbed, and a CNN of the same size.

result = run(Config())
result.summary()        # CapsNet and CNN accuracy and parameters
result.figures(example=2, snapshot=4)
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np
import plotly.graph_objects as go
import torch

from nnviz.core.device import get_device
from nnviz.core.loop import fit, load_arrays, state_arrays
from nnviz.core.params import LabConfig, param
from nnviz.core.seed import generator, seeded
from nnviz.data.images import digits
from nnviz.labs.base import FigureInfo, LabResult, View
from nnviz.models.capsules import CapsNet, SmallCNN, cnn_hidden_for, margin_loss
from nnviz.viz import curves as vc
from nnviz.viz.heatmap import heatmap_grid
from nnviz.viz.mosaic import mosaic
from nnviz.viz.theme import PALETTE, base_layout

NAME = "capsules"
N_EXAMPLES = 8
PERTURB = (-0.5, -0.25, 0.0, 0.25, 0.5)


@dataclass(frozen=True)
class Config(LabConfig):
    # 3 iterations, as in the paper: enough for the couplings to move, cheap
    iterations: int = param(3, lo=1, hi=8, help="Dynamic-routing iterations", label="Routing iterations", group="Model")
    # 8-D digit capsules (the paper uses 16 for 28x28 MNIST; 8x8 digits need fewer)
    caps_dim: int = param(8, lo=2, hi=16, help="Dimensions of each digit capsule", label="Digit capsule dim", group="Model")
    # 0.01 × squared error over 64 pixels: the decoder shapes the capsules without dominating the margin loss
    recon_weight: float = param(
        0.01, lo=0.0, hi=0.5, step=0.005, help="Weight of the reconstruction loss", label="Reconstruction weight", group="Training"
    )
    # 3e-3 with Adam: ~93% in 150 steps; 10 is there to show divergence
    lr: float = param(
        3e-3, lo=1e-4, hi=10.0, log=True, help="Adam learning rate (CapsNet and CNN)", label="Learning rate", group="Training"
    )
    # 120 steps of 48 digits: about two seconds on two CPU cores for both networks
    steps: int = param(120, lo=20, hi=2000, step=10, help="Optimiser steps (CapsNet and CNN)", group="Training")
    batch_size: int = param(48, lo=8, hi=256, step=8, help="Images per step", label="Batch size", group="Training")


PRESETS = {
    "Digits, 3 routing iterations (default)": Config(),
    "One iteration (no routing, uniform coupling)": Config(iterations=1),
    "Six iterations: sharper coupling": Config(iterations=6),
    "No reconstruction loss": Config(recon_weight=0.0),
    "Longer training": Config(steps=400),
}


def build_model(config: Config) -> CapsNet:
    return CapsNet(caps_dim=config.caps_dim, iterations=config.iterations)


# ----------------------------------------------------------------------------- training


def run(config: Config, progress=None) -> CapsuleResult:
    device = get_device()
    with seeded(config.seed):
        gen = generator(config.seed + 1)
        x_tr, y_tr, x_te, y_te = digits(seed=config.seed)
        xt, yt = torch.as_tensor(x_tr, device=device), torch.as_tensor(y_tr, device=device)
        xe, ye = torch.as_tensor(x_te, device=device), torch.as_tensor(y_te, device=device)
        model = build_model(config).to(device)

        def batch_fn(step):
            idx = torch.randint(0, len(xt), (config.batch_size,), generator=gen).to(device)
            return xt[idx], yt[idx]

        def loss_fn(m, batch):
            x, y = batch
            out = m(x, y)
            margin = margin_loss(out["lengths"], y)
            recon = ((out["recon"] - x.flatten(1)) ** 2).sum(1).mean()
            return margin + config.recon_weight * recon, {"margin": margin, "recon": recon}

        def eval_fn(m):
            return {"test_acc": (m(xe)["lengths"].argmax(-1) == ye).float().mean()}

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
            max_loss=10.0 + 64 * config.recon_weight,  # margin loss ≤ 0.81 + 9·0.5·0.81; far above = blown up
        )

        # the comparison: a CNN with the same convolutions and about the same classifier parameters
        caps_params = model.classifier_params()
        hidden = cnn_hidden_for(caps_params)
        cnn = SmallCNN(hidden=hidden).to(device)
        cnn_log = fit(
            cnn,
            torch.optim.Adam(cnn.parameters(), lr=config.lr),
            steps=config.steps,
            batch_fn=batch_fn,
            loss_fn=lambda m, batch: (torch.nn.functional.cross_entropy(m(batch[0]), batch[1]), {}),
            eval_fn=lambda m: {"test_acc": (m(xe).argmax(-1) == ye).float().mean()},
            log_every=max(2, config.steps // 40),
            max_loss=10 * math.log(10),
        )
    return CapsuleResult(
        config=config,
        log=log,
        device=str(device),
        x_test=x_te,
        y_test=y_te,
        caps_params=caps_params,
        decoder_params=sum(p.numel() for p in model.decoder.parameters()),
        cnn_params=sum(p.numel() for p in cnn.parameters()),
        cnn_hidden=hidden,
        cnn_history={k: v.copy() for k, v in cnn_log.history.items()},
    )


# ----------------------------------------------------------------------------- result


@dataclass(frozen=True)
class CapsuleResult(LabResult):
    x_test: np.ndarray = None  # (N, 8, 8)
    y_test: np.ndarray = None
    caps_params: int = 0  # without the decoder
    decoder_params: int = 0
    cnn_params: int = 0
    cnn_hidden: int = 0
    cnn_history: dict = field(default_factory=dict)

    FIGURES: ClassVar[dict[str, FigureInfo]] = {
        "routing": FigureInfo(
            "Coupling coefficients per routing iteration",
            "Rows: the 32 primary capsules (8 capsule types at 2×2 positions); columns: the 10 digit capsules. Each row is a "
            "softmax, so it sums to 1. Iteration 1 is uniform (0.1); agreement between a vote and the parent's output shifts weight.",
        ),
        "lengths": FigureInfo(
            "Capsule lengths as class probabilities",
            "The length of each digit capsule's vector (squashed into [0, 1)) is the probability that the digit is present. "
            "Unlike a softmax the lengths need not sum to 1.",
        ),
        "perturb": FigureInfo(
            "Perturbing one capsule dimension",
            "The decoder redraws the digit from the winning capsule alone; each row adds −0.5 … +0.5 to one of its dimensions. "
            "Dimensions that change the drawing encode pose-like properties (thickness, slant, width).",
        ),
        "reconstructions": FigureInfo("Reconstructions", "Test digits (top) and what the decoder draws from the winning capsule (bottom)."),
        "vs_cnn": FigureInfo(
            "CapsNet vs a CNN of similar size",
            "Test accuracy during training for the capsule network and for a CNN with the same two convolutions and a dense head "
            "sized to the same number of classifier parameters (the CapsNet's decoder is not counted).",
        ),
        "curves": FigureInfo("Training curves", "Margin loss, reconstruction error and test accuracy of the capsule network."),
    }

    def summary(self) -> dict[str, float]:
        return {
            **super().summary(),
            "test_acc": self.log.last("test_acc"),
            "cnn_test_acc": float(self.cnn_history["test_acc"][-1]) if len(self.cnn_history.get("test_acc", [])) else float("nan"),
            "caps_params": float(self.caps_params),
            "cnn_params": float(self.cnn_params),
        }

    def views(self) -> list[View]:
        labels = tuple(f"#{i}: digit {self.y_test[i]}" for i in range(N_EXAMPLES))
        return [View("example", "Test image", tuple(range(N_EXAMPLES)), 0, "Which test digit to route and reconstruct", labels=labels)]

    # --- internals

    def _index(self, snapshot) -> int:
        n = len(self.log.snapshots)
        return n - 1 if snapshot is None else int(np.clip(snapshot, 0, n - 1))

    def model_at(self, snapshot=None) -> CapsNet:
        model = build_model(self.config)
        load_arrays(model, self.log.snapshots[self._index(snapshot)].data)
        return model.eval()

    def internals(self, snapshot=None) -> dict:
        def compute():
            model = self.model_at(snapshot)
            with torch.no_grad():
                out = model(torch.as_tensor(self.x_test[:N_EXAMPLES]))
                v, pred = out["v"], out["lengths"].argmax(-1)
                # perturbed reconstructions: (examples, dims, steps, 64)
                perturbed = []
                for k in range(N_EXAMPLES):
                    rows = []
                    for d in range(self.config.caps_dim):
                        vv = v[k : k + 1].repeat(len(PERTURB), 1, 1)
                        vv[:, pred[k], d] += torch.tensor(PERTURB)
                        rows.append(model.decode(vv, pred[k].repeat(len(PERTURB))).numpy())
                    perturbed.append(np.stack(rows))
            return {
                "lengths": out["lengths"].numpy(),  # (N, 10)
                "couplings": np.stack([c.numpy() for c in out["couplings"]], 1),  # (N, iterations, 32, 10)
                "recon": out["recon"].numpy().reshape(-1, 8, 8),
                "pred": pred.numpy(),
                "perturbed": np.stack(perturbed),
            }

        return self.memo(("internals", self._index(snapshot)), compute)

    # --- figures

    def figures(self, example: int = 0, snapshot: int | None = None) -> dict[str, go.Figure]:
        example = int(np.clip(example, 0, N_EXAMPLES - 1))
        inner = self.internals(snapshot)
        step = self.log.snapshots[self._index(snapshot)].step
        return {
            "routing": self._fig_routing(inner, example, step),
            "lengths": self._fig_lengths(inner, example, step),
            "perturb": self._fig_perturb(inner, example, step),
            "reconstructions": self._fig_recon(inner, step),
            "vs_cnn": self._fig_vs_cnn(step),
            "curves": self._fig_curves(step),
        }

    def _fig_routing(self, inner, example, step) -> go.Figure:
        c = inner["couplings"][example]  # (iterations, 32, 10)
        rows = [f"t{i // 4} ({(i % 4) // 2},{i % 2})" for i in range(c.shape[1])]
        fig = heatmap_grid(
            [[c[r] for r in range(c.shape[0])]],
            title=f"Coupling c_ij of test image #{example} (digit {self.y_test[example]}) per routing iteration, step {step}",
            row_titles=["coupling"],
            col_titles=[f"iteration {r + 1}" for r in range(c.shape[0])],
            x_title="digit capsule j",
            y_title="primary capsule i",
            y_labels=rows,
            colorbar_title="c_ij",
            zmin=0.0,
            zmax=float(max(0.2, c.max())),
            cell=420,
            hover="coupling",
        )
        # row labels once, on the left panel: primary capsule type t and its 2x2 position (row, col)
        fig.update_layout({f"yaxis{n}": dict(showticklabels=False) for n in range(2, c.shape[0] + 1)})
        return fig

    def _fig_lengths(self, inner, example, step) -> go.Figure:
        lengths = inner["lengths"][example]
        true = int(self.y_test[example])
        fig = go.Figure(
            go.Bar(
                x=[str(k) for k in range(10)], y=lengths, name="capsule length ‖v_j‖",
                marker_color=[PALETTE[2] if k == true else PALETTE[0] for k in range(10)], texttemplate="%{y:.2f}",
                hovertemplate="digit capsule %{x}<br>length %{y:.3f}<extra></extra>",
            )
        )  # fmt: skip
        fig.add_hline(y=0.9, line=dict(color="#888", dash="dot"), annotation_text="m⁺ = 0.9")
        fig.add_hline(y=0.1, line=dict(color="#888", dash="dot"), annotation_text="m⁻ = 0.1")
        fig.update_xaxes(title="digit capsule (class)")
        fig.update_yaxes(title="length ‖v_j‖ (probability)", range=[0, 1.05])
        title = f"Capsule lengths, test image #{example} (digit {true}, green), predicted {int(np.argmax(lengths))}, step {step}"
        return base_layout(fig, title, height=380, showlegend=True, legend=dict(orientation="h", y=-0.25))

    def _fig_perturb(self, inner, example, step) -> go.Figure:
        p = inner["perturbed"][example]  # (dims, steps, 64)
        dims, steps = p.shape[:2]
        return mosaic(
            p.reshape(dims, steps, 8, 8),
            title=f"Decoder output as one dimension of capsule {inner['pred'][example]} moves, test image #{example}, step {step}",
            x_title="value added to the dimension",
            y_title="capsule dimension",
            col_labels=[f"{v:+.3g}" for v in PERTURB],
            row_labels=[f"dim {d}" for d in range(dims)],
            colorbar_title="pixel intensity",
            cell=64,
        )

    def _fig_recon(self, inner, step) -> go.Figure:
        tiles = np.stack([self.x_test[:N_EXAMPLES], inner["recon"]])  # (2, N, 8, 8)
        return mosaic(
            tiles,
            title=f"Test digits and their reconstructions, step {step}",
            x_title="test image (true digit → predicted)",
            y_title="",
            col_labels=[f"#{k}: {self.y_test[k]} → {inner['pred'][k]}" for k in range(N_EXAMPLES)],
            row_labels=["input", "reconstruction"],
            colorbar_title="pixel intensity",
            cell=110,
        ).update_yaxes(title="image")

    def _fig_vs_cnn(self, step) -> go.Figure:
        h, c = self.log.history, self.cnn_history
        s = self.summary()
        caps = f"CapsNet ({self.caps_params} params + {self.decoder_params} decoder)"
        cnn = f"CNN ({self.cnn_params} params, hidden {self.cnn_hidden})"
        fig = vc.curves(
            {caps: h["step"], cnn: c.get("step", np.array([]))},
            {caps: h.get("test_acc", np.full(len(h["step"]), np.nan)), cnn: c.get("test_acc", np.array([]))},
            title=f"Test accuracy: CapsNet {s['test_acc']:.1%} vs CNN {s['cnn_test_acc']:.1%} at similar size",
            x_title="training step",
            y_title="test accuracy (fraction)",
            y_range=[0, 1.02],
        )
        fig.add_vline(x=step, line=dict(color="#888", dash="dot"))
        return fig

    def _fig_curves(self, step) -> go.Figure:
        h = self.log.history
        get = self.log.series
        return vc.training_curves(
            h["step"],
            {
                "margin loss": {"margin": get("margin")},
                "reconstruction": {"squared error (64 px)": get("recon")},
                "accuracy": {"test": get("test_acc")},
            },
            title="Training curves",
            y_titles={"margin loss": "margin loss", "reconstruction": "sum of squared errors", "accuracy": "accuracy (fraction)"},
            marker_step=step,
        )
