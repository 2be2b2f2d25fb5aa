"""What every lab's Result shares: the config, the training log, views and figure captions.

A Result is plain data, read-only once made: the UI cache shares one between sessions. View
arguments (which head, which example, which training snapshot) choose what ``figures`` draws and
never retrain.
"""

from __future__ import annotations

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
class LabResult:
    config: LabConfig
    log: TrainLog
    device: str = "cpu"
    extras: dict = field(default_factory=dict)

    # name -> FigureInfo, in display order; subclasses override.
    FIGURES: ClassVar[dict[str, FigureInfo]] = {}

    @property
    def diverged(self) -> bool:
        return self.log.diverged

    def warning(self) -> str | None:
        """A plain-language message when the run went wrong, else None."""
        if self.log.diverged:
            return (
                f"Training diverged at step {self.log.diverged_step}: the loss became NaN or infinite, "
                "so the run stopped there. The figures show the model as it was just before. "
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

    def figures(self, **view) -> dict[str, go.Figure]:
        raise NotImplementedError

    def default_view(self) -> dict:
        out = {v.name: v.default for v in self.views()}
        snap = self.snapshot_view()
        if snap is not None:
            out["snapshot"] = snap.default
        return out


Builder = Callable[..., go.Figure]
