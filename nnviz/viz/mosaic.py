"""A grid of small images drawn as ONE heatmap with labelled rows and columns: real axis titles, one hover,
and it scales cleanly to slides (image_grid draws one subplot per image instead)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from nnviz.viz.theme import base_layout


def mosaic(
    tiles: np.ndarray,
    *,
    title: str,
    x_title: str,
    y_title: str,
    col_labels: Sequence[str],
    row_labels: Sequence[str],
    colorbar_title: str = "intensity",
    colorscale: str = "gray_r",
    zmin: float = 0.0,
    zmax: float = 1.0,
    gap: int = 1,
    cell: int = 70,
) -> go.Figure:
    """tiles (rows, cols, h, w) -> one heatmap, tiles separated by `gap` empty pixels."""
    rows, cols, h, w = tiles.shape
    big = np.full((rows * (h + gap) - gap, cols * (w + gap) - gap), np.nan)
    text = np.full(big.shape, "", dtype=object)
    for r in range(rows):
        for c in range(cols):
            big[r * (h + gap) : r * (h + gap) + h, c * (w + gap) : c * (w + gap) + w] = tiles[r, c]
            text[r * (h + gap) : r * (h + gap) + h, c * (w + gap) : c * (w + gap) + w] = f"{row_labels[r]} · {col_labels[c]}"
    fig = go.Figure(
        go.Heatmap(
            z=big, text=text, colorscale=colorscale, zmin=zmin, zmax=zmax, colorbar=dict(title=dict(text=colorbar_title)),
            hovertemplate="%{text}<br>pixel (%{y}, %{x})<br>value %{z:.3f}<extra></extra>", hoverongaps=False,
        )
    )  # fmt: skip
    fig.update_xaxes(
        title=x_title, tickmode="array", tickvals=[c * (w + gap) + (w - 1) / 2 for c in range(cols)], ticktext=list(col_labels),
        showgrid=False, zeroline=False, constrain="domain",
    )  # fmt: skip
    fig.update_yaxes(
        title=y_title, tickmode="array", tickvals=[r * (h + gap) + (h - 1) / 2 for r in range(rows)], ticktext=list(row_labels),
        autorange="reversed", showgrid=False, zeroline=False, scaleanchor="x", scaleratio=1,
    )  # fmt: skip
    return base_layout(fig, title, height=max(300, rows * cell + 140))
