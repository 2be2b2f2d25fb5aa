"""2-D flows: vector fields (arrows over a magnitude heatmap), point trajectories, small multiples of scatters.

numpy in, go.Figure out; used by the generative labs (diffusion score fields, GAN sample clouds).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from nnviz.viz.theme import PALETTE, SEQUENTIAL, base_layout

GREY = "rgba(120,120,120,0.35)"


def arrow_trace(
    x: np.ndarray, y: np.ndarray, u: np.ndarray, v: np.ndarray, *, name: str, color: str = "#222", head: float = 0.3, values=None, unit=""
) -> go.Scatter:
    """Arrows from (x, y) along (u, v) as one line trace (segments separated by None), each with a small head.

    values: one number per arrow shown on hover (e.g. the field's magnitude before rescaling)."""
    x, y, u, v = (np.asarray(a, dtype=float).ravel() for a in (x, y, u, v))
    vals = np.hypot(u, v) if values is None else np.asarray(values, dtype=float).ravel()
    xs, ys, text = [], [], []
    for i in range(len(x)):
        x1, y1 = x[i] + u[i], y[i] + v[i]
        ang = np.arctan2(v[i], u[i])
        length = np.hypot(u[i], v[i]) * head
        hx = [x1 - length * np.cos(ang + 0.45), x1, x1 - length * np.cos(ang - 0.45)]
        hy = [y1 - length * np.sin(ang + 0.45), y1, y1 - length * np.sin(ang - 0.45)]
        xs += [x[i], x1, None, *hx, None]
        ys += [y[i], y1, None, *hy, None]
        label = f"{name}<br>at ({x[i]:.2f}, {y[i]:.2f})<br>|·| = {vals[i]:.3g}{unit}"
        text += [label, label, None, label, label, label, None]
    return go.Scatter(x=xs, y=ys, mode="lines", name=name, line=dict(color=color, width=1.3), hovertext=text, hoverinfo="text")


def field_figure(
    grid: tuple[np.ndarray, np.ndarray],
    vectors: tuple[np.ndarray, np.ndarray],
    *,
    title: str,
    magnitude_title: str,
    points: Mapping[str, np.ndarray] | None = None,
    ranges: Sequence[Sequence[float]] | None = None,
    arrow_length: float | None = None,
    magnitude: np.ndarray | None = None,
    height: int = 520,
) -> go.Figure:
    """A vector field on a regular grid: |field| as a heatmap, arrows (all scaled to one length so the
    direction reads; the hover gives the true magnitude), and optional point clouds on top.

    grid: (xs (nx,), ys (ny,)); vectors: (U, V) each (ny, nx); magnitude: what the heatmap shows (default |(U, V)|)."""
    xs, ys = grid
    U, V = vectors
    mag = np.hypot(U, V)
    shade = mag if magnitude is None else np.asarray(magnitude)
    fig = go.Figure()
    fig.add_trace(
        go.Heatmap(x=xs, y=ys, z=shade, colorscale=SEQUENTIAL, opacity=0.55, colorbar=dict(title=dict(text=magnitude_title)),
                   hovertemplate=f"x₁ %{{x:.2f}}, x₂ %{{y:.2f}}<br>{magnitude_title}: %{{z:.3g}}<extra></extra>")
    )  # fmt: skip
    step = arrow_length or 0.8 * float(xs[1] - xs[0])
    norm = np.where(mag > 0, mag, 1.0)
    X, Y = np.meshgrid(xs, ys)
    fig.add_trace(arrow_trace(X, Y, U / norm * step, V / norm * step, name="direction of the field", values=mag))
    for i, (name, pts) in enumerate((points or {}).items()):
        pts = np.asarray(pts)
        fig.add_trace(
            go.Scatter(x=pts[:, 0], y=pts[:, 1], mode="markers", name=name,
                       marker=dict(size=4, color=PALETTE[(i + 1) % len(PALETTE)], line=dict(width=0.3, color="white")),
                       hovertemplate=f"{name}<br>x₁ %{{x:.3f}}<br>x₂ %{{y:.3f}}<extra></extra>")
        )  # fmt: skip
    fig.update_xaxes(title="x₁", range=ranges[0] if ranges else None, constrain="domain")
    fig.update_yaxes(title="x₂", range=ranges[1] if ranges else None, scaleanchor="x", scaleratio=1)
    return base_layout(fig, title, height=height, legend=dict(orientation="h", y=-0.18))


def trajectory_figure(
    paths: np.ndarray,
    current: np.ndarray,
    *,
    title: str,
    background: Mapping[str, np.ndarray] | None = None,
    current_name: str = "samples",
    ranges: Sequence[Sequence[float]] | None = None,
    height: int = 520,
) -> go.Figure:
    """paths (K, L, 2): K point trajectories of L steps (drawn as thin lines, start marked); current (N, 2)
    the cloud at the chosen step; background: faint reference clouds (e.g. the data)."""
    fig = go.Figure()
    xs, ys = [], []
    for p in np.asarray(paths):
        xs += [*p[:, 0], None]
        ys += [*p[:, 1], None]
    fig.add_trace(
        go.Scatter(x=xs, y=ys, mode="lines", name="trajectories", line=dict(color="rgba(230,159,0,0.45)", width=1), hoverinfo="skip")
    )
    for name, pts in (background or {}).items():
        pts = np.asarray(pts)
        fig.add_trace(
            go.Scattergl(x=pts[:, 0], y=pts[:, 1], mode="markers", name=name, marker=dict(size=4, color=GREY),
                         hovertemplate=f"{name}<br>x₁ %{{x:.3f}}<br>x₂ %{{y:.3f}}<extra></extra>")
        )  # fmt: skip
    starts = np.asarray(paths)[:, 0]
    fig.add_trace(
        go.Scatter(x=starts[:, 0], y=starts[:, 1], mode="markers", name="start (pure noise)",
                   marker=dict(size=6, color=PALETTE[1], symbol="x"), hovertemplate="start<br>x₁ %{x:.3f}<br>x₂ %{y:.3f}<extra></extra>")
    )  # fmt: skip
    current = np.asarray(current)
    fig.add_trace(
        go.Scattergl(x=current[:, 0], y=current[:, 1], mode="markers", name=current_name,
                     marker=dict(size=5, color=PALETTE[0], line=dict(width=0.4, color="white")),
                     hovertemplate=f"{current_name}<br>x₁ %{{x:.3f}}<br>x₂ %{{y:.3f}}<extra></extra>")
    )  # fmt: skip
    fig.update_xaxes(title="x₁", range=ranges[0] if ranges else None, constrain="domain")
    fig.update_yaxes(title="x₂", range=ranges[1] if ranges else None, scaleanchor="x", scaleratio=1)
    return base_layout(fig, title, height=height, legend=dict(orientation="h", y=-0.18))


def scatter_strip(
    panels: Sequence[tuple[str, Mapping[str, np.ndarray]]],
    *,
    title: str,
    ranges: Sequence[Sequence[float]] | None = None,
    cols: int | None = None,
    cell: int = 260,
    colors: Mapping[str, str] | None = None,
) -> go.Figure:
    """Small multiples: each panel (subtitle, {group: (n, 2) points}); a group keeps its colour across panels."""
    n = len(panels)
    cols = cols or n
    rows = int(np.ceil(n / cols))
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=[p[0] for p in panels], horizontal_spacing=0.03, vertical_spacing=0.12)
    names: list[str] = []
    for k, (_, groups) in enumerate(panels):
        r, c = divmod(k, cols)
        for name, pts in groups.items():
            if name not in names:
                names.append(name)
            color = (colors or {}).get(name, PALETTE[names.index(name) % len(PALETTE)])
            pts = np.asarray(pts)
            fig.add_trace(
                go.Scattergl(x=pts[:, 0], y=pts[:, 1], mode="markers", name=name, legendgroup=name, showlegend=k == 0,
                             marker=dict(size=3, color=color), hovertemplate=f"{name}<br>x₁ %{{x:.3f}}<br>x₂ %{{y:.3f}}<extra></extra>"),
                r + 1, c + 1,
            )  # fmt: skip
        fig.update_xaxes(title="x₁" if r == rows - 1 else None, range=ranges[0] if ranges else None, row=r + 1, col=c + 1)
        fig.update_yaxes(title="x₂" if c == 0 else None, range=ranges[1] if ranges else None, row=r + 1, col=c + 1)
    return base_layout(fig, title, height=rows * cell + 130, legend=dict(orientation="h", y=-0.15))


