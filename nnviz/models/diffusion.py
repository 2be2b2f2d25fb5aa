"""DDPM / DDIM written out step by step: noise schedules, the forward process, a small denoiser.

Our own, not a library's: diffusers' schedulers hide the per-step quantities (ᾱ_t, the posterior
variance, the predicted x_0) that the page exists to show, and a 2-D / 64-D denoiser is a few lines.

Notation (Ho et al. 2020): β_t the noise added at step t (t = 1..T), α_t = 1 − β_t,
ᾱ_t = Π_{s≤t} α_s.  Forward: q(x_t | x_0) = N(√ᾱ_t x_0, (1 − ᾱ_t) I).
The denoiser ε_θ(x_t, t) predicts the noise; the score is −ε_θ / √(1 − ᾱ_t).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import nn

SCHEDULES = ("linear", "cosine")


# ----------------------------------------------------------------------------- schedules


def linear_betas(T: int, beta_1: float | None = None, beta_T: float | None = None) -> torch.Tensor:
    """β_t evenly spaced from β_1 to β_T (Ho et al.: 1e-4 to 0.02 for T=1000, scaled by 1000/T for shorter chains)."""
    scale = 1000.0 / T
    b1 = scale * 1e-4 if beta_1 is None else beta_1
    bT = min(scale * 0.02, 0.999) if beta_T is None else beta_T
    return torch.linspace(b1, bT, T, dtype=torch.float64)


def cosine_alpha_bar(T: int, s: float = 0.008) -> torch.Tensor:
    """ᾱ_t = f(t) / f(0), f(t) = cos²(π/2 · (t/T + s) / (1 + s)) for t = 0..T (Nichol & Dhariwal 2021). (T+1,)"""
    t = torch.arange(T + 1, dtype=torch.float64)
    f = torch.cos((t / T + s) / (1 + s) * math.pi / 2) ** 2
    return f / f[0]


def cosine_betas(T: int, s: float = 0.008, max_beta: float = 0.999) -> torch.Tensor:
    """β_t = 1 − ᾱ_t / ᾱ_{t−1}, clipped at max_beta so the last step stays finite."""
    ab = cosine_alpha_bar(T, s)
    return (1 - ab[1:] / ab[:-1]).clamp(max=max_beta)


@dataclass(frozen=True)
class Schedule:
    """Every per-step quantity, index t = 0..T (index 0 is the clean data: β_0 = 0, ᾱ_0 = 1)."""

    betas: torch.Tensor  # (T+1,)
    alphas: torch.Tensor  # (T+1,)
    alpha_bar: torch.Tensor  # (T+1,)

    @property
    def T(self) -> int:
        return len(self.betas) - 1

    def posterior_variance(self) -> torch.Tensor:
        """β̃_t = (1 − ᾱ_{t−1}) / (1 − ᾱ_t) · β_t, the variance of q(x_{t−1} | x_t, x_0). (T+1,), 0 at t=0."""
        ab_prev = torch.cat([self.alpha_bar[:1], self.alpha_bar[:-1]])
        out = (1 - ab_prev) / (1 - self.alpha_bar).clamp(min=1e-12) * self.betas
        out[0] = 0.0
        return out


def make_schedule(kind: str, T: int) -> Schedule:
    if kind == "linear":
        betas = linear_betas(T)
    elif kind == "cosine":
        betas = cosine_betas(T)
    else:
        raise ValueError(f"unknown schedule {kind!r}; schedules: {', '.join(SCHEDULES)}")
    betas = torch.cat([torch.zeros(1, dtype=torch.float64), betas])
    alphas = 1 - betas
    return Schedule(betas=betas, alphas=alphas, alpha_bar=torch.cumprod(alphas, 0))


# ----------------------------------------------------------------------------- forward process


def _bcast(values: torch.Tensor, t: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    """values[t] shaped (B, 1, ..., 1) to broadcast against like (B, ...)."""
    v = values.to(like.device)[t].to(like.dtype)
    return v.view(-1, *([1] * (like.dim() - 1)))


def q_sample(x0: torch.Tensor, t: torch.Tensor, noise: torch.Tensor, sched: Schedule) -> torch.Tensor:
    """Closed form: x_t = √ᾱ_t x_0 + √(1 − ᾱ_t) ε.  x0, noise (B, D); t (B,) ints in 0..T."""
    ab = _bcast(sched.alpha_bar, t, x0)
    return ab.sqrt() * x0 + (1 - ab).sqrt() * noise


def q_step(x_prev: torch.Tensor, t: int, noise: torch.Tensor, sched: Schedule) -> torch.Tensor:
    """One forward step: x_t = √(1 − β_t) x_{t−1} + √β_t ε."""
    b = float(sched.betas[t])
    return math.sqrt(1 - b) * x_prev + math.sqrt(b) * noise


# ----------------------------------------------------------------------------- denoiser


def time_embedding(t: torch.Tensor, T: int, dim: int) -> torch.Tensor:
    """Sinusoidal embedding of the step (Transformer style) on t/T. t (B,) -> (B, dim)."""
    half = dim // 2
    freqs = torch.exp(-math.log(1000.0) * torch.arange(half, device=t.device, dtype=torch.float32) / max(half - 1, 1))
    angles = (t.float() / T * 1000.0)[:, None] * freqs[None] / 10.0  # (B, half)
    return torch.cat([angles.sin(), angles.cos()], -1)


class Denoiser(nn.Module):
    """ε_θ(x_t, t): an MLP on [x_t, emb(t)] whose hidden layers also get the embedding added."""

    def __init__(self, dim: int, T: int, hidden: int = 128, layers: int = 3, emb: int = 32):
        super().__init__()
        self.T, self.emb = T, emb
        self.inp = nn.Linear(dim + emb, hidden)
        self.hidden = nn.ModuleList(nn.Linear(hidden, hidden) for _ in range(layers - 1))
        self.temb = nn.ModuleList(nn.Linear(emb, hidden) for _ in range(layers - 1))
        self.out = nn.Linear(hidden, dim)
        self.act = nn.SiLU()

    def forward(self, x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        e = time_embedding(t, self.T, self.emb)  # (B, emb)
        h = self.act(self.inp(torch.cat([x, e], -1)))  # (B, hidden)
        for lin, te in zip(self.hidden, self.temb):
            h = self.act(lin(h) + te(e))
        return self.out(h)  # (B, dim): the predicted noise ε̂


def loss_terms(model: Denoiser, x0: torch.Tensor, t: torch.Tensor, noise: torch.Tensor, sched: Schedule) -> torch.Tensor:
    """Per-example ‖ε − ε_θ(x_t, t)‖² / D (the 'simple' DDPM loss). (B,)"""
    xt = q_sample(x0, t, noise, sched)
    return ((model(xt, t) - noise) ** 2).mean(-1)


def n_params(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


# ----------------------------------------------------------------------------- reverse process


def timesteps(T: int, steps: int) -> list[int]:
    """The steps a sampler visits, from T down to 1, evenly spaced (DDIM's respacing)."""
    steps = max(1, min(steps, T))
    ts = torch.linspace(T, 1, steps).round().long().tolist()
    return sorted(set(ts), reverse=True)


@torch.no_grad()
def sample(
    model: Denoiser,
    sched: Schedule,
    x_T: torch.Tensor,
    *,
    steps: int | None = None,
    eta: float = 1.0,
    generator: torch.Generator | None = None,
    clip: float | None = None,
    return_all: bool = False,
):
    """Reverse process from x_T, generalised DDIM (Song et al. 2021):

        x̂_0 = (x_t − √(1−ᾱ_t) ε̂) / √ᾱ_t
        x_s = √ᾱ_s x̂_0 + √(1 − ᾱ_s − σ²) ε̂ + σ z,   σ = η √((1−ᾱ_s)/(1−ᾱ_t)) √(1 − ᾱ_t/ᾱ_s)

    s is the next visited step (s = t − 1 with all T steps). η = 1 is DDPM's ancestral sampler (σ² = β̃_t),
    η = 0 is the deterministic DDIM. clip bounds x̂_0 (digits live in [−1, 1]).
    Returns x_0, or (steps visited [T, ..., 0], trajectory (len, B, D), predicted noise per step) with return_all.
    """
    ts = timesteps(sched.T, steps or sched.T)
    ab = sched.alpha_bar.to(x_T.device)
    x = x_T
    traj, eps_all = [x.cpu()], []
    for i, t in enumerate(ts):
        s = ts[i + 1] if i + 1 < len(ts) else 0
        eps = model(x, torch.full((x.shape[0],), t, device=x.device, dtype=torch.long))
        a_t, a_s = ab[t].float(), ab[s].float()
        x0 = (x - (1 - a_t).sqrt() * eps) / a_t.sqrt()
        if clip is not None:
            x0 = x0.clamp(-clip, clip)
            eps = (x - a_t.sqrt() * x0) / (1 - a_t).sqrt()
        sigma = eta * ((1 - a_s) / (1 - a_t) * (1 - a_t / a_s)).clamp(min=0).sqrt()
        direction = (1 - a_s - sigma**2).clamp(min=0).sqrt() * eps
        z = torch.randn(x.shape, generator=generator, device=x.device) if s > 0 else torch.zeros_like(x)
        x = a_s.sqrt() * x0 + direction + sigma * z
        if return_all:
            traj.append(x.cpu())
            eps_all.append(eps.cpu())
    if return_all:
        return [*ts, 0], torch.stack(traj), torch.stack(eps_all)
    return x


def sigma_schedule(sched: Schedule, steps: int | None = None, eta: float = 1.0) -> torch.Tensor:
    """σ_t the sampler above uses at each visited step (for tests and the explain panel)."""
    ts = timesteps(sched.T, steps or sched.T)
    ab = sched.alpha_bar
    out = []
    for i, t in enumerate(ts):
        s = ts[i + 1] if i + 1 < len(ts) else 0
        out.append(eta * math.sqrt(max(0.0, float((1 - ab[s]) / (1 - ab[t]) * (1 - ab[t] / ab[s])))))
    return torch.tensor(out, dtype=torch.float64)


# ----------------------------------------------------------------------------- quality


def sliced_wasserstein(a: torch.Tensor, b: torch.Tensor, projections: int = 128, seed: int = 0) -> float:
    """Mean 1-D Wasserstein-1 distance between a (N, D) and b (M, D) over random unit directions."""
    g = torch.Generator().manual_seed(seed)
    d = torch.randn(a.shape[1], projections, generator=g, dtype=torch.float64)
    d = d / d.norm(dim=0, keepdim=True)
    pa = torch.sort(a.double().cpu() @ d, 0).values  # (N, P)
    pb = torch.sort(b.double().cpu() @ d, 0).values  # (M, P)
    q = torch.linspace(0, 1, max(len(a), len(b)), dtype=torch.float64)
    ia = (q * (len(a) - 1)).round().long()
    ib = (q * (len(b) - 1)).round().long()
    return float((pa[ia] - pb[ib]).abs().mean())


def nearest_distance(samples: torch.Tensor, data: torch.Tensor) -> torch.Tensor:
    """Distance from each sample to its nearest data point. (N,)"""
    return torch.cdist(samples.double().cpu(), data.double().cpu()).min(1).values
