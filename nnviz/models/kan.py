"""Kolmogorov-Arnold network: every edge carries a learnable 1-D function, nodes only add.

Our own B-spline KAN layer instead of pykan: pykan is unmaintained, writes checkpoint files to
disk as it trains (``./model`` folders by default) and hides the spline pieces we want to draw
behind its plotting code. The layer here is the textbook construction (Liu et al. 2024):

    phi_ij(x) = w_ij · b(x) + sum_m c_ijm · B_m(x)        # base activation + B-spline
    y_j       = sum_i phi_ij(x_i)

with B_m the degree-k B-splines on a grid of G intervals (extended by k knots each side, so
there are G + k basis functions). The basis is computed with the Cox-de Boor recursion written
out (tested against scipy.interpolate.BSpline). Internals are exposed on purpose: per-edge
values for importance and pruning, the basis and coefficients for the control-point figure,
and grid refinement by least squares (grid extension).
"""

from __future__ import annotations

import torch
from torch import nn

ACTIVATIONS = ("silu", "tanh", "relu", "none")


def make_activation(name: str) -> nn.Module:
    return {"silu": nn.SiLU(), "tanh": nn.Tanh(), "relu": nn.ReLU(), "none": nn.Identity()}[name]


def uniform_grid(lo: torch.Tensor, hi: torch.Tensor, grid_size: int, spline_order: int) -> torch.Tensor:
    """(n_in, G + 2k + 1) knots: G equal intervals on [lo, hi] per input, k more on each side."""
    h = (hi - lo) / grid_size  # (n_in,)
    steps = torch.arange(-spline_order, grid_size + spline_order + 1, dtype=lo.dtype, device=lo.device)
    return lo[:, None] + h[:, None] * steps[None, :]


def b_spline_basis(x: torch.Tensor, grid: torch.Tensor, spline_order: int) -> torch.Tensor:
    """Cox-de Boor: x (B, n_in), grid (n_in, n_knots) -> (B, n_in, n_knots - k - 1) basis values.

    B_{m,0}(x) = 1 on [t_m, t_{m+1}), else 0
    B_{m,p}(x) = (x - t_m)/(t_{m+p} - t_m) B_{m,p-1}(x) + (t_{m+p+1} - x)/(t_{m+p+1} - t_{m+1}) B_{m+1,p-1}(x)
    """
    x = x.unsqueeze(-1)  # (B, n_in, 1)
    bases = ((x >= grid[:, :-1]) & (x < grid[:, 1:])).to(x.dtype)  # (B, n_in, n_knots - 1)
    for p in range(1, spline_order + 1):
        left = (x - grid[:, : -(p + 1)]) / (grid[:, p:-1] - grid[:, : -(p + 1)]) * bases[..., :-1]
        right = (grid[:, p + 1 :] - x) / (grid[:, p + 1 :] - grid[:, 1:-p]) * bases[..., 1:]
        bases = left + right  # (B, n_in, n_knots - 1 - p)
    return bases


