"""A GAN on 2-D points: an MLP generator and an MLP discriminator, their losses written out.

Our own (a few lines): GAN libraries wrap the alternating updates that this lab is about.
The discriminator returns a logit; D(x) = sigmoid(logit) is its belief that x is real.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

LOSSES = ("non-saturating", "minimax", "least-squares")


def mlp(n_in: int, hidden: int, n_out: int, layers: int, act) -> nn.Sequential:
    mods: list[nn.Module] = [nn.Linear(n_in, hidden), act()]
    for _ in range(layers - 1):
        mods += [nn.Linear(hidden, hidden), act()]
    return nn.Sequential(*mods, nn.Linear(hidden, n_out))


class GAN(nn.Module):
    def __init__(self, z_dim: int = 2, hidden: int = 128, layers: int = 2, data_dim: int = 2, squash: bool = False):
        super().__init__()
        self.z_dim = z_dim
        self.G = mlp(z_dim, hidden, data_dim, layers, nn.ReLU)  # z (B, z_dim) -> x (B, data_dim)
        if squash:  # images: pixels in [0, 1]
            self.G.append(nn.Sigmoid())
        self.D = mlp(data_dim, hidden, 1, layers, lambda: nn.LeakyReLU(0.2))  # x (B, data_dim) -> logit (B, 1)

    def sample(self, n: int, generator: torch.Generator | None = None, device=None) -> torch.Tensor:
        return self.G(torch.randn((n, self.z_dim), generator=generator, device=device))


def d_loss(real_logit: torch.Tensor, fake_logit: torch.Tensor, kind: str) -> torch.Tensor:
    """The discriminator's loss: −log D(real) − log(1 − D(fake)); least-squares: (D−1)² + D²."""
    if kind == "least-squares":
        return 0.5 * ((torch.sigmoid(real_logit) - 1) ** 2).mean() + 0.5 * (torch.sigmoid(fake_logit) ** 2).mean()
    return F.binary_cross_entropy_with_logits(real_logit, torch.ones_like(real_logit)) + F.binary_cross_entropy_with_logits(
        fake_logit, torch.zeros_like(fake_logit)
    )


def g_loss(fake_logit: torch.Tensor, kind: str) -> torch.Tensor:
    """minimax: log(1 − D(G(z))) (saturates when D wins); non-saturating: −log D(G(z)); least-squares: (D − 1)²."""
    if kind == "minimax":
        return -F.binary_cross_entropy_with_logits(fake_logit, torch.zeros_like(fake_logit))  # = mean log(1 − D)
    if kind == "least-squares":
        return 0.5 * ((torch.sigmoid(fake_logit) - 1) ** 2).mean()
    return F.binary_cross_entropy_with_logits(fake_logit, torch.ones_like(fake_logit))


def mode_counts(samples: np.ndarray, centers: np.ndarray, radius: float, labels: np.ndarray | None = None, n_modes: int | None = None):
    """Assign each sample to its nearest reference point if it lies within `radius`.

    centers (K, D) with labels (K,) naming the mode of each (default: each centre is its own mode; for digits the
    references are training digits labelled by class). Returns (samples per mode (n_modes,), mode of each sample or −1)."""
    labels = np.arange(len(centers)) if labels is None else np.asarray(labels)
    n_modes = int(labels.max()) + 1 if n_modes is None else n_modes
    d = np.sqrt(np.maximum(((samples**2).sum(1)[:, None] - 2 * samples @ centers.T + (centers**2).sum(1)[None]), 0))  # (N, K)
    nearest = d.argmin(1)
    mode = np.where(d.min(1) < radius, labels[nearest], -1)
    return np.bincount(mode[mode >= 0], minlength=n_modes), mode


def modes_covered(samples: np.ndarray, centers: np.ndarray, radius: float, share: float = 0.25, labels=None, n_modes=None) -> int:
    """Modes that receive at least `share` of their fair share (N/K) of high-quality samples."""
    counts, _ = mode_counts(samples, centers, radius, labels, n_modes)
    return int((counts >= share * len(samples) / len(counts)).sum())


def n_params(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())
