"""Node-link drawings of graphs on a fixed (networkx) layout.

Nodes are coloured by class (one legend entry per class) or by a value (colour bar); edges can
carry a value that sets their width and colour (messages, attention, weights), with hover text on
each edge's midpoint. ``graph_grid`` lays several drawings of the same graph side by side (one per
attention head, per refinement round, per eigenvector) on shared colour scales.

Layout coordinates have no unit; the axes say so and hide their ticks.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go
from plotly.colors import sample_colorscale
from plotly.subplots import make_subplots

from nnviz.viz.theme import DIVERGING, PALETTE, SEQUENTIAL, base_layout

AXIS_X = "layout x (no unit)"
AXIS_Y = "layout y (no unit)"
EDGE_GREY = "rgba(120,120,120,0.35)"


@dataclass
class GraphPanel:
    """One drawing: positions, edges and what to paint on them."""

    pos: np.ndarray  # (N, 2)
    edges: np.ndarray  # (E, 2) node index pairs
    classes: np.ndarray | None = None  # (N,) int: colour by class (legend) ...
    class_names: Sequence[str] = ()
    values: np.ndarray | None = None  # ... or (N,) float: colour by value (colour bar)
    node_text: Sequence[str] | None = None  # hover text per node (HTML allowed)
    node_size: float | np.ndarray = 14.0
    node_opacity: float | np.ndarray = 1.0
    symbols: Sequence[str] | None = None  # plotly marker symbol per node
    outline: np.ndarray | None = None  # (N,) bool: thick dark ring (e.g. wrong prediction, chosen node)
    edge_values: np.ndarray | None = None  # (E,) float: width and colour per edge
    edge_text: Sequence[str] | None = None  # hover text per edge
    labels: Sequence[str] | None = None  # text drawn on the nodes (small graphs)


def _edge_traces(p: GraphPanel, *, coloraxis: str, scale: str, vrange: tuple[float, float], width: tuple[float, float], show_mid: bool):
    pos, edges = p.pos, np.asarray(p.edges).reshape(-1, 2)
    if p.edge_values is None:
        xs, ys = _segments(pos, edges)
        return [go.Scatter(x=xs, y=ys, mode="lines", line=dict(color=EDGE_GREY, width=1.2), hoverinfo="skip", showlegend=False)]
    v = np.asarray(p.edge_values, dtype=float)
    lo, hi = vrange
    t = np.clip((v - lo) / (hi - lo if hi > lo else 1.0), 0, 1)
    traces = []
    plain = ~np.isfinite(v)  # edges without a value are drawn thin and grey
    if plain.any():
        xs, ys = _segments(pos, edges[plain])
        traces.append(go.Scatter(x=xs, y=ys, mode="lines", line=dict(color=EDGE_GREY, width=1.0), hoverinfo="skip", showlegend=False))
    edges, v, t = edges[~plain], v[~plain], t[~plain]
    text_all = p.edge_text if p.edge_text is not None else [f"edge {a}–{b}" for a, b in np.asarray(p.edges).reshape(-1, 2)]
    text = [s for s, keep in zip(text_all, ~plain) if keep]
    bins = np.minimum((t * 6).astype(int), 5)  # six width/colour bins: one trace each, cheap to draw
    for b in np.unique(bins):
        sel = bins == b
        xs, ys = _segments(pos, edges[sel])
        colour = sample_colorscale(scale, [(b + 0.5) / 6])[0]
        w = width[0] + (width[1] - width[0]) * (b + 0.5) / 6
        traces.append(go.Scatter(x=xs, y=ys, mode="lines", line=dict(color=colour, width=w), hoverinfo="skip", showlegend=False))
    if not len(edges):
        return traces
    mid = pos[edges].mean(1)
    traces.append(
        go.Scatter(
            x=mid[:, 0], y=mid[:, 1], mode="markers", showlegend=False,
            marker=dict(size=7 if show_mid else 4, color=v, coloraxis=coloraxis, opacity=0.9 if show_mid else 0.0),
            text=[f"{s}<br>value: {x:.3g}" for s, x in zip(text, v)], hovertemplate="%{text}<extra></extra>",
        )
    )  # fmt: skip
    return traces


def _segments(pos: np.ndarray, edges: np.ndarray) -> tuple[list, list]:
    xs, ys = [], []
    for a, b in edges:
        xs += [pos[a, 0], pos[b, 0], None]
        ys += [pos[a, 1], pos[b, 1], None]
    return xs, ys


def _node_traces(p: GraphPanel, *, coloraxis: str, legend: bool, seen: set | None = None):
    n = len(p.pos)
    text = list(p.node_text) if p.node_text is not None else [f"node {i}" for i in range(n)]
    size = np.broadcast_to(np.asarray(p.node_size, dtype=float), (n,))
    opacity = np.broadcast_to(np.asarray(p.node_opacity, dtype=float), (n,))
    symbols = np.asarray(p.symbols if p.symbols is not None else ["circle"] * n)
    outline = np.zeros(n, bool) if p.outline is None else np.asarray(p.outline, bool)
    line_w = np.where(outline, 3.0, 1.0)
    line_c = np.where(outline, "#111", "white")
    labels = list(p.labels) if p.labels is not None else None
    mode = "markers+text" if labels else "markers"
    traces = []
    if p.classes is not None:
        classes = np.asarray(p.classes)
        for c in range(max(len(p.class_names), int(classes.max()) + 1 if n else 0)):
            sel = np.flatnonzero(classes == c)
            name = p.class_names[c] if c < len(p.class_names) else f"class {c}"
            if len(sel) == 0:
                continue
            seen = set() if seen is None else seen
            traces.append(
                go.Scatter(
                    x=p.pos[sel, 0], y=p.pos[sel, 1], mode=mode, name=name, legendgroup=name, showlegend=legend and name not in seen,
                    text=[labels[i] for i in sel] if labels else None, textfont=dict(size=9, color="#111"),
                    marker=dict(color=PALETTE[c % len(PALETTE)], size=size[sel], opacity=opacity[sel], symbol=symbols[sel],
                                line=dict(width=line_w[sel], color=line_c[sel])),
                    customdata=[text[i] for i in sel], hovertemplate="%{customdata}<extra></extra>",
                )
            )  # fmt: skip
            seen.add(name)
    else:
        values = np.zeros(n) if p.values is None else np.asarray(p.values, dtype=float)
        traces.append(
            go.Scatter(
                x=p.pos[:, 0], y=p.pos[:, 1], mode=mode, showlegend=False,
                text=labels, textfont=dict(size=9, color="#111"),
                marker=dict(color=values, coloraxis=coloraxis, size=size, opacity=opacity, symbol=symbols,
                            line=dict(width=line_w, color=line_c)),
                customdata=[f"{t}<br>value: {v:.3g}" for t, v in zip(text, values)], hovertemplate="%{customdata}<extra></extra>",
            )
        )  # fmt: skip
    return traces


def _axis_style(fig: go.Figure, row=None, col=None, titles: bool = True, axis_titles=(AXIS_X, AXIS_Y), ticks: bool = False) -> None:
    kw = dict(showgrid=ticks, zeroline=False, showticklabels=ticks)
    fig.update_xaxes(title=axis_titles[0] if titles else None, **kw, row=row, col=col)
    fig.update_yaxes(title=axis_titles[1] if titles else None, **kw, row=row, col=col)


def _range(arrays, symmetric: bool) -> tuple[float, float]:
    vals = np.concatenate([np.asarray(a, dtype=float).ravel() for a in arrays if a is not None] or [np.zeros(1)])
    vals = vals[np.isfinite(vals)]
    if not len(vals):
        return 0.0, 1.0
    if symmetric:
        m = float(np.abs(vals).max()) or 1.0
        return -m, m
    lo, hi = float(vals.min()), float(vals.max())
    return (lo, hi) if hi > lo else (lo - 0.5, hi + 0.5)


def graph_grid(
    panels: Sequence[GraphPanel],
    *,
    title: str,
    panel_titles: Sequence[str] | None = None,
    cols: int | None = None,
    node_colorbar: str = "",
    edge_colorbar: str = "",
    node_scale: str = SEQUENTIAL,
    edge_scale: str = "Plasma",
    node_range: tuple[float, float] | None = None,
    edge_range: tuple[float, float] | None = None,
    symmetric_nodes: bool = False,
    edge_width: tuple[float, float] = (0.8, 7.0),
    show_edge_markers: bool = True,
    height: int | None = None,
    panel_height: int = 380,
    axis_titles: tuple[str, str] = (AXIS_X, AXIS_Y),
    ticks: bool = False,
) -> go.Figure:
    """Several drawings sharing one node colour axis and one edge colour axis."""
    n = len(panels)
    cols = cols or min(n, 4)
    rows = (n + cols - 1) // cols
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=list(panel_titles) if panel_titles else None,
                        horizontal_spacing=0.03, vertical_spacing=0.08 if rows > 1 else 0.05)  # fmt: skip
    if node_range is None:
        node_range = _range([p.values for p in panels], symmetric_nodes)
    if edge_range is None:
        edge_range = _range([p.edge_values for p in panels], False)
    any_edges = any(p.edge_values is not None for p in panels)
    any_values = any(p.classes is None and p.values is not None for p in panels)
    seen: set = set()  # one legend entry per class across panels
    for i, p in enumerate(panels):
        r, c = i // cols + 1, i % cols + 1
        for tr in _edge_traces(
            p, coloraxis="coloraxis2", scale=edge_scale, vrange=edge_range, width=edge_width, show_mid=show_edge_markers
        ):
            fig.add_trace(tr, row=r, col=c)
        for tr in _node_traces(p, coloraxis="coloraxis", legend=True, seen=seen):
            fig.add_trace(tr, row=r, col=c)
        _axis_style(fig, r, c, titles=(c == 1 and r == rows), axis_titles=axis_titles, ticks=ticks)
        fig.update_yaxes(scaleanchor=f"x{'' if i == 0 else i + 1}", scaleratio=1, row=r, col=c)
    layout = {}
    if any_values:
        layout["coloraxis"] = dict(colorscale=DIVERGING if symmetric_nodes else node_scale, cmin=node_range[0], cmax=node_range[1],
                                   colorbar=dict(title=dict(text=node_colorbar, side="right"), x=1.0, len=0.9))  # fmt: skip
    if any_edges:
        layout["coloraxis2"] = dict(colorscale=edge_scale, cmin=edge_range[0], cmax=edge_range[1],
                                    colorbar=dict(title=dict(text=edge_colorbar, side="right"), x=1.14 if any_values else 1.0, len=0.9))  # fmt: skip
    fig.update_layout(**layout)
    h = height or max(360, panel_height * rows + 110)
    return base_layout(fig, title, height=h, legend=dict(orientation="h", y=-0.2 if ticks else -0.08), hovermode="closest")


def graph_figure(panel: GraphPanel, *, title: str, **kw) -> go.Figure:
    """One drawing (graph_grid with a single panel)."""
    kw.setdefault("panel_height", 460)
    return graph_grid([panel], title=title, **kw)
