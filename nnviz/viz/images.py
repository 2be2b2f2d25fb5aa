"""Image grids (digits, samples, attribution maps) as one plotly figure of small heatmaps."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from nnviz.viz.theme import base_layout


def image_grid(
    images: np.ndarray,
    *,
    title: str,
    titles: Sequence[str] | None = None,
    cols: int = 8,
    colorscale: str = "gray_r",
    zmin: float | None = 0.0,
    zmax: float | None = 1.0,
    colorbar_title: str = "intensity",
    cell: int = 110,
    symmetric: bool = False,
) -> go.Figure:
    """(N, H, W) images in a grid of `cols` columns, one shared colour scale.

    symmetric: for signed maps (attributions): the scale is centred on 0 with a diverging palette.
    """
    images = np.asarray(images, dtype=float)
    n, h, w = images.shape
    cols = max(1, min(cols, n))
    rows = int(np.ceil(n / cols))
    if symmetric:
        lim = float(np.nanmax(np.abs(images))) or 1.0
        zmin, zmax, colorscale = -lim, lim, "RdBu_r"
    fig = go.Figure()
    layout, annotations = {}, []
    gap = 0.02
    cw, rh = (1 - gap * (cols - 1)) / cols, (1 - 0.06 * (rows - 1)) / rows
    for k in range(n):
        r, c = divmod(k, cols)
        suffix = "" if k == 0 else str(k + 1)
        x0 = c * (cw + gap)
        y1 = 1 - r * (rh + 0.06)
        fig.add_trace(
            go.Heatmap(
                z=images[k], coloraxis="coloraxis", xaxis=f"x{suffix}", yaxis=f"y{suffix}",
                hovertemplate=(f"{titles[k]}<br>" if titles else "") + "row %{y}, col %{x}<br>value %{z:.3f}<extra></extra>",
            )
        )  # fmt: skip
        layout[f"xaxis{suffix}"] = dict(
            domain=[max(0.0, x0), min(1.0, x0 + cw)], showticklabels=False, showgrid=False, zeroline=False,
            anchor=f"y{suffix}", constrain="domain",
        )  # fmt: skip
        layout[f"yaxis{suffix}"] = dict(
            domain=[max(0.0, y1 - rh), min(1.0, y1)], showticklabels=False, showgrid=False, zeroline=False,
            autorange="reversed", scaleanchor=f"x{suffix}", anchor=f"x{suffix}", constrain="domain",
        )  # fmt: skip
        if titles:
            annotations.append(
                dict(text=str(titles[k]), x=x0 + cw / 2, y=y1, xref="paper", yref="paper", yanchor="bottom", showarrow=False)
            )
    fig.update_layout(
        layout,
        annotations=annotations,
        coloraxis=dict(colorscale=colorscale, cmin=zmin, cmax=zmax, colorbar=dict(title=dict(text=colorbar_title))),
    )
    return base_layout(fig, title, height=max(260, rows * cell + 110))
