"""Autoregressive models: PixelCNN's masked convolutions (types A and B) and WaveNet's dilated causal convolutions.

Our own: the point of the lab is the mask and the dilation pattern, so they are written out here
(a masked kernel is a Conv2d whose weight is multiplied by a fixed 0/1 mask on every call).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

# ----------------------------------------------------------------------------- PixelCNN


def pixel_mask(kind: str, k: int) -> torch.Tensor:
    """(k, k) raster-order mask: rows above the centre, and the centre row left of the centre; type B also the centre."""
    if kind not in ("A", "B"):
        raise ValueError(f"mask type must be 'A' or 'B', got {kind!r}")
    m = torch.zeros(k, k)
    c = k // 2
    m[:c] = 1
    m[c, :c] = 1
    if kind == "B":
        m[c, c] = 1
    return m


class MaskedConv2d(nn.Conv2d):
    """A same-padded convolution that sees only pixels before the centre in raster order (A), or also the centre (B)."""

    def __init__(self, c_in: int, c_out: int, k: int, kind: str):
        super().__init__(c_in, c_out, k, padding=k // 2)
        self.kind = kind
        self.register_buffer("mask", pixel_mask(kind, k)[None, None])  # (1, 1, k, k)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.conv2d(x, self.weight * self.mask, self.bias, padding=self.padding)


class PixelCNN(nn.Module):
    """Type-A masked conv, then type-B masked convs with ReLU, then 1x1 convs to one Bernoulli logit per pixel."""

    def __init__(self, channels: int = 32, layers: int = 4, kernel: int = 3, first_kernel: int | None = None):
        super().__init__()
        self.first = MaskedConv2d(1, channels, first_kernel or kernel, "A")
        self.blocks = nn.ModuleList(MaskedConv2d(channels, channels, kernel, "B") for _ in range(layers))
        self.head = nn.Sequential(nn.ReLU(), nn.Conv2d(channels, channels, 1), nn.ReLU(), nn.Conv2d(channels, 1, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x (B, 1, H, W) in {0, 1} -> logits (B, 1, H, W): logit of pixel i depends on pixels before i only."""
        h = self.first(x)
        for conv in self.blocks:
            h = conv(F.relu(h))
        return self.head(h)


@torch.no_grad()
def sample_pixels(model: PixelCNN, n: int, size: int = 8, generator: torch.Generator | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """Raster-order sampling, one pixel per forward pass.

    Returns (canvases (size*size + 1, n, size, size): the images after 0, 1, ... pixels,
             probabilities (size*size, n): p(x_i = 1 | x_<i) at each step)."""
    x = torch.zeros(n, 1, size, size)
    canvases, probs = [x[:, 0].clone()], []
    for i in range(size * size):
        r, c = divmod(i, size)
        p = torch.sigmoid(model(x)[:, 0, r, c])  # (n,)
        x[:, 0, r, c] = (torch.rand(n, generator=generator) < p).float()
        canvases.append(x[:, 0].clone())
        probs.append(p)
    return torch.stack(canvases), torch.stack(probs)


def dependency_map(model: nn.Module, size: int, row: int, col: int) -> torch.Tensor:
    """|∂ logit(row, col) / ∂ input| for every input pixel (size, size): non-zero exactly where the output can look."""
    x = torch.rand(1, 1, size, size, requires_grad=True)
    model(x)[0, 0, row, col].backward()
    return x.grad[0, 0].abs()


def bits_per_dim(logits: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """Mean −log₂ p(x_i | x_<i) over pixels and images."""
    return F.binary_cross_entropy_with_logits(logits, x) / torch.log(torch.tensor(2.0))


# ----------------------------------------------------------------------------- WaveNet


class CausalConv1d(nn.Conv1d):
    """Left-padded dilated convolution: output t sees inputs t, t − d, ..., t − (k−1)d only."""

    def __init__(self, c_in: int, c_out: int, k: int, dilation: int):
        super().__init__(c_in, c_out, k, dilation=dilation)
        self.left = (k - 1) * dilation

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return super().forward(F.pad(x, (self.left, 0)))  # (B, C, T) -> (B, C_out, T)


class WaveNet(nn.Module):
    """Stack of dilated causal convs with gated activations and residual connections; predicts x_{t+1} from x_≤t."""

    def __init__(self, channels: int = 32, dilations: tuple[int, ...] = (1, 2, 4, 8, 16), kernel: int = 2):
        super().__init__()
        self.dilations, self.kernel = dilations, kernel
        self.inp = CausalConv1d(1, channels, kernel, 1)
        self.filt = nn.ModuleList(CausalConv1d(channels, channels, kernel, d) for d in dilations)
        self.gate = nn.ModuleList(CausalConv1d(channels, channels, kernel, d) for d in dilations)
        self.out = nn.Sequential(nn.ReLU(), nn.Conv1d(channels, channels, 1), nn.ReLU(), nn.Conv1d(channels, 1, 1))

    def receptive_field(self) -> int:
        return 1 + (self.kernel - 1) * (1 + sum(self.dilations))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x (B, 1, T) -> prediction of the next value (B, 1, T)."""
        h = self.inp(x)
        for f, g in zip(self.filt, self.gate):
            h = h + torch.tanh(f(h)) * torch.sigmoid(g(h))  # gated unit, residual
        return self.out(h)


@torch.no_grad()
def generate_sequence(model: WaveNet, prime: torch.Tensor, steps: int) -> torch.Tensor:
    """Sample by sample: feed the sequence so far, append the prediction for the next step. prime (T0,) -> (T0 + steps,)"""
    seq = prime.clone()
    window = model.receptive_field()
    for _ in range(steps):
        ctx = seq[-window:][None, None]  # only the receptive field matters
        seq = torch.cat([seq, model(ctx)[0, 0, -1:]])
    return seq


def n_params(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())
