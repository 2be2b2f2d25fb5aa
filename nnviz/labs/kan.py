"""KAN lab: a Kolmogorov-Arnold network learns a formula; every edge's function is on show.

result = run(Config(task="exp_sin"))
result.summary()        # KAN and equal-parameter MLP test error, parameters, ...
result.figures(edge=0, prune=0.05, snapshot=3)
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np
import plotly.graph_objects as go
import torch
from plotly.subplots import make_subplots
from scipy import special

from nnviz.core.device import get_device
from nnviz.core.loop import Snapshot, TrainLog, fit, load_arrays, state_arrays
from nnviz.core.params import ConfigError, LabConfig, param
from nnviz.core.seed import seeded
from nnviz.data.points import points
from nnviz.labs.base import FigureInfo, LabResult, View
from nnviz.models.kan import ACTIVATIONS, KAN, MLP, mlp_hidden_for, mlp_params
from nnviz.viz import curves as vc
from nnviz.viz.heatmap import heatmap
from nnviz.viz.scatter import scatter2d
from nnviz.viz.splines import kan_network, spline_edge
from nnviz.viz.theme import PALETTE, base_layout

NAME = "kan"
TASKS = ("exp_sin", "product", "bessel", "moons")
TASK_LABELS = {
    "exp_sin": "exp(sin(πx) + y²)",
    "product": "x · y",
    "bessel": "J₀(10x) (Bessel)",
    "moons": "two moons (classification)",
}
N_TEST = 1000
N_CURVE = 101  # points per edge function
PRUNE_LEVELS = (0.0, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5)


def grid_schedule(start: int, final: int) -> list[int]:
    """Coarse to fine by doubling: 5 → 10, 3 → 6 → 12 → 20."""
    out = [start]
    while out[-1] < final:
        out.append(min(final, 2 * out[-1]))
    return out


@dataclass(frozen=True)
class Config(LabConfig):
    # exp(sin(πx)+y²) is the KAN paper's showcase: a [2,1,1] KAN represents it exactly
    task: str = param("exp_sin", choices=TASKS, help="Formula to fit, or two-moons classification", group="Task")
    # 500 points: enough to pin down smooth 1-D functions, fast full-batch steps
    n_train: int = param(500, lo=50, hi=4000, step=50, help="Training points (full batch)", label="Training points", group="Task")
    # 5 hidden nodes: the paper's [2,5,1]; 15 edges stay readable in the network figure
    hidden: int = param(5, lo=1, hi=10, help="Nodes in the hidden layer", label="Hidden nodes", group="Model")
    # G = 5 to start: coarse enough that grid extension visibly helps
    grid_size: int = param(5, lo=2, hi=30, help="Intervals of each edge's spline grid at the start", label="Grid size G", group="Model")
    # extend to 10: the loss steps down when the grid is refined (set equal to G to switch off)
    final_grid: int = param(
        10, lo=2, hi=60, help="Grid size after extension (coarse → fine, doubling)", label="Final grid size", group="Model"
    )
    # cubic splines, as in the paper
    spline_order: int = param(3, lo=1, hi=5, help="Degree k of the B-splines", label="Spline order k", group="Model")
    # SiLU residual, as in the paper; 'none' leaves the spline alone
    base_activation: str = param(
        "silu", choices=ACTIVATIONS, help="b(x) in φ(x) = w·b(x) + spline(x)", label="Base activation", group="Model"
    )
    # 0 = plain fit; ~0.01 pushes unused edges towards zero so pruning and the symbolic reading get cleaner
    sparsity: float = param(
        0.0,
        lo=0.0,
        hi=0.1,
        step=0.005,
        help="L1 penalty λ on mean |φ| of every edge (the KAN paper's sparsity term)",
        label="Sparsity λ",
        group="Training",
    )
    # 0.02 with Adam fits the default in ~300 steps; 10 is there to show divergence
    lr: float = param(0.02, lo=1e-4, hi=10.0, log=True, help="Adam learning rate (KAN and MLP)", label="Learning rate", group="Training")
    # 300 full-batch steps: about a second on two CPU cores for KAN and MLP together
    steps: int = param(300, lo=20, hi=3000, step=10, help="Optimiser steps (split over the grid stages)", group="Training")

    def validate(self) -> None:
        if self.final_grid < self.grid_size:
            raise ConfigError(
                "final_grid", f"{self.final_grid} is below the starting grid size {self.grid_size}; allowed {self.grid_size} to 60"
            )
        if len(grid_schedule(self.grid_size, self.final_grid)) * 10 > self.steps:
            raise ConfigError(
                "steps", f"{self.steps} steps are too few for {len(grid_schedule(self.grid_size, self.final_grid))} grid stages"
            )


PRESETS = {
    "exp(sin(πx)+y²), grid 5 → 10 (default)": Config(),
    "x·y: needs two hidden nodes": Config(task="product", hidden=2),
    "Bessel J₀(10x): fine grid needed": Config(task="bessel", hidden=2, grid_size=5, final_grid=20, steps=400),
    "Two moons classification": Config(task="moons", final_grid=5),
    "No grid extension": Config(final_grid=5),
    "Sparsity λ = 0.01, then prune": Config(sparsity=0.01, steps=600),
    "Pure spline (no base activation)": Config(base_activation="none"),
    "Learning rate too large (diverges)": Config(lr=10.0),
}


def n_inputs(task: str) -> int:
    return 1 if task == "bessel" else 2


def n_outputs(task: str) -> int:
    return 2 if task == "moons" else 1


def widths_of(config: Config) -> tuple[int, int, int]:
    return (n_inputs(config.task), config.hidden, n_outputs(config.task))


def target(task: str, x: np.ndarray) -> np.ndarray:
    if task == "exp_sin":
        return np.exp(np.sin(np.pi * x[:, 0]) + x[:, 1] ** 2)
    if task == "product":
        return x[:, 0] * x[:, 1]
    if task == "bessel":
        return special.j0(10 * x[:, 0])
    raise ValueError(task)


def make_data(task: str, n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """x (n, d) float32 and y: (n, 1) float32 targets, or (n,) int64 labels for moons."""
    if task == "moons":
        x, y = points("moons", n=n, noise=0.15, seed=seed)
        return (x / 2).astype(np.float32), y
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, size=(n, n_inputs(task))).astype(np.float32)
    return x, target(task, x).astype(np.float32)[:, None]


def node_labels(widths) -> list[list[str]]:
    sub = "₁₂₃₄₅₆₇₈₉"
    ins = ["x", "y"][: widths[0]]
    outs = ["class 0", "class 1"] if widths[-1] == 2 else ["f"]
    hid = [f"h{sub[i]}" if i < 9 else f"h{i + 1}" for i in range(widths[1])]
    return [ins, hid, outs]


def build_kan(config: Config, grid_size: int | None = None) -> KAN:
    return KAN(widths_of(config), grid_size or config.grid_size, config.spline_order, config.base_activation)


def edge_list(widths) -> list[tuple[int, int, int]]:
    """Every edge as (layer, out, in), in the network figure's order."""
    return [(li, j, i) for li, (a, b) in enumerate(zip(widths[:-1], widths[1:])) for j in range(b) for i in range(a)]


