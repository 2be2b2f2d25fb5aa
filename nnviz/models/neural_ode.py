"""Neural ODEs with torchdiffeq: dz/dt = f_θ(t, z), solved by an adaptive (or fixed-step) solver.

The vector field f_θ is a small MLP that counts its own evaluations (NFE), so the page can show
how much work the solver does as training shapes the field. Gradients come either by
back-propagating through the solver's steps (direct) or by solving the adjoint ODE backwards
(torchdiffeq.odeint_adjoint: memory independent of the number of steps, more evaluations).
"""

from __future__ import annotations

import torch
from torch import nn
from torchdiffeq import odeint, odeint_adjoint

METHODS = ("dopri5", "bosh3", "rk4", "euler")
ADAPTIVE = ("dopri5", "bosh3")


class VectorField(nn.Module):
    """f_θ(t, z): R^d -> R^d, an MLP with tanh; t enters as an extra input when time_dependent."""

    def __init__(self, dim: int, hidden: int = 32, time_dependent: bool = False):
        super().__init__()
        self.time_dependent = time_dependent
        self.net = nn.Sequential(
            nn.Linear(dim + int(time_dependent), hidden), nn.Tanh(), nn.Linear(hidden, hidden), nn.Tanh(), nn.Linear(hidden, dim)
        )
        self.nfe = 0  # function evaluations since the last reset (forward and adjoint solves alike)

    def forward(self, t: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
        self.nfe += 1
        if self.time_dependent:
            z = torch.cat([z, t.expand(*z.shape[:-1], 1)], -1)  # (..., d + 1)
        return self.net(z)  # (..., d)


class LinearField(nn.Module):
    """dz/dt = A z: the oracle case with a closed-form solution (used in tests)."""

    def __init__(self, a: torch.Tensor):
        super().__init__()
        self.a = nn.Parameter(a.clone())
        self.nfe = 0

    def forward(self, t, z):
        self.nfe += 1
        return z @ self.a.T


class SolverError(RuntimeError):
    """The adaptive solver gave up (step size underflow or too many steps): the field has blown up."""


MAX_STEPS = 2000  # an adaptive solve that needs more steps than this is treated as failed


def solve(
    func: nn.Module,
    z0: torch.Tensor,
    t: torch.Tensor,
    *,
    method: str = "dopri5",
    tol: float = 1e-3,
    adjoint: bool = False,
    step_size: float | None = None,
) -> torch.Tensor:
    """z(t) for every time in t: (T, *z0.shape). Adaptive methods use rtol = atol = tol."""
    if method in ADAPTIVE:
        options = {"max_num_steps": MAX_STEPS}
    else:
        options = {"step_size": step_size} if step_size else None
    kw = dict(rtol=tol, atol=tol, method=method, options=options)
    try:
        if adjoint:
            return odeint_adjoint(func, z0, t, adjoint_params=tuple(func.parameters()), adjoint_options=options, **kw)
        return odeint(func, z0, t, **kw)
    except AssertionError as err:  # torchdiffeq signals underflow / max_num_steps with assert
        raise SolverError(f"the ODE solver gave up: {err}") from None


class ODEClassifier(nn.Module):
    """Continuous-depth classifier: pad x with `augment` zeros, flow it for t in [0, 1], read out linearly."""

    def __init__(self, dim: int = 2, n_classes: int = 2, hidden: int = 32, augment: int = 0):
        super().__init__()
        self.augment = augment
        self.field = VectorField(dim + augment, hidden, time_dependent=True)
        self.readout = nn.Linear(dim + augment, n_classes)

    def lift(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([x, x.new_zeros(x.shape[0], self.augment)], -1) if self.augment else x  # (B, d + a)

    def forward(self, x: torch.Tensor, t: torch.Tensor, return_path: bool = False, **solver):
        path = solve(self.field, self.lift(x), t, **solver)  # (T, B, d + a)
        logits = self.readout(path[-1])  # (B, classes)
        return (logits, path) if return_path else logits
