"""One generic training loop with callbacks (minGPT's Trainer, reduced to what the labs need).

The caller decides what a batch is, what the loss is, what to measure and what to keep:

    log = fit(model, optimizer, steps=300,
              batch_fn=lambda step: make_batch(...),
              loss_fn=lambda model, batch: (loss, {"acc": acc}),
              eval_fn=lambda model: {"val_acc": ...},       # at log steps
              snapshot_fn=lambda model, step: {...arrays},  # every snapshot_every steps
              progress=callback)                            # (step, total, metrics)

No printing, no tqdm. A NaN or infinite loss (or one above ``max_loss``, for losses that blow up
without overflowing) stops the run and is recorded in the returned log (``diverged``); it never
raises. Exceptions raised by ``progress`` (Streamlit interrupting a stale
run) propagate untouched.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

Metrics = dict[str, float]
Progress = Callable[[int, int, Metrics], None]


@dataclass(frozen=True)
class Snapshot:
    """What the caller chose to keep at one step (weights, predictions, internals) as numpy."""

    step: int
    data: dict[str, Any]
    metrics: Metrics = field(default_factory=dict)


@dataclass(frozen=True)
class TrainLog:
    history: dict[str, np.ndarray]  # "step" plus one array per metric, aligned
    snapshots: tuple[Snapshot, ...]
    steps_done: int
    seconds: float
    diverged: bool = False
    diverged_step: int | None = None

    def series(self, name: str) -> np.ndarray:
        """One metric aligned with history["step"]; all NaN when it was never recorded."""
        values = self.history.get(name)
        return values if values is not None else np.full(len(self.history["step"]), np.nan)

    def last(self, name: str, default: float = float("nan")) -> float:
        values = self.history.get(name)
        if values is None or len(values) == 0:
            return default
        finite = values[np.isfinite(values)]
        return float(finite[-1]) if len(finite) else default


def _to_float(x) -> float:
    return float(x.detach().item()) if torch.is_tensor(x) else float(x)


def fit(
    model: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    *,
    steps: int,
    batch_fn: Callable[[int], Any],
    loss_fn: Callable[[torch.nn.Module, Any], tuple[torch.Tensor, Metrics]],
    eval_fn: Callable[[torch.nn.Module], Metrics] | None = None,
    snapshot_fn: Callable[[torch.nn.Module, int], dict] | None = None,
    snapshot_every: int | None = None,
    log_every: int = 10,
    progress: Progress | None = None,
    grad_clip: float | None = None,
    scheduler: Any = None,
    max_loss: float = math.inf,
) -> TrainLog:
    t0 = time.perf_counter()
    rows: list[Metrics] = []
    snapshots: list[Snapshot] = []
    diverged_step = None

    def record(step: int, metrics: Metrics) -> Metrics:
        if eval_fn is not None:
            model.eval()
            with torch.no_grad():
                metrics = {**metrics, **{k: _to_float(v) for k, v in eval_fn(model).items()}}
            model.train()
        rows.append({"step": step, **metrics})
        return metrics

    def snap(step: int, metrics: Metrics) -> None:
        if snapshot_fn is not None:
            model.eval()
            with torch.no_grad():
                snapshots.append(Snapshot(step, snapshot_fn(model, step), dict(metrics)))
            model.train()

    if snapshot_every:
        snap(0, {})
    model.train()
    step = 0
    for step in range(1, steps + 1):
        batch = batch_fn(step)
        loss, metrics = loss_fn(model, batch)
        loss_value = _to_float(loss)
        if not math.isfinite(loss_value) or loss_value > max_loss:
            diverged_step = step
            rows.append({"step": step, "loss": loss_value})
            break
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        if grad_clip:
            torch.nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
        optimizer.step()
        if scheduler is not None:
            scheduler.step()
        if step % log_every == 0 or step == steps:
            metrics = record(step, {"loss": loss_value, **{k: _to_float(v) for k, v in metrics.items()}})
            if progress is not None:
                progress(step, steps, metrics)
        if snapshot_every and (step % snapshot_every == 0 or step == steps):
            snap(step, rows[-1] if rows and rows[-1]["step"] == step else {"loss": loss_value})

    names = sorted({k for r in rows for k in r} - {"step"})
    history = {"step": np.array([r["step"] for r in rows], dtype=np.int64)}
    for name in names:
        history[name] = np.array([r.get(name, np.nan) for r in rows], dtype=np.float64)
    return TrainLog(
        history=history,
        snapshots=tuple(snapshots),
        steps_done=step if diverged_step is None else diverged_step - 1,
        seconds=time.perf_counter() - t0,
        diverged=diverged_step is not None,
        diverged_step=diverged_step,
    )


def state_arrays(model: torch.nn.Module) -> dict[str, np.ndarray]:
    """A model's weights as CPU numpy arrays: the usual snapshot for the timeline."""
    return {k: v.detach().cpu().numpy().copy() for k, v in model.state_dict().items()}


def load_arrays(model: torch.nn.Module, arrays: dict[str, np.ndarray]) -> torch.nn.Module:
    model.load_state_dict({k: torch.from_numpy(v) for k, v in arrays.items()})
    return model