# ----------------------------------------------------------------------------- training


def _objective(task: str):
    if task == "moons":

        def loss(out, y):
            return torch.nn.functional.cross_entropy(out, y)

        def error(out, y):
            return 1.0 - (out.argmax(-1) == y).float().mean()

    else:

        def loss(out, y):
            return ((out - y) ** 2).mean()

        def error(out, y):
            return ((out - y) ** 2).mean().sqrt()

    return loss, error


def _merge(logs: list[TrainLog], offsets: list[int]) -> TrainLog:
    keys = sorted({k for lg in logs for k in lg.history})
    history = {}
    for k in keys:
        parts = []
        for lg, off in zip(logs, offsets):
            n = len(lg.history["step"])
            v = lg.history.get(k, np.full(n, np.nan))
            parts.append(v + off if k == "step" else v)
        history[k] = np.concatenate(parts)
    snaps: list[Snapshot] = []
    for n, (lg, off) in enumerate(zip(logs, offsets)):
        for s in lg.snapshots:
            if n > 0 and s.step == 0:
                continue  # same function as the previous stage's last snapshot
            snaps.append(Snapshot(s.step + off, s.data, s.metrics))
    last = logs[-1]
    return TrainLog(
        history=history,
        snapshots=tuple(snaps),
        steps_done=offsets[-1] + last.steps_done,
        seconds=sum(lg.seconds for lg in logs),
        diverged=last.diverged,
        diverged_step=None if last.diverged_step is None else last.diverged_step + offsets[-1],
    )


