"""Heatmaps: one matrix, or a grid of them on a shared colour scale."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from nnviz.viz.theme import SEQUENTIAL, base_layout


def _labels(labels, n):
    return [str(v) for v in labels] if labels is not None else [str(i) for i in range(n)]


def _ticks(labels: list[str], max_ticks: int) -> tuple[list[int], list[str]]:
    """Every label, or every k-th one when there are more than max_ticks (hover still names each cell)."""
    step = max(1, -(-len(labels) // max_ticks))
    idx = list(range(0, len(labels), step))
    return idx, [labels[i] for i in idx]


def heatmap(
    z: np.ndarray,
    *,
    title: str,
    x_title: str,
    y_title: str,
    x_labels: Sequence | None = None,
    y_labels: Sequence | None = None,
    colorbar_title: str = "",
    zmin: float | None = None,
    zmax: float | None = None,
    colorscale: str = SEQUENTIAL,
    annotate: bool = False,
    height: int = 420,
    hover: str = "value",
    max_ticks: int = 30,
) -> go.Figure:
    z = np.asarray(z, dtype=float)
    x = _labels(x_labels, z.shape[1])
    y = _labels(y_labels, z.shape[0])
    trace = go.Heatmap(
        z=z,
        x=list(range(z.shape[1])),
        y=list(range(z.shape[0])),
        customdata=np.array([[f"{y[i]}", f"{x[j]}"] for i in range(z.shape[0]) for j in range(z.shape[1])]).reshape(
            z.shape[0], z.shape[1], 2
        ),
        colorscale=colorscale,
        zmin=zmin,
        zmax=zmax,
        colorbar=dict(title=dict(text=colorbar_title)),
        hovertemplate=f"{y_title}: %{{customdata[0]}}<br>{x_title}: %{{customdata[1]}}<br>{hover}: %{{z:.3f}}<extra></extra>",
        texttemplate="%{z:.2f}" if annotate else None,
    )
    fig = go.Figure(trace)
    xv, xt = _ticks(x, max_ticks)
    yv, yt = _ticks(y, max_ticks)
    fig.update_xaxes(title=x_title, tickmode="array", tickvals=xv, ticktext=xt, side="bottom")
    fig.update_yaxes(title=y_title, tickmode="array", tickvals=yv, ticktext=yt, autorange="reversed")
    return base_layout(fig, title, height=height)


def heatmap_grid(
    mats: Sequence[Sequence[np.ndarray]],
    *,
    title: str,
    row_titles: Sequence[str],
    col_titles: Sequence[str],
    x_title: str,
    y_title: str,
    x_labels: Sequence | None = None,
    y_labels: Sequence | None = None,
    colorbar_title: str = "",
    zmin: float | None = 0.0,
    zmax: float | None = 1.0,
    colorscale: str = SEQUENTIAL,
    cell: int = 190,
    hover: str = "value",
    max_ticks: int = 20,
) -> go.Figure:
    """rows x cols small multiples sharing one colour bar (e.g. layers x heads)."""
    n_rows, n_cols = len(mats), len(mats[0])
    titles = [f"{row_titles[r]} · {col_titles[c]}" if n_rows > 1 else col_titles[c] for r in range(n_rows) for c in range(n_cols)]
    fig = make_subplots(
        rows=n_rows,
        cols=n_cols,
        subplot_titles=titles,
        horizontal_spacing=min(0.06, 0.3 / max(n_cols, 1)),
        vertical_spacing=min(0.12, 0.4 / max(n_rows, 1)),
    )
    traces, axes = [], {}
    for r in range(n_rows):
        for c in range(n_cols):
            z = np.asarray(mats[r][c], dtype=float)
            x = _labels(x_labels, z.shape[1])
            y = _labels(y_labels, z.shape[0])
            n = r * n_cols + c + 1
            suffix = "" if n == 1 else str(n)
            traces.append(
                go.Heatmap(
                    z=z,
                    coloraxis="coloraxis",
                    xaxis=f"x{suffix}",
                    yaxis=f"y{suffix}",
                    customdata=np.array([[y[i], x[j]] for i in range(z.shape[0]) for j in range(z.shape[1])]).reshape(
                        z.shape[0], z.shape[1], 2
                    ),
                    hovertemplate=f"{row_titles[r]} {col_titles[c]}<br>{y_title}: %{{customdata[0]}}<br>"
                    f"{x_title}: %{{customdata[1]}}<br>{hover}: %{{z:.3f}}<extra></extra>",
                )
            )
            axes[f"xaxis{suffix}"] = dict(
                tickmode="array", tickvals=list(range(len(x))), ticktext=x, title=dict(text=x_title if r == n_rows - 1 else None)
            )
            axes[f"yaxis{suffix}"] = dict(
                tickmode="array",
                tickvals=list(range(len(y))),
                ticktext=y,
                autorange="reversed",
                title=dict(text=y_title if c == 0 else None),
            )
    fig.add_traces(traces)
    fig.update_layout(axes)
    fig.update_layout(coloraxis=dict(colorscale=colorscale, cmin=zmin, cmax=zmax, colorbar=dict(title=dict(text=colorbar_title))))
    height = max(320, cell * n_rows + 120)
    return base_layout(fig, title, height=height)