def identity_scatter(
    truth: np.ndarray, pred: np.ndarray, *, title: str, x_title: str, y_title: str, names: Sequence[str], height: int = 440
) -> go.Figure:
    """pred against truth, one colour per component (columns), with the y = x line."""
    truth, pred = np.asarray(truth), np.asarray(pred)
    fig = go.Figure()
    lim = float(max(np.abs(truth).max(), np.abs(pred).max(), 1e-6)) * 1.05
    fig.add_trace(go.Scatter(x=[-lim, lim], y=[-lim, lim], mode="lines", name="perfect: ε̂ = ε", line=dict(color="#888", dash="dash")))
    for j, name in enumerate(names):
        fig.add_trace(
            go.Scattergl(x=truth[:, j], y=pred[:, j], mode="markers", name=name, marker=dict(size=4, color=PALETTE[j % len(PALETTE)], opacity=0.6),
                         hovertemplate=f"{name}<br>{x_title} %{{x:.3f}}<br>{y_title} %{{y:.3f}}<extra></extra>")
        )  # fmt: skip
    fig.update_xaxes(title=x_title, range=[-lim, lim], constrain="domain")
    fig.update_yaxes(title=y_title, range=[-lim, lim], scaleanchor="x", scaleratio=1)
    return base_layout(fig, title, height=height, legend=dict(orientation="h", y=-0.2))
