"""Matrices side by side, as in an equation: Â · H · W = ÂHW.

Each panel is scaled by its own largest |value| (matrices of one product live on very different
scales), drawn on one diverging colour bar ("value ÷ panel max"), and the hover gives the raw value.
A chosen row (the node being updated) can be framed in every panel that has one row per node.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from nnviz.viz.theme import DIVERGING, base_layout


@dataclass
class MatrixPanel:
    z: np.ndarray  # (rows, cols)
    title: str
    x_title: str
    y_title: str = ""
    highlight_row: int | None = None  # framed row (e.g. the chosen node)
    highlight_col: int | None = None  # framed column


def matrix_panels(
    panels: Sequence[MatrixPanel],
    *,
    title: str,
    operators: Sequence[str] = (),
    height: int = 460,
    hover: str = "value",
) -> go.Figure:
    """Panels left to right, widths proportional to their column counts; `operators` are drawn between."""
    widths = np.array([np.asarray(p.z).shape[1] for p in panels], dtype=float)
    widths = np.maximum(widths, 0.3 * widths.max())  # thin matrices (one head's W) stay readable
    fig = make_subplots(rows=1, cols=len(panels), column_widths=list(widths / widths.sum()), subplot_titles=[p.title for p in panels],
                        horizontal_spacing=0.045)  # fmt: skip
    for i, p in enumerate(panels, start=1):
        z = np.asarray(p.z, dtype=float)
        scale = float(np.nanmax(np.abs(z))) if z.size and np.isfinite(z).any() else 1.0
        scale = scale or 1.0
        fig.add_trace(
            go.Heatmap(
                z=z / scale, customdata=z, coloraxis="coloraxis",
                hovertemplate=f"{p.title}<br>{p.y_title or 'row'} %{{y}}, {p.x_title} %{{x}}<br>{hover}: %{{customdata:.4g}}<extra></extra>",
            ),
            row=1, col=i,
        )  # fmt: skip
        fig.update_xaxes(title=p.x_title, row=1, col=i)
        fig.update_yaxes(title=p.y_title or None, autorange="reversed", row=1, col=i)
        rows, cols = z.shape
        box = dict(type="rect", line=dict(color="#111", width=2.5), fillcolor="rgba(0,0,0,0)")
        xref, yref = ("x" if i == 1 else f"x{i}"), ("y" if i == 1 else f"y{i}")
        if p.highlight_row is not None:
            fig.add_shape(**box, x0=-0.5, x1=cols - 0.5, y0=p.highlight_row - 0.5, y1=p.highlight_row + 0.5, xref=xref, yref=yref)
        if p.highlight_col is not None:
            fig.add_shape(**box, x0=p.highlight_col - 0.5, x1=p.highlight_col + 0.5, y0=-0.5, y1=rows - 0.5, xref=xref, yref=yref)
    for i, op in enumerate(operators[: len(panels) - 1]):
        left = fig.layout["xaxis" if i == 0 else f"xaxis{i + 1}"].domain[1]
        right = fig.layout[f"xaxis{i + 2}"].domain[0]
        fig.add_annotation(text=f"<b>{op}</b>", xref="paper", yref="paper", x=(left + right) / 2, y=0.5, showarrow=False,
                           font=dict(size=20), bgcolor="white")  # fmt: skip
    fig.update_layout(coloraxis=dict(colorscale=DIVERGING, cmin=-1, cmax=1, colorbar=dict(title=dict(text="value ÷ panel max |value|"))))
    return base_layout(fig, title, height=height)
