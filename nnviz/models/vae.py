"""A VAE on 8x8 digits: MLP encoder to a diagonal Gaussian, the reparameterisation trick, MLP decoder.

Our own (a few lines): the lab shows μ, σ, ε and z = μ + σ·ε one by one, which a library VAE hides.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn


@dataclass
class VAEOutput:
    mu: torch.Tensor  # (B, latent)
    logvar: torch.Tensor  # (B, latent): log σ²
    eps: torch.Tensor  # (B, latent): the standard normal draw
    z: torch.Tensor  # (B, latent) = mu + exp(logvar / 2) * eps
    logits: torch.Tensor  # (B, 64): Bernoulli logits of each pixel


def reparameterize(mu: torch.Tensor, logvar: torch.Tensor, eps: torch.Tensor) -> torch.Tensor:
    """z = μ + σ ⊙ ε: the sample is a differentiable function of μ and σ; the randomness sits in ε."""
    return mu + torch.exp(0.5 * logvar) * eps


def kl_to_standard_normal(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """KL(N(μ, σ²) ‖ N(0, 1)) summed over latent dimensions: ½ Σ (μ² + σ² − 1 − log σ²). (B,)"""
    return 0.5 * (mu**2 + logvar.exp() - 1 - logvar).sum(-1)


def kl_monte_carlo(mu: torch.Tensor, logvar: torch.Tensor, samples: int, generator: torch.Generator | None = None) -> torch.Tensor:
    """The same KL estimated as E_q[log q(z) − log p(z)] from `samples` draws of z. (B,)"""
    std = torch.exp(0.5 * logvar)
    eps = torch.randn((samples, *mu.shape), generator=generator, dtype=mu.dtype)
    z = mu + std * eps  # (S, B, latent)
    log_q = (-0.5 * eps**2 - torch.log(std) - 0.5 * math.log(2 * math.pi)).sum(-1)
    log_p = (-0.5 * z**2 - 0.5 * math.log(2 * math.pi)).sum(-1)
    return (log_q - log_p).mean(0)


class VAE(nn.Module):
    def __init__(self, data_dim: int = 64, hidden: int = 256, latent: int = 2):
        super().__init__()
        self.latent = latent
        self.enc = nn.Sequential(nn.Linear(data_dim, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU())
        self.mu = nn.Linear(hidden, latent)
        self.logvar = nn.Linear(hidden, latent)
        self.dec = nn.Sequential(nn.Linear(latent, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU(), nn.Linear(hidden, data_dim))

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h = self.enc(x)  # (B, hidden)
        return self.mu(h), self.logvar(h).clamp(-12, 8)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        return self.dec(z)  # (B, 64) logits

    def forward(self, x: torch.Tensor, eps: torch.Tensor | None = None) -> VAEOutput:
        mu, logvar = self.encode(x)
        eps = torch.randn_like(mu) if eps is None else eps
        z = reparameterize(mu, logvar, eps)
        return VAEOutput(mu, logvar, eps, z, self.decode(z))


def reconstruction_nats(logits: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """−log p(x | z) under independent Bernoulli pixels (x in [0, 1]), summed over pixels. (B,)"""
    return F.binary_cross_entropy_with_logits(logits, x, reduction="none").sum(-1)


def n_params(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())
