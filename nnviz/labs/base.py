"""What every lab's Result shares: the config, the training log, views and figure captions.

A Result is plain data, read-only once made: the UI cache shares one between sessions. View
arguments (which head, which example, which training snapshot) choose what ``figures`` draws and
never retrain.
"""

from __future__ import annotations

import abc
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

import plotly.graph_objects as go

from nnviz.core.loop import TrainLog
from nnviz.core.params import LabConfig


@dataclass(frozen=True)
class View:
    """One view control: options the UI offers and the default it starts from."""

    name: str
    label: str
    options: tuple
    default: Any
    help: str = ""
    labels: tuple = ()  # display text per option; empty = str(option)

    def label_of(self, option) -> str:
        if self.labels:
            return str(self.labels[self.options.index(option)])
        return str(option)


@dataclass(frozen=True)
class FigureInfo:
    title: str
    caption: str  # one or two sentences shown beside the figure: what you are looking at


@dataclass(frozen=True)
class LabResult(abc.ABC):
    config: LabConfig
    log: TrainLog
    device: str = "cpu"
    extras: dict = field(default_factory=dict)
    # Derived values (internals at a snapshot, figures for a view) computed on demand and kept a
    # while: the Result stays read-only in everything it reports.
    _memo: dict = field(default_factory=dict, compare=False, repr=False)
    _memo_lock: threading.Lock = field(default_factory=threading.Lock, compare=False, repr=False)

    # name -> FigureInfo, in display order; subclasses override.
    FIGURES: ClassVar[dict[str, FigureInfo]] = {}

    @property
    def diverged(self) -> bool:
        return self.log.diverged

    def warning(self) -> str | None:
        """A plain-language message when the run went wrong, else None."""
        if self.log.diverged:
            loss = self.log.history.get("loss")
            value = float(loss[-1]) if loss is not None and len(loss) else float("nan")
            return (
                f"Training diverged at step {self.log.diverged_step}: the loss reached {value:.3g} "
                "(NaN, infinite or exploded far above chance level), so the run stopped there. The figures show "
                f"the last saved snapshot (step {self.log.snapshots[-1].step if self.log.snapshots else 0}). "
                "Try a smaller learning rate."
            )
        return None

    def summary(self) -> dict[str, float]:
        """Headline numbers for the CLI, the benchmark and the compare table."""
        return {"loss": self.log.last("loss"), "steps": float(self.log.steps_done), "train_seconds": self.log.seconds}

    def views(self) -> list[View]:
        return []

    def snapshot_view(self) -> View | None:
        snaps = self.log.snapshots
        if len(snaps) < 2:
            return None
        idx = tuple(range(len(snaps)))
        return View(
            "snapshot",
            "Training step",
            idx,
            idx[-1],
            help="Scrub through training: every figure is redrawn from the weights saved at that step.",
            labels=tuple(s.step for s in snaps),
        )

    @abc.abstractmethod
    def figures(self, **view) -> dict[str, go.Figure]:
        """Named figures for these view arguments; every lab's Result defines it."""

    def memo(self, key, compute: Callable, limit: int = 32):
        """compute() once per key (bounded); thread-safe enough for a shared, read-only result."""
        with self._memo_lock:
            if key in self._memo:
                return self._memo[key]
        value = compute()
        with self._memo_lock:
            if len(self._memo) >= limit:
                self._memo.pop(next(iter(self._memo)))
            self._memo[key] = value
        return value

    def figures_cached(self, **view) -> dict[str, go.Figure]:
        """figures(**view), remembered for the last few views: a revisit redraws nothing.

        Callers must treat the returned figures as read-only (copy before changing one)."""
        key = ("figures", tuple(sorted(view.items())))
        return self.memo(key, lambda: self.figures(**view), limit=40)

    def default_view(self) -> dict:
        out = {v.name: v.default for v in self.views()}
        snap = self.snapshot_view()
        if snap is not None:
            out["snapshot"] = snap.default
        return out


Builder = Callable[..., go.Figure]