def run(config: Config, progress=None) -> KANResult:
    device = get_device()
    with seeded(config.seed):
        x_np, y_np = make_data(config.task, config.n_train, config.seed)
        xt_np, yt_np = make_data(config.task, N_TEST, config.seed + 10_000)
        x, y = torch.as_tensor(x_np, device=device), torch.as_tensor(y_np, device=device)
        xt, yt = torch.as_tensor(xt_np, device=device), torch.as_tensor(yt_np, device=device)
        loss_of, error_of = _objective(config.task)
        max_loss = 10 * math.log(2) if config.task == "moons" else 100.0 * float(y_np.var() + 1e-3)
        schedule = grid_schedule(config.grid_size, config.final_grid)
        stage_steps = [config.steps // len(schedule)] * len(schedule)
        stage_steps[-1] += config.steps - sum(stage_steps)

        model = build_kan(config).to(device)
        model.refit_grids(x, config.grid_size)  # grids start on the range each layer actually sees

        def loss_fn(m, batch):
            if isinstance(m, KAN) and config.sparsity > 0:
                out, inner = m(x, return_internals=True)
                l1 = sum(e.abs().mean(0).sum() for e in inner["edges"])
                return loss_of(out, y) + config.sparsity * l1, {"fit_loss": loss_of(out, y)}
            return loss_of(m(x), y), {}

        def eval_fn(m):
            return {"test_error": error_of(m(xt), yt), "train_error": error_of(m(x), y)}

        logs, offsets, stages, offset = [], [], [], 0
        for n, (grid, steps) in enumerate(zip(schedule, stage_steps)):
            if n > 0:
                model.refit_grids(x, grid)
            stages.append((offset, grid))

            def stage_progress(step, total, metrics, offset=offset):
                if progress is not None:
                    progress(offset + step, config.steps, metrics)

            lg = fit(
                model,
                torch.optim.Adam(model.parameters(), lr=config.lr),
                steps=steps,
                batch_fn=lambda step: None,
                loss_fn=loss_fn,
                eval_fn=eval_fn,
                snapshot_fn=lambda m, step: state_arrays(m),
                snapshot_every=max(1, config.steps // 12),
                log_every=max(2, config.steps // 60),
                progress=stage_progress,
                max_loss=max_loss,
            )
            logs.append(lg)
            offsets.append(offset)
            offset += steps
            if lg.diverged:
                break
        log = _merge(logs, offsets)
        model.eval()
        with torch.no_grad():
            kan_error = float(error_of(model(xt), yt)) if not log.diverged else float("nan")
        n_kan = model.n_params()

        # the baseline: one-hidden-layer MLP with (about) the same number of parameters, same steps and lr
        h = mlp_hidden_for(n_kan, n_inputs(config.task), n_outputs(config.task))
        mlp = MLP((n_inputs(config.task), h, n_outputs(config.task))).to(device)
        mlp_log = fit(
            mlp,
            torch.optim.Adam(mlp.parameters(), lr=config.lr),
            steps=config.steps,
            batch_fn=lambda step: None,
            loss_fn=loss_fn,
            eval_fn=eval_fn,
            log_every=max(2, config.steps // 60),
            max_loss=max_loss,
        )
        mlp.eval()
        with torch.no_grad():
            mlp_error = float(error_of(mlp(xt), yt)) if not mlp_log.diverged else float("nan")
            grid_pts = _plot_grid(config.task)
            mlp_surface = _predict(mlp, grid_pts, config.task, device)
    return KANResult(
        config=config,
        log=log,
        device=str(device),
        x_train=x_np,
        y_train=y_np,
        x_test=xt_np,
        y_test=yt_np,
        stages=tuple(stages),
        kan_params=n_kan,
        mlp_params=mlp_params(n_inputs(config.task), h, n_outputs(config.task)),
        mlp_hidden=h,
        kan_error=kan_error,
        mlp_error=mlp_error,
        mlp_history={k: v.copy() for k, v in mlp_log.history.items()},
        mlp_diverged=mlp_log.diverged,
        mlp_surface=mlp_surface,
    )


def _plot_grid(task: str) -> np.ndarray:
    if task == "bessel":
        return np.linspace(-1, 1, 201, dtype=np.float32)[:, None]
    lim = 1.4 if task == "moons" else 1.0
    g = np.linspace(-lim, lim, 61, dtype=np.float32)
    xx, yy = np.meshgrid(g, g)
    return np.stack([xx.ravel(), yy.ravel()], 1)


def _predict(model, pts: np.ndarray, task: str, device) -> np.ndarray:
    out = model(torch.as_tensor(pts, device=device))
    if task == "moons":
        out = torch.softmax(out, -1)[:, 1:]
    return out[:, 0].cpu().numpy()


# ----------------------------------------------------------------------------- symbolic suggestions

LIBRARY = ("0", "x", "x²", "x³", "exp", "sin", "tanh", "|x|", "J₀")
_FUNCS = {
    "x²": np.square,
    "x³": lambda z: z**3,
    "exp": lambda z: np.exp(np.clip(z, -20, 20)),
    "sin": np.sin,
    "tanh": np.tanh,
    "|x|": np.abs,
    "J₀": special.j0,
}
_A = np.concatenate([-np.geomspace(12, 0.25, 24), np.geomspace(0.25, 12, 24)])
_B = np.linspace(-3.2, 3.2, 33)


def symbolic_fit(x: np.ndarray, phi: np.ndarray) -> dict[str, tuple[float, tuple[float, float, float, float]]]:
    """For each library function f: the best c·f(a·x + b) + d (a, b by grid search, c, d by least
    squares) as name -> (R², (a, b, c, d)). '0' is the constant, 'x' the straight line."""
    ss_tot = float(((phi - phi.mean()) ** 2).sum()) + 1e-12
    out: dict[str, tuple[float, tuple[float, float, float, float]]] = {"0": (0.0, (0.0, 0.0, 0.0, float(phi.mean())))}
    xc = x - x.mean()
    c = float((xc * (phi - phi.mean())).sum() / ((xc**2).sum() + 1e-12))
    r2 = 1 - float(((phi - phi.mean() - c * xc) ** 2).sum()) / ss_tot
    out["x"] = (r2, (1.0, 0.0, c, float(phi.mean() - c * x.mean())))
    pc = phi - phi.mean()

    def search(f, a_values, b_values):
        z = a_values[:, None, None] * x[None, None, :] + b_values[None, :, None]  # (A, B, N)
        fz = f(z)
        fc = fz - fz.mean(-1, keepdims=True)
        var = (fc**2).sum(-1)
        cov = (fc * pc).sum(-1)
        r2 = np.where(var > 1e-10, cov**2 / (var * ss_tot + 1e-30), 0.0)  # (A, B)
        ia, ib = np.unravel_index(int(np.argmax(r2)), r2.shape)
        c = float(cov[ia, ib] / (var[ia, ib] + 1e-30))
        d = float(phi.mean() - c * fz[ia, ib].mean())
        return float(r2[ia, ib]), (float(a_values[ia]), float(b_values[ib]), c, d)

    for name, f in _FUNCS.items():
        r2, (a, b, c, d) = search(f, _A, _B)
        da, db = 0.25 * abs(a), _B[1] - _B[0]
        for _ in range(3):  # zoom in around the best grid point
            r2_new, params = search(f, np.linspace(a - da, a + da, 21), np.linspace(b - db, b + db, 21))
            if r2_new >= r2:
                r2, (a, b, c, d) = r2_new, params
            da, db = da / 5, db / 5
        out[name] = (r2, (a, b, c, d))
    return out


def evaluate_symbolic(name: str, params: tuple[float, float, float, float], x: np.ndarray) -> np.ndarray:
    a, b, c, d = params
    if name == "0":
        return np.full_like(x, d)
    if name == "x":
        return c * x + d
    return c * _FUNCS[name](a * x + b) + d


def formula(name: str, params: tuple[float, float, float, float]) -> str:
    a, b, c, d = params
    if name == "0":
        return f"{d:.2f}"
    if name == "x":
        return f"{c:.2f}·x {d:+.2f}"
    inner = f"{a:.2f}x {b:+.2f}"
    if name == "|x|":
        return f"{c:.2f}·|{inner}| {d:+.2f}"
    fn = {"x²": "({})²", "x³": "({})³"}.get(name, name + "({})")
    return f"{c:.2f}·{fn.format(inner)} {d:+.2f}"


def best_symbolic(fits: dict, tolerance: float = 0.001) -> tuple[str, float]:
    """The simplest library function within `tolerance` of the best R² (library order = simplicity)."""
    top = max(r2 for r2, _ in fits.values())
    for name in LIBRARY:
        if fits[name][0] >= top - tolerance:
            return name, fits[name][0]
    return LIBRARY[0], fits[LIBRARY[0]][0]


# ----------------------------------------------------------------------------- result


@dataclass(frozen=True)
class KANResult(LabResult):
    x_train: np.ndarray = None  # (n, d)
    y_train: np.ndarray = None
    x_test: np.ndarray = None
    y_test: np.ndarray = None
    stages: tuple = ()  # ((first step, grid size), ...)
    kan_params: int = 0
    mlp_params: int = 0
    mlp_hidden: int = 0
    kan_error: float = float("nan")
    mlp_error: float = float("nan")
    mlp_history: dict = field(default_factory=dict)
    mlp_diverged: bool = False
    mlp_surface: np.ndarray = None

    FIGURES: ClassVar[dict[str, FigureInfo]] = {
        "network": FigureInfo(
            "The whole network",
            "Every edge carries its own learned function φ(x), drawn in the box on the edge over the range of inputs it sees; "
            "nodes only add. Opacity and colour show the edge's importance (mean |φ| on the training data, relative to the "
            "layer's largest). Hover a box for the symbolic suggestion.",
        ),
        "edge": FigureInfo(
            "One edge's spline",
            "φ(x) = w·b(x) + Σ c_m B_m(x): the base activation, the B-spline part, its control points c_m (placed at the "
            "Greville abscissae, where each coefficient pulls hardest), the grid knots, the best symbolic fit, and a histogram "
            "of the inputs this edge saw.",
        ),
        "grid": FigureInfo(
            "Grid extension, coarse → fine",
            "Left: test error during training; at each dotted line the grid is refined (G doubles) and the splines are re-fitted "
            "by least squares, so the function is kept and the loss can fall further. Right: the chosen edge at the end of each stage.",
        ),
        "pruning": FigureInfo(
            "Pruning unimportant edges",
            "Edges whose importance is below the chosen fraction of their layer's largest are removed (dotted); the title gives the "
            "test error before and after, without retraining.",
        ),
        "importance": FigureInfo(
            "Edge importance",
            "Each edge's importance relative to the largest in its layer; the dashed line is the pruning threshold.",
        ),
        "symbolic": FigureInfo(
            "Symbolic suggestions",
            "For every edge, R² of the best c·f(a·x+b)+d for each function f of a small library (a, b by grid search, c, d by "
            "least squares). The ★ marks the suggestion: the simplest function within 0.001 of the best R².",
        ),
        "fit": FigureInfo(
            "What the network computes",
            "The target, the KAN's output and the equal-parameter MLP's output on a grid of inputs (for moons: the predicted "
            "probability of class 1 with the test points).",
        ),
        "kan_vs_mlp": FigureInfo(
            "KAN vs MLP with the same parameter count",
            "Test error over training for the KAN and for a one-hidden-layer MLP with about the same number of parameters, "
            "trained with the same optimiser, learning rate and steps. Use the sweep below for error against parameters.",
        ),
    }

    # --- summary and views

    def summary(self) -> dict[str, float]:
        return {
            **super().summary(),
            "kan_test_error": self.kan_error,
            "mlp_test_error": self.mlp_error,
            "kan_params": float(self.kan_params),
            "mlp_params": float(self.mlp_params),
            "final_grid": float(self.stages[-1][1]) if self.stages else float(self.config.grid_size),
        }

    @property
    def error_name(self) -> str:
        return "test error rate" if self.config.task == "moons" else "test RMSE"

    def views(self) -> list[View]:
        widths = widths_of(self.config)
        labels = node_labels(widths)
        edges = edge_list(widths)
        return [
            View(
                "edge",
                "Edge",
                tuple(range(len(edges))),
                0,
                "Which edge to draw in detail",
                labels=tuple(f"layer {li}: {labels[li][i]} → {labels[li + 1][j]}" for li, j, i in edges),
            ),
            View(
                "prune",
                "Prune below",
                PRUNE_LEVELS,
                0.05,
                "Remove edges whose importance is below this fraction of the largest in their layer",
                labels=tuple(f"{p:.0%} of max" for p in PRUNE_LEVELS),
            ),
        ]

    # --- internals from saved weights (no retraining)

    def _index(self, snapshot: int | None) -> int:
        n = len(self.log.snapshots)
        return n - 1 if snapshot is None else int(np.clip(snapshot, 0, n - 1))

    def model_at(self, snapshot: int | None = None) -> KAN:
        data = self.log.snapshots[self._index(snapshot)].data
        grid = data["layers.0.coef"].shape[-1] - self.config.spline_order
        model = build_kan(self.config, grid)
        load_arrays(model, data)
        return model.eval()

    def internals(self, snapshot: int | None = None) -> dict:
        return self.memo(("internals", self._index(snapshot)), lambda: self._compute(snapshot))

    def _compute(self, snapshot: int | None) -> dict:
        model = self.model_at(snapshot)
        x = torch.as_tensor(self.x_train)
        with torch.no_grad():
            _, inner = model(x, return_internals=True)
            layers = []
            for layer, h, e in zip(model.layers, inner["inputs"], inner["edges"]):
                lo, hi = h.min(0).values, h.max(0).values
                xs = lo[None, :] + (hi - lo)[None, :] * torch.linspace(0, 1, N_CURVE)[:, None]  # (P, in)
                imp = e.abs().mean(0)  # (out, in)
                layers.append(
                    {
                        "inputs": h.numpy(),
                        "xs": xs.T.numpy(),  # (in, P)
                        "phi": layer.edge_values(xs).permute(1, 2, 0).numpy(),  # (out, in, P)
                        "spline": layer.spline_part(xs).permute(1, 2, 0).numpy(),
                        "base": layer.base_part(xs).permute(1, 2, 0).numpy(),
                        "coef": layer.coef.numpy(),
                        "grid": layer.grid.numpy(),
                        "importance": imp.numpy(),
                        "rel_importance": (imp / imp.max().clamp_min(1e-12)).numpy(),
                    }
                )
        return {"layers": layers, "grid_size": model.layers[0].grid_size}

    def fits(self, snapshot: int | None = None) -> dict:
        """Symbolic fits of every edge at a snapshot: (layer, out, in) -> {function: (R², params)}."""

        def compute():
            layers = self.internals(snapshot)["layers"]
            sub = slice(None, None, 2)  # 51 of the 101 points are plenty for a smooth 1-D fit
            return {
                (li, j, i): symbolic_fit(layers[li]["xs"][i][sub].astype(np.float64), layers[li]["phi"][j, i][sub].astype(np.float64))
                for li, j, i in edge_list(widths_of(self.config))
            }

        return self.memo(("fits", self._index(snapshot)), compute)

    def pruned_error(self, threshold: float, snapshot: int | None = None) -> tuple[float, int, int]:
        """(test error with edges below threshold removed, edges kept, edges total)."""

        def compute():
            model = self.model_at(snapshot)
            inner = self.internals(snapshot)
            kept = total = 0
            for layer, d in zip(model.layers, inner["layers"]):
                mask = (d["rel_importance"] >= threshold).astype(np.float32)
                layer.mask.copy_(torch.as_tensor(mask))
                kept, total = kept + int(mask.sum()), total + mask.size
            _, error_of = _objective(self.config.task)
            yt = torch.as_tensor(self.y_test)
            with torch.no_grad():
                return float(error_of(model(torch.as_tensor(self.x_test)), yt)), kept, total

        return self.memo(("pruned", self._index(snapshot), threshold), compute)

    # --- figures

    def figures(self, edge: int = 0, prune: float = 0.05, snapshot: int | None = None) -> dict[str, go.Figure]:
        widths = widths_of(self.config)
        edges = edge_list(widths)
        edge_t = edges[int(np.clip(edge, 0, len(edges) - 1))]
        inner = {**self.internals(snapshot), "fits": self.fits(snapshot)}
        step = self.log.snapshots[self._index(snapshot)].step
        return {
            "network": self._fig_network(inner, step, edge_t),
            "edge": self._fig_edge(inner, edge_t, step),
            "grid": self._fig_grid(edge_t, step),
            "pruning": self._fig_pruning(inner, prune, snapshot, step),
            "importance": self._fig_importance(inner, prune, step),
            "symbolic": self._fig_symbolic(inner, step),
            "fit": self._fig_fit(snapshot, step),
            "kan_vs_mlp": self._fig_vs_mlp(step),
        }

    def _edge_label(self, e) -> str:
        li, j, i = e
        labels = node_labels(widths_of(self.config))
        return f"{labels[li][i]} → {labels[li + 1][j]}"

    def _suggestions(self, inner) -> list[np.ndarray]:
        widths = widths_of(self.config)
        text = [np.empty((b, a), dtype=object) for a, b in zip(widths[:-1], widths[1:])]
        for (li, j, i), fits in inner["fits"].items():
            name, r2 = best_symbolic(fits)
            text[li][j, i] = f"suggestion: {formula(name, fits[name][1])} (R² {r2:.3f})"
        return text

    def _network(self, inner, title, highlight=None, masks=None) -> go.Figure:
        widths = widths_of(self.config)
        layers = inner["layers"]
        return kan_network(
            widths,
            [d["xs"] for d in layers],
            [d["phi"] for d in layers],
            [d["rel_importance"] for d in layers],
            title=title,
            node_labels=node_labels(widths),
            edge_text=self._suggestions(inner),
            masks=masks,
            highlight=highlight,
        )

    def _fig_network(self, inner, step, edge_t) -> go.Figure:
        w = widths_of(self.config)
        return self._network(
            inner, f"KAN {list(w)}, grid G = {inner['grid_size']}, step {step}: {TASK_LABELS[self.config.task]}", highlight=edge_t
        )

    def _fig_edge(self, inner, e, step) -> go.Figure:
        li, j, i = e
        d = inner["layers"][li]
        k = self.config.spline_order
        knots = d["grid"][i]  # (G + 2k + 1,)
        coef = d["coef"][j, i]  # (G + k,)
        greville = np.array([knots[m + 1 : m + k + 1].mean() if k > 0 else knots[m] for m in range(len(coef))])
        fits = inner["fits"][e]
        name, r2 = best_symbolic(fits)
        xs = d["xs"][i]
        fit_curve = evaluate_symbolic(name, fits[name][1], xs.astype(np.float64))
        return spline_edge(
            xs,
            d["phi"][j, i],
            d["spline"][j, i],
            d["base"][j, i],
            greville,
            coef,
            knots,
            title=f"Edge {self._edge_label(e)} (layer {li}), G = {inner['grid_size']}, k = {k}, step {step}",
            x_title=f"input {node_labels(widths_of(self.config))[li][i]} (value reaching the edge)",
            y_title="φ(x) (contribution to the next node)",
            data_x=d["inputs"][:, i],
            fit=(fit_curve, f"{formula(name, fits[name][1])}, R² {r2:.3f}"),
        )

    def _fig_grid(self, e, step) -> go.Figure:
        h = self.log.history
        fig = make_subplots(rows=1, cols=2, subplot_titles=("test error over training", f"edge {self._edge_label(e)} per grid stage"))
        if "test_error" in h:
            fig.add_trace(
                go.Scatter(x=h["step"], y=h["test_error"], name=f"KAN {self.error_name}", line=dict(color=PALETTE[0]),
                           hovertemplate="step %{x}<br>error %{y:.4g}<extra></extra>"), 1, 1,
            )  # fmt: skip
            fig.add_trace(
                go.Scatter(x=h["step"], y=h["train_error"], name="KAN train error", line=dict(color=PALETTE[0], dash="dot"),
                           hovertemplate="step %{x}<br>train error %{y:.4g}<extra></extra>"), 1, 1,
            )  # fmt: skip
        for s0, g in self.stages[1:]:
            fig.add_vline(x=s0, line=dict(color="#888", dash="dot"), annotation_text=f"G → {g}", row=1, col=1)
        fig.add_vline(x=step, line=dict(color=PALETTE[3], width=1), row=1, col=1)
        # the chosen edge at the end of each stage: the last snapshot before the next extension
        snaps = self.log.snapshots
        ends = [s0 for s0, _ in self.stages[1:]] + [snaps[-1].step]
        li, j, i = e
        for n, end in enumerate(ends):
            idx = max(k for k, s in enumerate(snaps) if s.step <= end)
            d = self.internals(idx)["layers"][li]
            g = self.internals(idx)["grid_size"]
            knots = d["grid"][i]
            inside = knots[(knots >= d["xs"][i][0]) & (knots <= d["xs"][i][-1])]
            colour = PALETTE[(n + 1) % len(PALETTE)]
            fig.add_trace(
                go.Scatter(x=d["xs"][i], y=d["phi"][j, i], name=f"G = {g} (step {snaps[idx].step})", line=dict(color=colour),
                           hovertemplate=f"G = {g}<br>x %{{x:.3f}}<br>φ %{{y:.4f}}<extra></extra>"), 1, 2,
            )  # fmt: skip
            knot_y = np.interp(inside, d["xs"][i], d["phi"][j, i])
            fig.add_trace(
                go.Scatter(x=inside, y=knot_y, mode="markers", name=f"knots, G = {g}", marker=dict(color=colour, symbol="line-ns-open", size=12, line=dict(width=2)),
                           hovertemplate=f"knot (G = {g})<br>x %{{x:.3f}}<extra></extra>"), 1, 2,
            )  # fmt: skip
        fig.update_xaxes(title="training step", row=1, col=1)
        fig.update_yaxes(title=f"{self.error_name}", type="log", row=1, col=1)
        fig.update_xaxes(title="edge input x", row=1, col=2)
        fig.update_yaxes(title="φ(x)", row=1, col=2)
        sched = " → ".join(str(g) for _, g in self.stages)
        return base_layout(fig, f"Grid extension {sched}: error and the edge's spline", height=430, legend=dict(orientation="h", y=-0.25))

    def _fig_pruning(self, inner, prune, snapshot, step) -> go.Figure:
        masks = [(d["rel_importance"] >= prune).astype(float) for d in inner["layers"]]
        err, kept, total = self.pruned_error(prune, snapshot)
        full, _, _ = self.pruned_error(0.0, snapshot)
        title = f"Pruned below {prune:.0%}: {kept} of {total} edges kept, {self.error_name} {full:.4g} → {err:.4g} (step {step})"
        return self._network(inner, title, masks=masks)

    def _fig_importance(self, inner, prune, step) -> go.Figure:
        edges = edge_list(widths_of(self.config))
        imp = np.array([inner["layers"][li]["rel_importance"][j, i] for li, j, i in edges])
        names = [f"L{li}: {self._edge_label((li, j, i))}" for li, j, i in edges]
        order = np.argsort(-imp)
        kept = imp[order] >= prune
        fig = go.Figure(
            go.Bar(
                x=[names[k] for k in order], y=imp[order],
                marker_color=[PALETTE[0] if k else "#bbbbbb" for k in kept],
                hovertemplate="%{x}<br>relative importance %{y:.3f}<extra></extra>", name="importance (kept in blue)",
            )
        )  # fmt: skip
        fig.add_hline(y=prune, line=dict(color=PALETTE[3], dash="dash"), annotation_text=f"threshold {prune:.0%}")
        fig.update_xaxes(title="edge (layer: from → to)")
        fig.update_yaxes(title="importance / largest in layer", range=[0, 1.05])
        return base_layout(
            fig, f"Edge importance at step {step} (grey: pruned)", height=400, showlegend=True, legend=dict(orientation="h", y=-0.45)
        )

    def _fig_symbolic(self, inner, step) -> go.Figure:
        edges = edge_list(widths_of(self.config))
        z = np.array([[max(0.0, inner["fits"][e][f][0]) for f in LIBRARY] for e in edges])
        fig = heatmap(
            z,
            title=f"R² of each library function per edge (★ = suggestion), step {step}",
            x_title="library function f in c·f(a·x+b)+d",
            y_title="edge",
            x_labels=LIBRARY,
            y_labels=[f"L{li}: {self._edge_label((li, j, i))}" for li, j, i in edges],
            colorbar_title="R²",
            zmin=0,
            zmax=1,
            height=max(360, 26 * len(edges) + 140),
            hover="R²",
        )
        for r, e in enumerate(edges):
            name, _ = best_symbolic(inner["fits"][e])
            fig.add_annotation(x=LIBRARY.index(name), y=r, text="★", showarrow=False, font=dict(color="white", size=16))
        return fig

    def _fig_fit(self, snapshot, step) -> go.Figure:
        task = self.config.task
        pts = _plot_grid(task)
        model = self.model_at(snapshot)
        with torch.no_grad():
            kan_out = _predict(model, pts, task, "cpu")
        if task == "bessel":
            truth = target(task, pts)
            return vc.curves(
                pts[:, 0],
                {"target J₀(10x)": truth, f"KAN ({self.kan_params} params)": kan_out, f"MLP ({self.mlp_params} params)": self.mlp_surface},
                title=f"Target and fits, step {step}",
                x_title="x",
                y_title="f(x)",
                dash={f"MLP ({self.mlp_params} params)": "dash"},
            )
        g = np.unique(pts[:, 0])
        n = len(g)
        if task == "moons":
            groups = {f"class {c} (test)": self.x_test[self.y_test == c] for c in (0, 1)}
            fig = scatter2d(
                groups,
                title=f"KAN: P(class 1) with test points, step {step}",
                background=(g, g, kan_out.reshape(n, n)),
                background_title="P(class 1)",
                background_scale="RdBu_r",
                marker_size=4,
            )
            return fig
        panels = {"target": target(task, pts), "KAN": kan_out, "MLP": self.mlp_surface}
        fig = make_subplots(rows=1, cols=3, subplot_titles=[f"{k}" for k in panels], horizontal_spacing=0.06)
        zmin, zmax = float(panels["target"].min()), float(panels["target"].max())
        for c, (k, v) in enumerate(panels.items(), start=1):
            fig.add_trace(
                go.Heatmap(x=g, y=g, z=v.reshape(n, n), coloraxis="coloraxis", name=k,
                           hovertemplate=f"{k}<br>x %{{x:.2f}}, y %{{y:.2f}}<br>f %{{z:.3f}}<extra></extra>"), 1, c,
            )  # fmt: skip
            fig.update_xaxes(title="x", row=1, col=c)
        fig.update_yaxes(title="y", row=1, col=1)
        fig.update_layout(coloraxis=dict(colorscale="Viridis", cmin=zmin, cmax=zmax, colorbar=dict(title=dict(text="f(x, y)"))))
        return base_layout(fig, f"{TASK_LABELS[task]}: target, KAN and MLP, step {step}", height=380)

    def _fig_vs_mlp(self, step) -> go.Figure:
        h, m = self.log.history, self.mlp_history
        series = {
            f"KAN {list(widths_of(self.config))}, {self.kan_params} params": h.get("test_error", np.array([])),
            f"MLP [{n_inputs(self.config.task)}, {self.mlp_hidden}, {n_outputs(self.config.task)}], {self.mlp_params} params": m.get(
                "test_error", np.array([])
            ),
        }
        xs = dict(zip(series, (h["step"], m.get("step", np.array([])))))
        fig = vc.curves(
            xs,
            series,
            title=f"{self.error_name}: KAN {self.kan_error:.4g} vs MLP {self.mlp_error:.4g} at equal parameter count",
            x_title="training step",
            y_title=self.error_name,
            log_y=True,
        )
        fig.add_vline(x=step, line=dict(color="#888", dash="dot"))
        return fig


# ----------------------------------------------------------------------------- KAN vs MLP: error against parameters

SWEEP_HIDDEN = (1, 2, 3, 5, 8)


def sweep_configs(config: Config) -> list[Config]:
    """The same settings at several hidden widths: each run gives one KAN and one equal-size MLP point."""
    return [config.replace(hidden=h) for h in SWEEP_HIDDEN]


def sweep_table(results: list[KANResult]) -> list[dict]:
    return [
        {
            "hidden nodes": r.config.hidden,
            "KAN params": r.kan_params,
            f"KAN {r.error_name}": round(r.kan_error, 5),
            "MLP hidden": r.mlp_hidden,
            "MLP params": r.mlp_params,
            f"MLP {r.error_name}": round(r.mlp_error, 5),
            "train time (s)": round(r.log.seconds, 2),
        }
        for r in results
    ]


def sweep_figure(results: list[KANResult]) -> go.Figure:
    r0 = results[0]
    fig = go.Figure()
    for n, (name, p, e) in enumerate(
        (
            ("KAN", [r.kan_params for r in results], [r.kan_error for r in results]),
            ("MLP", [r.mlp_params for r in results], [r.mlp_error for r in results]),
        )
    ):
        fig.add_trace(
            go.Scatter(
                x=p, y=e, name=name, mode="lines+markers", line=dict(color=PALETTE[n]),
                text=[f"hidden {r.config.hidden if name == 'KAN' else r.mlp_hidden}" for r in results],
                hovertemplate=f"{name} %{{text}}<br>%{{x}} parameters<br>{r0.error_name} %{{y:.4g}}<extra></extra>",
            )
        )  # fmt: skip
    fig.update_xaxes(title="parameters", type="log")
    fig.update_yaxes(title=r0.error_name, type="log")
    return base_layout(
        fig, f"{TASK_LABELS[r0.config.task]}: {r0.error_name} against parameters ({r0.config.steps} steps each)", height=420,
        legend=dict(orientation="h", y=-0.2),
    )  # fmt: skip
