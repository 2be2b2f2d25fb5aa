"""2-D scatter plots of points, coloured by class, optionally over a heatmap of a function."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from nnviz.viz.theme import PALETTE, SEQUENTIAL, base_layout


def scatter2d(
    groups: dict[str, np.ndarray],
    *,
    title: str,
    x_title: str = "x₁",
    y_title: str = "x₂",
    background: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
    background_title: str = "",
    background_scale: str = SEQUENTIAL,
    height: int = 460,
    marker_size: int = 5,
    equal_axes: bool = True,
    ranges: Sequence[Sequence[float]] | None = None,
) -> go.Figure:
    """groups: name -> (n, 2) points, one colour each. background: (xs, ys, Z) drawn as a heatmap."""
    fig = go.Figure()
    if background is not None:
        xs, ys, z = background
        fig.add_trace(
            go.Heatmap(x=xs, y=ys, z=z, colorscale=background_scale, opacity=0.75, colorbar=dict(title=dict(text=background_title)),
                       hovertemplate=f"x₁ %{{x:.2f}}, x₂ %{{y:.2f}}<br>{background_title}: %{{z:.3f}}<extra></extra>")
        )  # fmt: skip
    for i, (name, pts) in enumerate(groups.items()):
        pts = np.asarray(pts)
        fig.add_trace(
            go.Scattergl(
                x=pts[:, 0], y=pts[:, 1], mode="markers", name=name,
                marker=dict(size=marker_size, color=PALETTE[i % len(PALETTE)], line=dict(width=0.5, color="white")),
                hovertemplate=f"{name}<br>x₁ %{{x:.3f}}<br>x₂ %{{y:.3f}}<extra></extra>",
            )
        )  # fmt: skip
    fig.update_xaxes(title=x_title, range=ranges[0] if ranges else None)
    fig.update_yaxes(title=y_title, range=ranges[1] if ranges else None)
    if equal_axes:
        fig.update_yaxes(scaleanchor="x", scaleratio=1)
    return base_layout(fig, title, height=height, legend=dict(orientation="h", y=-0.2))
