"""Spiking networks: leaky integrate-and-fire neurons trained with a surrogate gradient.

Our own small layer rather than snntorch: snntorch is not installed here (adding it would be a new
dependency for ~40 lines), and writing the neuron out keeps every piece the page draws in plain
sight: the membrane update, the threshold, the reset and the surrogate derivative.

Discrete-time LIF neuron, one step:
    U[t] = β U[t-1] + I[t] - θ S[t-1]          (subtractive reset; or U ← 0 after a spike)
    S[t] = H(U[t] - θ)                          (a spike when the membrane reaches threshold)
H has zero gradient almost everywhere; backward uses the fast-sigmoid surrogate
    dS/dU ≈ 1 / (k |U - θ| + 1)²                (Zenke & Ganguli's SuperSpike).
"""

from __future__ import annotations

import math

import torch
from torch import nn


class SurrogateSpike(torch.autograd.Function):
    """Heaviside forward, fast-sigmoid derivative backward."""

    @staticmethod
    def forward(ctx, x: torch.Tensor, slope: float) -> torch.Tensor:
        ctx.save_for_backward(x)
        ctx.slope = slope
        return (x >= 0).to(x.dtype)

    @staticmethod
    def backward(ctx, grad: torch.Tensor):
        (x,) = ctx.saved_tensors
        return grad / (ctx.slope * x.abs() + 1.0) ** 2, None


def spike(x: torch.Tensor, slope: float = 25.0) -> torch.Tensor:
    return SurrogateSpike.apply(x, slope)


def lif_trace(current, beta: float, threshold: float, reset: str = "zero"):
    """One neuron driven by current (T,): membrane potential (T,) before reset, spikes (T,)."""
    current = torch.as_tensor(current, dtype=torch.float64)
    u = torch.zeros((), dtype=torch.float64)
    mem, spikes = [], []
    for i in current:
        u = beta * u + i
        s = float(u >= threshold)
        mem.append(float(u))
        spikes.append(s)
        if s:
            u = u - threshold if reset == "subtract" else torch.zeros_like(u)
    return torch.tensor(mem), torch.tensor(spikes)


def lif_period(current: float, beta: float, threshold: float) -> float:
    """Steps between spikes for a constant current, zero reset: the smallest n with
    I (1 - βⁿ) / (1 - β) ≥ θ, i.e. n = ⌈ln(1 - θ(1 - β)/I) / ln β⌉; inf if the membrane never gets there."""
    if beta >= 1.0:
        return math.ceil(threshold / current) if current > 0 else math.inf
    ceiling = current / (1 - beta)  # where the membrane would settle without spiking
    if ceiling < threshold:
        return math.inf
    return max(1, math.ceil(math.log(1 - threshold * (1 - beta) / current) / math.log(beta)))


class LIFLayer(nn.Module):
    """Linear synapses into LIF neurons, run over time. Input (T, B, in) spikes -> (T, B, out) spikes."""

    def __init__(self, n_in: int, n_out: int, beta: float = 0.9, threshold: float = 1.0, slope: float = 25.0):
        super().__init__()
        self.fc = nn.Linear(n_in, n_out)
        self.beta, self.threshold, self.slope = beta, threshold, slope

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        mem = torch.zeros(x.shape[1], self.fc.out_features, device=x.device)  # (B, out)
        s = torch.zeros_like(mem)
        spikes, mems = [], []
        for xt in x:  # (B, in) at each step
            mem = self.beta * mem + self.fc(xt) - self.threshold * s.detach()  # subtractive reset
            s = spike(mem - self.threshold, self.slope)
            spikes.append(s)
            mems.append(mem)
        return torch.stack(spikes), torch.stack(mems)  # (T, B, out) each


class SpikingMLP(nn.Module):
    """in -> LIF hidden -> LIF output; the class is the output neuron that spikes most."""

    def __init__(self, n_in: int = 64, hidden: int = 64, n_out: int = 10, beta: float = 0.9, threshold: float = 1.0, slope: float = 25.0):
        super().__init__()
        self.hidden = LIFLayer(n_in, hidden, beta, threshold, slope)
        self.out = LIFLayer(hidden, n_out, beta, threshold, slope)

    def forward(self, x: torch.Tensor, return_internals: bool = False):
        h_spk, h_mem = self.hidden(x)  # (T, B, hidden)
        o_spk, o_mem = self.out(h_spk)  # (T, B, out)
        counts = o_spk.sum(0)  # (B, out): spike counts are the logits
        if return_internals:
            return counts, {"hidden_spikes": h_spk, "hidden_mem": h_mem, "out_spikes": o_spk, "out_mem": o_mem}
        return counts


def rate_code(images: torch.Tensor, steps: int, generator: torch.Generator | None = None) -> torch.Tensor:
    """Poisson-style rate code: pixel intensity p in [0, 1] -> a spike with probability p at each step. (T, B, pixels)."""
    p = images.flatten(1).clamp(0, 1)  # (B, pixels)
    u = torch.rand((steps, *p.shape), generator=generator, device=p.device if generator is None else generator.device)
    return (u.to(p.device) < p).to(p.dtype)


def synops(layer_inputs: list[torch.Tensor], fan_out: list[int]) -> torch.Tensor:
    """Synaptic operations per sample: every input spike triggers one accumulate per outgoing synapse."""
    return sum(x.sum(dim=(0, 2)) * f for x, f in zip(layer_inputs, fan_out))  # (B,)


def ann_macs(widths: tuple[int, ...]) -> int:
    """Multiply-accumulates of the same network run once as an ANN."""
    return sum(a * b for a, b in zip(widths[:-1], widths[1:]))