class KANLayer(nn.Module):
    """n_in -> n_out with one learnable function per edge (n_out x n_in of them)."""

    def __init__(self, n_in: int, n_out: int, grid_size: int = 5, spline_order: int = 3, base_activation: str = "silu", noise: float = 0.1):
        super().__init__()
        self.n_in, self.n_out, self.grid_size, self.spline_order = n_in, n_out, grid_size, spline_order
        self.base_activation = base_activation
        self.act = make_activation(base_activation)
        lo, hi = -torch.ones(n_in), torch.ones(n_in)
        self.register_buffer("grid", uniform_grid(lo, hi, grid_size, spline_order))  # (n_in, G + 2k + 1)
        self.coef = nn.Parameter(noise * torch.randn(n_out, n_in, grid_size + spline_order) / grid_size**0.5)  # (out, in, G + k)
        bound = 1.0 / n_in**0.5
        w = torch.empty(n_out, n_in).uniform_(-bound, bound) if base_activation != "none" else torch.zeros(n_out, n_in)
        self.base_weight = nn.Parameter(w)  # (out, in)
        self.register_buffer("mask", torch.ones(n_out, n_in))  # (out, in): 0 = pruned edge

    def basis(self, x: torch.Tensor) -> torch.Tensor:
        return b_spline_basis(x, self.grid, self.spline_order)  # (B, in, G + k)

    def spline_part(self, x: torch.Tensor) -> torch.Tensor:
        return torch.einsum("bic,oic->boi", self.basis(x), self.coef)  # (B, out, in)

    def base_part(self, x: torch.Tensor) -> torch.Tensor:
        return self.act(x)[:, None, :] * self.base_weight  # (B, out, in)

    def edge_values(self, x: torch.Tensor) -> torch.Tensor:
        """phi_ij(x_i) for every edge: (B, out, in)."""
        return (self.base_part(x) + self.spline_part(x)) * self.mask

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.edge_values(x).sum(-1)  # (B, out)

    @torch.no_grad()
    def refit_grid(self, x: torch.Tensor, grid_size: int, margin: float = 0.01) -> None:
        """Grid extension: move to a uniform grid of `grid_size` intervals spanning the data x (B, in)
        and choose new coefficients by least squares so the spline part stays (nearly) the same."""
        target = self.spline_part(x).permute(2, 0, 1)  # (in, B, out)
        lo, hi = x.min(0).values, x.max(0).values
        pad = margin * (hi - lo) + 1e-3
        grid = uniform_grid(lo - pad, hi + pad, grid_size, self.spline_order)
        a = b_spline_basis(x, grid, self.spline_order).permute(1, 0, 2)  # (in, B, G' + k)
        # a small ridge keeps the solve well posed where few points fall in an interval
        reg = 1e-6 * torch.eye(a.shape[-1], dtype=a.dtype, device=a.device)
        coef = torch.linalg.solve(a.transpose(1, 2) @ a + reg, a.transpose(1, 2) @ target)  # (in, G' + k, out)
        self.grid = grid
        self.grid_size = grid_size
        self.coef = nn.Parameter(coef.permute(2, 0, 1).contiguous())  # (out, in, G' + k)

    def n_params(self) -> int:
        return self.coef.numel() + self.base_weight.numel()


class KAN(nn.Module):
    """A stack of KAN layers, widths e.g. (2, 5, 1)."""

    def __init__(self, widths: tuple[int, ...], grid_size: int = 5, spline_order: int = 3, base_activation: str = "silu"):
        super().__init__()
        self.widths = tuple(widths)
        self.layers = nn.ModuleList(
            KANLayer(a, b, grid_size, spline_order, base_activation) for a, b in zip(self.widths[:-1], self.widths[1:])
        )

    def forward(self, x: torch.Tensor, return_internals: bool = False):
        inputs, edges = [], []
        for layer in self.layers:
            inputs.append(x)  # (B, in)
            e = layer.edge_values(x)  # (B, out, in)
            edges.append(e)
            x = e.sum(-1)  # (B, out)
        if return_internals:
            return x, {"inputs": inputs, "edges": edges}
        return x

    @torch.no_grad()
    def refit_grids(self, x: torch.Tensor, grid_size: int) -> None:
        """Grid extension for every layer, each on the inputs it actually sees."""
        for layer in self.layers:
            h = layer(x)
            layer.refit_grid(x, grid_size)
            x = h

    @torch.no_grad()
    def importance(self, x: torch.Tensor) -> list[torch.Tensor]:
        """Per layer (out, in): mean |phi_ij| over the data (the L1 score of the KAN paper)."""
        _, inner = self.forward(x, return_internals=True)
        return [e.abs().mean(0) for e in inner["edges"]]

    def n_params(self) -> int:
        return sum(layer.n_params() for layer in self.layers)


class MLP(nn.Module):
    """The comparison baseline: widths e.g. (2, 33, 1), with SiLU between layers."""

    def __init__(self, widths: tuple[int, ...], activation: str = "silu"):
        super().__init__()
        layers: list[nn.Module] = []
        for i, (a, b) in enumerate(zip(widths[:-1], widths[1:])):
            layers.append(nn.Linear(a, b))
            if i < len(widths) - 2:
                layers.append(make_activation(activation if activation != "none" else "silu"))
        self.net = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


def kan_params(widths: tuple[int, ...], grid_size: int, spline_order: int) -> int:
    """(G + k) spline coefficients + 1 base weight per edge."""
    edges = sum(a * b for a, b in zip(widths[:-1], widths[1:]))
    return edges * (grid_size + spline_order + 1)


def mlp_hidden_for(n_params: int, n_in: int, n_out: int) -> int:
    """Hidden width of a one-hidden-layer MLP with about n_params parameters: h (n_in + n_out + 1) + n_out."""
    return max(1, round((n_params - n_out) / (n_in + n_out + 1)))


def mlp_params(n_in: int, hidden: int, n_out: int) -> int:
    return hidden * (n_in + n_out + 1) + n_out
