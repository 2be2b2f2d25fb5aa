"""Line charts: training curves, metric-vs-setting sweeps, runs overlaid for comparison."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from nnviz.viz.theme import PALETTE, base_layout


def curves(
    x: Sequence | np.ndarray | Mapping[str, np.ndarray],
    series: Mapping[str, np.ndarray],
    *,
    title: str,
    x_title: str,
    y_title: str,
    log_x: bool = False,
    log_y: bool = False,
    markers: bool = False,
    dash: Mapping[str, str] | None = None,
    height: int = 380,
    y_range: Sequence[float] | None = None,
) -> go.Figure:
    """One line per series. x is shared, or a mapping name -> x for series of their own."""
    fig = go.Figure()
    for i, (name, y) in enumerate(series.items()):
        xs = x[name] if isinstance(x, Mapping) else x
        fig.add_trace(
            go.Scatter(
                x=np.asarray(xs),
                y=np.asarray(y, dtype=float),
                name=name,
                mode="lines+markers" if markers else "lines",
                line=dict(color=PALETTE[i % len(PALETTE)], dash=(dash or {}).get(name)),
                hovertemplate=f"{name}<br>{x_title}: %{{x}}<br>{y_title}: %{{y:.4g}}<extra></extra>",
            )
        )
    fig.update_xaxes(title=x_title, type="log" if log_x else None)
    fig.update_yaxes(title=y_title, type="log" if log_y else None, range=y_range)
    return base_layout(fig, title, height=height, legend=dict(orientation="h", y=-0.25))


def training_curves(
    step: np.ndarray,
    panels: Mapping[str, Mapping[str, np.ndarray]],
    *,
    title: str = "Training curves",
    y_titles: Mapping[str, str] | None = None,
    marker_step: int | None = None,
    colors: Mapping[str, str] | None = None,
) -> go.Figure:
    """Side-by-side panels (e.g. loss | accuracy), each with one or more series against step.

    A label keeps its colour in every panel (e.g. GCN is blue in the loss and the accuracy panel).
    """
    names = list(panels)
    fig = make_subplots(rows=1, cols=len(names), subplot_titles=names, horizontal_spacing=0.12)
    palette = dict(colors or {})
    for panel in names:
        for label in panels[panel]:
            palette.setdefault(label, PALETTE[len(palette) % len(PALETTE)])
    seen = set()
    for c, panel in enumerate(names, start=1):
        for label, y in panels[panel].items():
            fig.add_trace(
                go.Scatter(
                    x=step,
                    y=np.asarray(y, dtype=float),
                    name=label,
                    legendgroup=label,
                    showlegend=label not in seen,
                    line=dict(color=palette[label]),
                    hovertemplate=f"{label}<br>step %{{x}}<br>%{{y:.4g}}<extra></extra>",
                ),
                row=1,
                col=c,
            )
            seen.add(label)
        fig.update_xaxes(title="training step", row=1, col=c)
        fig.update_yaxes(title=(y_titles or {}).get(panel, panel), row=1, col=c)
        if marker_step is not None:
            fig.add_vline(x=marker_step, line=dict(color="#888", dash="dot"), row=1, col=c)
    return base_layout(fig, title, height=380, legend=dict(orientation="h", y=-0.3))


def bars(
    categories: Sequence[str],
    series: Mapping[str, Sequence[float]],
    *,
    title: str,
    x_title: str,
    y_title: str,
    height: int = 380,
    text_fmt: str = ".3g",
    y_range: Sequence[float] | None = None,
) -> go.Figure:
    fig = go.Figure()
    for i, (name, values) in enumerate(series.items()):
        fig.add_trace(
            go.Bar(
                x=list(categories),
                y=list(values),
                name=name,
                marker_color=PALETTE[i % len(PALETTE)],
                texttemplate=f"%{{y:{text_fmt}}}",
                hovertemplate=f"{name}<br>{x_title}: %{{x}}<br>{y_title}: %{{y:.4g}}<extra></extra>",
            )
        )
    fig.update_xaxes(title=x_title)
    fig.update_yaxes(title=y_title, range=y_range)
    return base_layout(fig, title, height=height, barmode="group", legend=dict(orientation="h", y=-0.25))
