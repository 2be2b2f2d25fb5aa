"""Capsule network with dynamic routing (Sabour, Frosst & Hinton 2017), sized for 8x8 digits.

Written out rather than taken from a package: the routing loop *is* what the page shows, so every
iteration's coupling coefficients are returned. Pieces, top-down:

    squash(s) = |s|² / (1 + |s|²) · s / |s|           length in [0, 1): a probability
    û_{j|i}   = W_ij u_i                               each primary capsule's vote for each digit capsule
    c_ij      = softmax_j(b_ij)                        coupling: sums to 1 over the parent capsules j
    v_j       = squash(Σ_i c_ij û_{j|i})
    b_ij     += û_{j|i} · v_j                          agreement raises the coupling
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F


def squash(s: torch.Tensor, dim: int = -1, eps: float = 1e-8) -> torch.Tensor:
    n2 = (s**2).sum(dim, keepdim=True)
    return n2 / (1 + n2) * s / torch.sqrt(n2 + eps)


def dynamic_routing(u_hat: torch.Tensor, iterations: int) -> tuple[torch.Tensor, list[torch.Tensor]]:
    """u_hat (B, n_in, n_out, d) votes -> v (B, n_out, d) and the coupling c (B, n_in, n_out) of each iteration."""
    b = torch.zeros(u_hat.shape[:3], device=u_hat.device, dtype=u_hat.dtype)  # (B, n_in, n_out) routing logits
    couplings = []
    for r in range(iterations):
        c = torch.softmax(b, dim=2)  # over the parents j: each child splits its output among them
        couplings.append(c)
        s = (c.unsqueeze(-1) * u_hat).sum(1)  # (B, n_out, d)
        v = squash(s)
        if r < iterations - 1:
            b = b + (u_hat * v.unsqueeze(1)).sum(-1)  # agreement û·v, (B, n_in, n_out)
    return v, couplings


class CapsNet(nn.Module):
    """conv -> primary capsules (2x2 positions x `maps` capsules of dim 4) -> 10 digit capsules -> decoder."""

    def __init__(
        self, n_classes: int = 10, conv_channels: int = 16, maps: int = 8, primary_dim: int = 4, caps_dim: int = 8, iterations: int = 3
    ):
        super().__init__()
        self.maps, self.primary_dim, self.caps_dim, self.iterations = maps, primary_dim, caps_dim, iterations
        self.conv = nn.Conv2d(1, conv_channels, 3)  # 8x8 -> 6x6
        self.primary = nn.Conv2d(conv_channels, maps * primary_dim, 3, stride=2)  # 6x6 -> 2x2
        self.n_primary = maps * 4
        self.W = nn.Parameter(0.5 * torch.randn(self.n_primary, n_classes, caps_dim, primary_dim))  # (n_in, n_out, d, p)
        self.decoder = nn.Sequential(
            nn.Linear(n_classes * caps_dim, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 64), nn.Sigmoid()
        )

    def primary_capsules(self, x: torch.Tensor) -> torch.Tensor:
        h = F.relu(self.conv(x.unsqueeze(1)))  # (B, C, 6, 6)
        p = self.primary(h)  # (B, maps * p, 2, 2)
        b = p.shape[0]
        u = p.view(b, self.maps, self.primary_dim, 2, 2).permute(0, 1, 3, 4, 2).reshape(b, self.n_primary, self.primary_dim)
        return squash(u)  # (B, n_primary, p)

    def forward(self, x: torch.Tensor, target: torch.Tensor | None = None):
        """x (B, 8, 8). Returns dict: lengths (B, 10), v (B, 10, d), couplings [ (B, n_in, 10) per iteration ], recon (B, 64)."""
        u = self.primary_capsules(x)
        u_hat = torch.einsum("jkdp,bjp->bjkd", self.W, u)  # (B, n_in, n_out, d) votes
        v, couplings = dynamic_routing(u_hat, self.iterations)
        lengths = v.norm(dim=-1)  # (B, n_out)
        label = lengths.argmax(-1) if target is None else target
        recon = self.decode(v, label)
        return {"lengths": lengths, "v": v, "couplings": couplings, "recon": recon, "primary": u}

    def decode(self, v: torch.Tensor, label: torch.Tensor) -> torch.Tensor:
        mask = F.one_hot(label, v.shape[1]).to(v.dtype).unsqueeze(-1)  # (B, n_out, 1): keep only one capsule
        return self.decoder((v * mask).flatten(1))  # (B, 64)

    def classifier_params(self) -> int:
        return sum(p.numel() for n, p in self.named_parameters() if not n.startswith("decoder"))


def margin_loss(lengths: torch.Tensor, target: torch.Tensor, m_pos: float = 0.9, m_neg: float = 0.1, lam: float = 0.5) -> torch.Tensor:
    t = F.one_hot(target, lengths.shape[1]).to(lengths.dtype)
    loss = t * F.relu(m_pos - lengths) ** 2 + lam * (1 - t) * F.relu(lengths - m_neg) ** 2
    return loss.sum(1).mean()


class SmallCNN(nn.Module):
    """The comparison: the same two convolutions, then a dense head of `hidden` units."""

    def __init__(self, n_classes: int = 10, conv_channels: int = 16, maps: int = 8, primary_dim: int = 4, hidden: int = 64):
        super().__init__()
        self.conv = nn.Conv2d(1, conv_channels, 3)
        self.conv2 = nn.Conv2d(conv_channels, maps * primary_dim, 3, stride=2)
        self.head = nn.Sequential(nn.Flatten(), nn.Linear(maps * primary_dim * 4, hidden), nn.ReLU(), nn.Linear(hidden, n_classes))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = F.relu(self.conv2(F.relu(self.conv(x.unsqueeze(1)))))
        return self.head(h)  # (B, classes)


def cnn_hidden_for(n_params: int, conv_channels: int = 16, maps: int = 8, primary_dim: int = 4, n_classes: int = 10) -> int:
    """Hidden width that gives SmallCNN about n_params parameters."""
    convs = (9 * conv_channels + conv_channels) + (conv_channels * 9 * maps * primary_dim + maps * primary_dim)
    flat = maps * primary_dim * 4
    return max(4, round((n_params - convs - n_classes) / (flat + 1 + n_classes)))
