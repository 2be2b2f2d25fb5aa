"""Neural ODE lab: learn a 2-D spiral's dynamics, or classify moons by flowing the plane.

result = run(Config(task="moons"))
result.summary()        # accuracy / trajectory error, NFE, adjoint vs direct memory and time
result.figures(time=0.5, snapshot=4)
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np
import plotly.graph_objects as go
import torch
from plotly.subplots import make_subplots
from scipy.linalg import expm

from nnviz.core.device import get_device
from nnviz.core.loop import fit, load_arrays, state_arrays
from nnviz.core.params import ConfigError, LabConfig, param
from nnviz.core.seed import generator, seeded
from nnviz.data.points import points
from nnviz.labs.base import FigureInfo, LabResult, View
from nnviz.models.neural_ode import METHODS, ODEClassifier, SolverError, VectorField, solve
from nnviz.viz import curves as vc
from nnviz.viz.scatter import scatter2d
from nnviz.viz.theme import PALETTE, base_layout

NAME = "neural_ode"
TASKS = ("spiral", "moons")
SPIRAL_A = np.array([[-0.1, -1.0], [1.0, -0.1]], dtype=np.float64)  # dz/dt = A z: a slowly decaying spiral
SPIRAL_Z0 = np.array([2.0, 0.0])
SPIRAL_T = 10.0  # about 1.6 turns
N_TIMES = 101
SEGMENT = 10  # time points per training segment (length 0.9)
TIMES = (0.0, 0.25, 0.5, 0.75, 1.0)
HORIZONS = (1, 2, 4, 8)  # integration lengths, in units of the task's own horizon, for adjoint vs direct


@dataclass(frozen=True)
class Config(LabConfig):
    # the spiral is the classic demo: the learned field must reproduce a trajectory
    task: str = param("spiral", choices=TASKS, help="Learn the dynamics of a spiral, or classify two moons", group="Task")
    # dopri5: adaptive, so its number of function evaluations tells how hard the field is to follow
    method: str = param("dopri5", choices=METHODS, help="ODE solver (dopri5 and bosh3 adapt their step)", label="Solver", group="Solver")
    # 1e-3: loose enough for speed, tight enough that the trajectory is right to the eye
    tol: float = param(1e-3, lo=1e-6, hi=1e-1, log=True, help="rtol = atol of the adaptive solvers", label="Tolerance", group="Solver")
    # 0.1: ten steps per unit time for the fixed-step solvers
    step_size: float = param(0.1, lo=0.01, hi=1.0, log=True, help="Step of rk4 and euler", label="Fixed step size", group="Solver")
    # direct back-propagation is faster for these short solves; switch to see the adjoint's cost
    adjoint: bool = param(
        False, help="Train with the adjoint method (O(1) memory in the number of steps)", label="Adjoint gradients", group="Solver"
    )
    # 32 hidden units: a smooth field, a fast solve
    hidden: int = param(32, lo=8, hi=128, step=8, help="Width of the vector-field MLP", label="Hidden units", group="Model")
    # 0 extra dimensions: the flow stays in the plane you see (augmented ODEs add room to move)
    augment: int = param(
        0, lo=0, hi=4, help="Moons: extra zero dimensions the flow may use (augmented neural ODE)", label="Augmented dims", group="Model"
    )
    # 1e-2 with Adam; 10 is there to show divergence
    lr: float = param(1e-2, lo=1e-4, hi=10.0, log=True, help="Adam learning rate", label="Learning rate", group="Training")
    # 100 steps: the spiral is followed and the moons separated in about two seconds
    steps: int = param(100, lo=10, hi=2000, step=10, help="Optimiser steps", group="Training")
    # 16 segments of the spiral per step / 256 moon points per step
    batch_size: int = param(
        16, lo=4, hi=256, step=4, help="Spiral segments (or moons points ÷ 16) per step", label="Batch size", group="Training"
    )

    def validate(self) -> None:
        if self.augment and self.task != "moons":
            raise ConfigError("augment", "extra dimensions only apply to the moons classifier; set it to 0 for the spiral")


PRESETS = {
    "Spiral dynamics (default)": Config(),
    "Moons: continuous-depth classifier": Config(task="moons"),
    "Moons with 1 augmented dimension": Config(task="moons", augment=1),
    "Spiral, adjoint gradients": Config(adjoint=True),
    "Spiral, Euler with big steps": Config(method="euler", step_size=0.5),
    "Tight tolerance (more evaluations)": Config(tol=1e-5),
    "Learning rate too large (diverges)": Config(lr=10.0),
}


def solver_kw(config: Config) -> dict:
    return dict(method=config.method, tol=config.tol, step_size=config.step_size)


def spiral_truth() -> tuple[np.ndarray, np.ndarray]:
    """t (N_TIMES,) and the exact trajectory z(t) = expm(A t) z0, (N_TIMES, 2)."""
    t = np.linspace(0, SPIRAL_T, N_TIMES)
    z = np.stack([expm(SPIRAL_A * s) @ SPIRAL_Z0 for s in t])
    return t, z


def build_model(config: Config) -> torch.nn.Module:
    if config.task == "spiral":
        return VectorField(2, config.hidden)
    return ODEClassifier(2, 2, config.hidden, config.augment)


def field_of(model) -> VectorField:
    return model if isinstance(model, VectorField) else model.field


# ----------------------------------------------------------------------------- adjoint vs direct


def measure_gradients(model, config: Config, z0: torch.Tensor, base: float, loss_of) -> dict[str, np.ndarray]:
    """For each horizon h·base: wall time, bytes saved for backward, NFE (forward / backward) of one
    forward + backward pass, direct and adjoint; and how far apart their gradients are."""
    f = field_of(model)
    rows = {k: [] for k in ("horizon", "direct_ms", "adjoint_ms", "direct_kb", "adjoint_kb", "direct_nfe", "adjoint_nfe", "grad_diff")}
    for h in HORIZONS:
        t = torch.tensor([0.0, base * h], device=z0.device)
        grads = {}
        for mode in ("direct", "adjoint"):
            saved = [0]

            def pack(x, saved=saved):
                saved[0] += x.numel() * x.element_size()
                return x

            model.zero_grad(set_to_none=True)
            f.nfe = 0
            t0 = time.perf_counter()
            with torch.autograd.graph.saved_tensors_hooks(pack, lambda x: x):
                out = solve(f, z0, t, adjoint=mode == "adjoint", **solver_kw(config))[-1]
            loss = loss_of(out)
            loss.backward()
            elapsed = time.perf_counter() - t0
            rows[f"{mode}_ms"].append(1000 * elapsed)
            rows[f"{mode}_kb"].append(saved[0] / 1024)
            rows[f"{mode}_nfe"].append(f.nfe)
            grads[mode] = torch.cat([p.grad.flatten() for p in f.parameters() if p.grad is not None])
        diff = (grads["direct"] - grads["adjoint"]).norm() / grads["direct"].norm().clamp_min(1e-12)
        rows["horizon"].append(base * h)
        rows["grad_diff"].append(float(diff))
    model.zero_grad(set_to_none=True)
    return {k: np.array(v, dtype=float) for k, v in rows.items()}


# ----------------------------------------------------------------------------- training


def run(config: Config, progress=None) -> NeuralODEResult:
    device = get_device()
    kw = solver_kw(config)
    with seeded(config.seed):
        gen = generator(config.seed + 1)
        model = build_model(config).to(device)
        f = field_of(model)
        if config.task == "spiral":
            t_np, z_np = spiral_truth()
            t_all = torch.as_tensor(t_np, dtype=torch.float32, device=device)
            z_all = torch.as_tensor(z_np, dtype=torch.float32, device=device)
            x_train = y_train = x_test = y_test = None

            def batch_fn(step):
                s = torch.randint(0, N_TIMES - SEGMENT, (config.batch_size,), generator=gen).to(device)
                idx = s[None, :] + torch.arange(SEGMENT, device=device)[:, None]  # (SEGMENT, B)
                return z_all[s], z_all[idx]  # (B, 2), (SEGMENT, B, 2)

            def loss_fn(m, batch):
                z0, target = batch
                f.nfe = 0
                pred = solve(m, z0, t_all[:SEGMENT], adjoint=config.adjoint, **kw)  # (SEGMENT, B, 2)
                return (pred - target).abs().mean(), {"nfe_forward": f.nfe}

            def eval_fn(m):
                pred = solve(m, z_all[:1], t_all, **kw)[:, 0]
                return {"traj_error": (pred - z_all).norm(dim=-1).mean()}

            max_loss = 50.0
        else:
            x_np, y_np = points("moons", n=512, noise=0.1, seed=config.seed)
            x_train, y_train, x_test, y_test = x_np[:384], y_np[:384], x_np[384:], y_np[384:]
            xt, yt = torch.as_tensor(x_train, device=device), torch.as_tensor(y_train, device=device)
            xe, ye = torch.as_tensor(x_test, device=device), torch.as_tensor(y_test, device=device)
            t01 = torch.tensor([0.0, 1.0], device=device)
            n_batch = min(len(x_train), 16 * config.batch_size)

            def batch_fn(step):
                idx = torch.randperm(len(x_train), generator=gen)[:n_batch].to(device)
                return xt[idx], yt[idx]

            def loss_fn(m, batch):
                x, y = batch
                f.nfe = 0
                logits = m(x, t01, adjoint=config.adjoint, **kw)
                acc = (logits.argmax(-1) == y).float().mean()
                return torch.nn.functional.cross_entropy(logits, y), {"nfe_forward": f.nfe, "train_acc": acc}

            def eval_fn(m):
                return {"test_acc": (m(xe, t01, **kw).argmax(-1) == ye).float().mean()}

            max_loss = 10 * math.log(2)

        failures: list[str] = []

        def safe_loss(m, batch):
            try:
                return loss_fn(m, batch)
            except SolverError as err:  # a blown-up field: mark the run diverged instead of raising
                failures.append(str(err))
                return torch.tensor(float("inf")), {}

        def safe_eval(m):
            try:
                return eval_fn(m)
            except SolverError as err:
                failures.append(str(err))
                return {}

        log = fit(
            model,
            torch.optim.Adam(model.parameters(), lr=config.lr),
            steps=config.steps,
            batch_fn=batch_fn,
            loss_fn=safe_loss,
            eval_fn=safe_eval,
            snapshot_fn=lambda m, step: state_arrays(m),
            snapshot_every=max(1, config.steps // 10),
            log_every=max(2, config.steps // 50),
            progress=progress,
            max_loss=max_loss,
        )
        model.eval()
        if log.diverged or failures:
            grads = {}
        elif config.task == "spiral":
            z0 = z_all[torch.arange(0, N_TIMES - SEGMENT, 6, device=device)]  # 16 starting points
            grads = measure_gradients(model, config, z0, SPIRAL_T / 8, lambda out: out.pow(2).sum())
        else:
            grads = measure_gradients(
                model, config, model.lift(xe[:64]), 1.0, lambda out: torch.nn.functional.cross_entropy(model.readout(out), ye[:64])
            )
    return NeuralODEResult(
        config=config,
        log=log,
        device=str(device),
        x_train=x_train,
        y_train=y_train,
        x_test=x_test,
        y_test=y_test,
        grads=grads,
        solver_failure=failures[0] if failures else "",
    )


# ----------------------------------------------------------------------------- result


@dataclass(frozen=True)
class NeuralODEResult(LabResult):
    x_train: np.ndarray = None
    y_train: np.ndarray = None
    x_test: np.ndarray = None
    y_test: np.ndarray = None
    grads: dict = field(default_factory=dict)  # adjoint vs direct measurements
    solver_failure: str = ""  # why the solver gave up, when it did

    FIGURES: ClassVar[dict[str, FigureInfo]] = {
        "field": FigureInfo(
            "Learned vector field and trajectories",
            "Arrows show dz/dt = f_θ(z) (shading: speed |f|); lines are solutions of the ODE. For the spiral the dashed line is the "
            "true trajectory; for moons the lines carry each point from where it starts (t = 0) to where the linear read-out sees it (t = 1).",
        ),
        "flow": FigureInfo(
            "Flowing through time",
            "Spiral: both coordinates against time, learned vs true. Moons: the points at five moments of the flow, ending linearly separable.",
        ),
        "decision": FigureInfo(
            "Decision regions",
            "The classifier's probability of the orange class over the input plane, with the test points: the boundary is whatever "
            "curve the flow straightens into the read-out's line.",
        ),
        "nfe": FigureInfo(
            "Solver work over training",
            "Function evaluations (NFE) per forward solve, and the loss: an adaptive solver takes more steps as the learned field gets "
            "more intricate. Fixed-step solvers use the same number every time.",
        ),
        "adjoint": FigureInfo(
            "Adjoint vs direct back-propagation",
            "One forward + backward pass of the trained model over longer and longer integration times: bytes saved for the backward pass, "
            "wall time (noisy on a busy machine; memory and NFE are exact), and function evaluations. Direct back-prop stores every solver stage; the adjoint stores almost nothing but solves "
            "a second ODE backwards.",
        ),
        "curves": FigureInfo("Training curves", "Loss, and trajectory error (spiral) or accuracy (moons)."),
    }

    def warning(self) -> str | None:
        message = super().warning()
        if self.solver_failure:
            extra = f"The adaptive solver gave up ({self.solver_failure.split(': ', 1)[-1]}): the learned field became too steep to follow."
            message = f"{message} {extra}" if message else extra
        return message

    def summary(self) -> dict[str, float]:
        h = self.log.history
        out = {**super().summary(), "nfe_forward": self.log.last("nfe_forward")}
        if self.config.task == "spiral":
            out["traj_error"] = self.log.last("traj_error")
        else:
            out["test_acc"] = self.log.last("test_acc")
        if self.grads:
            out["direct_kb"] = float(self.grads["direct_kb"][-1])
            out["adjoint_kb"] = float(self.grads["adjoint_kb"][-1])
            out["grad_diff"] = float(self.grads["grad_diff"].max())
        out["nfe_first"] = float(h["nfe_forward"][0]) if "nfe_forward" in h and len(h["nfe_forward"]) else float("nan")
        return out

    def views(self) -> list[View]:
        if self.config.task != "moons":
            return []
        return [View("time", "Field at time t", TIMES, 0.5, "The moons field depends on time: which moment to draw it at")]

    # --- internals

    def _index(self, snapshot) -> int:
        n = len(self.log.snapshots)
        return n - 1 if snapshot is None else int(np.clip(snapshot, 0, n - 1))

    def model_at(self, snapshot=None):
        model = build_model(self.config)
        load_arrays(model, self.log.snapshots[self._index(snapshot)].data)
        return model.eval()

    def internals(self, snapshot=None) -> dict:
        return self.memo(("internals", self._index(snapshot)), lambda: self._compute(snapshot))

    def _compute(self, snapshot) -> dict:
        try:
            return self._compute_with(snapshot, solver_kw(self.config))
        except SolverError:  # a blown-up field at this snapshot: draw it with a fixed-step solver instead
            return self._compute_with(snapshot, dict(method="rk4", tol=self.config.tol, step_size=0.05))

    def _compute_with(self, snapshot, kw: dict) -> dict:
        model = self.model_at(snapshot)
        with torch.no_grad():
            if self.config.task == "spiral":
                t, truth = spiral_truth()
                tt = torch.as_tensor(t, dtype=torch.float32)
                starts = np.array([SPIRAL_Z0, [0.0, 1.0], [-1.0, -0.5], [1.2, 1.2]], dtype=np.float32)
                paths = solve(model, torch.as_tensor(starts), tt, **kw).numpy()  # (T, 4, 2)
                return {"t": t, "truth": truth, "paths": paths, "starts": starts}
            x = np.concatenate([self.x_train[:96], self.x_test[:32]])
            y = np.concatenate([self.y_train[:96], self.y_test[:32]])
            ts = torch.linspace(0, 1, 21)
            _, path = model(torch.as_tensor(x), ts, return_path=True, **kw)  # (21, N, d + a)
            g = np.linspace(-2.6, 2.6, 61, dtype=np.float32)
            xx, yy = np.meshgrid(g, g)
            grid = torch.as_tensor(np.stack([xx.ravel(), yy.ravel()], 1))
            prob = torch.softmax(model(grid, torch.tensor([0.0, 1.0]), **kw), -1)[:, 1].numpy().reshape(61, 61)
            w = model.readout.weight.numpy()
            return {
                "x": x,
                "y": y,
                "ts": ts.numpy(),
                "path": path.numpy(),
                "grid": g,
                "prob": prob,
                "readout": (w, model.readout.bias.numpy()),
            }

    def field_grid(self, snapshot=None, t: float = 0.0, lim: float = 2.6, n: int = 17):
        """Arrows of f_θ(t, z) on an n×n grid of the plane (extra augmented dimensions set to 0)."""

        def compute():
            f = field_of(self.model_at(snapshot))
            g = np.linspace(-lim, lim, n, dtype=np.float32)
            xx, yy = np.meshgrid(g, g)
            z = np.stack([xx.ravel(), yy.ravel()], 1)
            if self.config.augment:
                z = np.concatenate([z, np.zeros((len(z), self.config.augment), np.float32)], 1)
            with torch.no_grad():
                v = f(torch.tensor(t), torch.as_tensor(z)).numpy()[:, :2]
            return g, z[:, :2], v

        return self.memo(("field", self._index(snapshot), t, lim, n), compute)

    # --- figures

    def figures(self, time: float = 0.5, snapshot: int | None = None) -> dict[str, go.Figure]:
        inner = self.internals(snapshot)
        step = self.log.snapshots[self._index(snapshot)].step
        figs = {"field": self._fig_field(inner, snapshot, time, step), "flow": self._fig_flow(inner, step)}
        if self.config.task == "moons":
            figs["decision"] = self._fig_decision(inner, step)
        figs["nfe"] = self._fig_nfe(step)
        if self.grads:
            figs["adjoint"] = self._fig_adjoint()
        figs["curves"] = self._fig_curves(step)
        return figs

    def _arrows(self, fig, g, z, v, scale) -> None:
        speed = np.linalg.norm(v, axis=1)
        n = len(g)
        fig.add_trace(
            go.Heatmap(x=g, y=g, z=speed.reshape(n, n), colorscale="Greys", opacity=0.35, zsmooth="best", showscale=True,
                       colorbar=dict(title=dict(text="speed |f|"), x=1.02, len=0.8),
                       hovertemplate="z₁ %{x:.2f}, z₂ %{y:.2f}<br>|f| %{z:.3f}<extra></extra>")
        )  # fmt: skip
        u = v / (speed.max() + 1e-9) * scale
        xs, ys = [], []
        for (a, b), (du, dv) in zip(z, u):
            xs += [a, a + du, None]
            ys += [b, b + dv, None]
        fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", line=dict(color="#555", width=1.2), name="f_θ(z) (arrow)", hoverinfo="skip"))
        fig.add_trace(
            go.Scatter(x=z[:, 0] + u[:, 0], y=z[:, 1] + u[:, 1], mode="markers", marker=dict(size=3.5, color="#555"), showlegend=False,
                       customdata=v, hovertemplate="f = (%{customdata[0]:.3f}, %{customdata[1]:.3f})<extra></extra>")
        )  # fmt: skip

    def _fig_field(self, inner, snapshot, t, step) -> go.Figure:
        fig = go.Figure()
        if self.config.task == "spiral":
            g, z, v = self.field_grid(snapshot, 0.0, 2.6, 17)
            self._arrows(fig, g, z, v, 0.3)
            fig.add_trace(go.Scatter(x=inner["truth"][:, 0], y=inner["truth"][:, 1], name="true trajectory", mode="lines",
                                     line=dict(color=PALETTE[7], dash="dash", width=2), hovertemplate="true z = (%{x:.3f}, %{y:.3f})<extra></extra>"))  # fmt: skip
            for k in range(inner["paths"].shape[1]):
                p = inner["paths"][:, k]
                fig.add_trace(
                    go.Scatter(x=p[:, 0], y=p[:, 1], mode="lines", name="learned, from z(0)" if k == 0 else f"learned, start {k + 1}",
                               line=dict(color=PALETTE[k % 7], width=3 if k == 0 else 1.8), customdata=inner["t"],
                               hovertemplate="t = %{customdata:.2f}<br>z = (%{x:.3f}, %{y:.3f})<extra></extra>")
                )  # fmt: skip
            title = f"Learned field dz/dt = f_θ(z) and trajectories, step {step}"
        else:
            g, z, v = self.field_grid(snapshot, float(t), 2.6, 17)
            self._arrows(fig, g, z, v, 0.3)
            path, y = inner["path"], inner["y"]
            for c in (0, 1):
                xs, ys = [], []
                for k in np.where(y == c)[0]:
                    xs += list(path[:, k, 0]) + [None]
                    ys += list(path[:, k, 1]) + [None]
                fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", line=dict(color=PALETTE[c], width=1), opacity=0.55, name=f"class {c} paths",
                                         hovertemplate=f"class {c}<br>z = (%{{x:.3f}}, %{{y:.3f}})<extra></extra>"))  # fmt: skip
                fig.add_trace(go.Scatter(x=path[-1, y == c, 0], y=path[-1, y == c, 1], mode="markers", name=f"class {c} at t = 1",
                                         marker=dict(color=PALETTE[c], size=5, line=dict(width=0.5, color="white")),
                                         hovertemplate=f"class {c} at t = 1<br>z = (%{{x:.3f}}, %{{y:.3f}})<extra></extra>"))  # fmt: skip
            title = f"Field at t = {t:g} and paths from t = 0 to 1, step {step}" + (" (first 2 of the dims)" if self.config.augment else "")
        fig.update_xaxes(title="z₁", range=[-2.6, 2.6], constrain="domain")
        fig.update_yaxes(title="z₂", range=[-2.6, 2.6], scaleanchor="x", scaleratio=1)
        return base_layout(fig, title, height=560, legend=dict(orientation="h", y=-0.15))

    def _fig_flow(self, inner, step) -> go.Figure:
        if self.config.task == "spiral":
            t, truth, p = inner["t"], inner["truth"], inner["paths"][:, 0]
            return vc.curves(
                t,
                {"z₁ true": truth[:, 0], "z₁ learned": p[:, 0], "z₂ true": truth[:, 1], "z₂ learned": p[:, 1]},
                title=f"Trajectory from z(0) = (2, 0): learned vs true, step {step}",
                x_title="time t (ODE time units)",
                y_title="coordinate value",
                dash={"z₁ true": "dash", "z₂ true": "dash"},
            )
        path, y, ts = inner["path"], inner["y"], inner["ts"]
        picks = [int(round(s * (len(ts) - 1))) for s in TIMES]
        fig = make_subplots(rows=1, cols=len(picks), subplot_titles=[f"t = {ts[k]:.2f}" for k in picks], horizontal_spacing=0.03)
        for col, k in enumerate(picks, start=1):
            for c in (0, 1):
                pts = path[k, y == c]
                fig.add_trace(
                    go.Scatter(x=pts[:, 0], y=pts[:, 1], mode="markers", name=f"class {c}", showlegend=col == 1,
                               marker=dict(color=PALETTE[c], size=4), hovertemplate=f"class {c}, t = {ts[k]:.2f}<br>(%{{x:.2f}}, %{{y:.2f}})<extra></extra>"),
                    1, col,
                )  # fmt: skip
            fig.update_xaxes(title="z₁", row=1, col=col)
        fig.update_yaxes(title="z₂", row=1, col=1)
        return base_layout(fig, f"Points flowing through ODE time, step {step}", height=330, legend=dict(orientation="h", y=-0.3))

    def _fig_decision(self, inner, step) -> go.Figure:
        groups = {f"class {c} (test)": self.x_test[self.y_test == c] for c in (0, 1)}
        g = inner["grid"]
        return scatter2d(
            groups,
            title=f"P(class 1) over the input plane, step {step}",
            x_title="x₁",
            y_title="x₂",
            background=(g, g, inner["prob"]),
            background_title="P(class 1)",
            background_scale="RdBu_r",
            ranges=[[-2.6, 2.6], [-2.6, 2.6]],
        )

    def _fig_nfe(self, step) -> go.Figure:
        h = self.log.history
        nfe = h.get("nfe_forward", np.full(len(h["step"]), np.nan))
        fig = vc.training_curves(
            h["step"],
            {
                "function evaluations": {"NFE per forward solve": nfe},
                "loss": {"train loss": h.get("loss", np.full(len(h["step"]), np.nan))},
            },
            title=f"Solver work over training ({self.config.method}, tol {self.config.tol:g})",
            y_titles={"function evaluations": "NFE (calls of f_θ)", "loss": "loss"},
            marker_step=step,
        )
        return fig

    def _fig_adjoint(self) -> go.Figure:
        d = self.grads
        fig = make_subplots(
            rows=1, cols=3, subplot_titles=("memory saved for backward", "time, forward + backward", "function evaluations")
        )
        for n, mode in enumerate(("direct", "adjoint")):
            for col, (key, unit) in enumerate((("kb", "KiB"), ("ms", "ms"), ("nfe", "calls")), start=1):
                fig.add_trace(
                    go.Scatter(x=d["horizon"], y=d[f"{mode}_{key}"], name=f"{mode} back-prop", mode="lines+markers", showlegend=col == 1,
                               line=dict(color=PALETTE[n], dash=None if mode == "direct" else "dash"),
                               hovertemplate=f"{mode}<br>horizon %{{x:.3g}}<br>%{{y:.4g}} {unit}<extra></extra>"),
                    1, col,
                )  # fmt: skip
                fig.update_xaxes(title="integration time T", row=1, col=col)
        fig.update_yaxes(title="KiB (tensors saved)", rangemode="tozero", row=1, col=1)
        fig.update_yaxes(title="milliseconds", rangemode="tozero", row=1, col=2)
        fig.update_yaxes(title="NFE (forward + backward)", rangemode="tozero", row=1, col=3)
        title = f"Adjoint vs direct gradients (they agree to {d['grad_diff'].max():.1e} relative; timings on {self.device})"
        return base_layout(fig, title, height=380, legend=dict(orientation="h", y=-0.3))

    def _fig_curves(self, step) -> go.Figure:
        h = self.log.history
        n = len(h["step"])
        if self.config.task == "spiral":
            panels = {
                "loss": {"segment L1 loss": h.get("loss", np.full(n, np.nan))},
                "trajectory": {"mean distance to truth": h.get("traj_error", np.full(n, np.nan))},
            }
            titles = {"loss": "mean |z − z_true|", "trajectory": "distance (state units)"}
        else:
            panels = {"loss": {"cross-entropy": h.get("loss", np.full(n, np.nan))},
                      "accuracy": {"train (batch)": h.get("train_acc", np.full(n, np.nan)), "test": h.get("test_acc", np.full(n, np.nan))}}  # fmt: skip
            titles = {"loss": "cross-entropy (nats)", "accuracy": "accuracy (fraction)"}
        return vc.training_curves(h["step"], panels, title="Training curves", y_titles=titles, marker_step=step)
