"""Spline figures: a KAN drawn as a network with each edge's learned function on the edge, and one
edge's B-spline with its control points and knots. Arrays in, go.Figure out."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.colors import sample_colorscale

from nnviz.viz.theme import PALETTE, base_layout

IMPORTANCE_SCALE = "Blues"


def _node_y(n: int) -> np.ndarray:
    return np.array([0.5]) if n == 1 else np.linspace(0.92, 0.08, n)


def kan_network(
    widths: Sequence[int],
    xs: Sequence[np.ndarray],
    ys: Sequence[np.ndarray],
    importance: Sequence[np.ndarray],
    *,
    title: str,
    node_labels: Sequence[Sequence[str]],
    edge_text: Sequence[np.ndarray] | None = None,
    masks: Sequence[np.ndarray] | None = None,
    highlight: tuple[int, int, int] | None = None,
    height: int | None = None,
) -> go.Figure:
    """widths (n_0, ..., n_L); per layer li: xs[li] (in, P) inputs, ys[li] (out, in, P) edge values,
    importance[li] (out, in) in [0, 1] (opacity and colour), edge_text[li] (out, in) hover text,
    masks[li] (out, in) 0 = pruned (drawn as a faint dotted line). highlight: (layer, out, in)."""
    fig = go.Figure()
    traces, shapes = [], []
    n_boxes = max(a * b for a, b in zip(widths[:-1], widths[1:]))
    slot = 0.9 / n_boxes
    bw, bh = 0.7, min(0.8 * slot, 0.14)
    for li, (n_in, n_out) in enumerate(zip(widths[:-1], widths[1:])):
        yin, yout = _node_y(n_in), _node_y(n_out)
        yb = np.linspace(0.5 + slot * (n_in * n_out - 1) / 2, 0.5 - slot * (n_in * n_out - 1) / 2, n_in * n_out)
        cx = 2 * li + 1
        for k, (j, i) in enumerate((j, i) for j in range(n_out) for i in range(n_in)):
            imp = float(np.clip(importance[li][j, i], 0.0, 1.0))
            pruned = masks is not None and masks[li][j, i] == 0
            colour = "#9a9a9a" if pruned else sample_colorscale(IMPORTANCE_SCALE, [0.35 + 0.65 * imp])[0]
            alpha = 0.25 if pruned else max(0.12, imp)
            curve_y = ys[li][j, i]
            lo, hi = float(np.min(curve_y)), float(np.max(curve_y))
            span = hi - lo if hi - lo > 1e-9 else 1.0
            px = cx - bw / 2 + bw * np.linspace(0, 1, len(curve_y))
            py = yb[k] - bh / 2 + bh * (curve_y - lo) / span if hi - lo > 1e-9 else np.full(len(curve_y), yb[k])
            label = f"{node_labels[li][i]} → {node_labels[li + 1][j]}"
            text = edge_text[li][j, i] if edge_text is not None else ""
            hover = f"{label}<br>importance {imp:.2f}{' (pruned)' if pruned else ''}<br>{text}"
            traces.append(
                go.Scatter(
                    x=[2 * li, cx - bw / 2, None, cx + bw / 2, 2 * li + 2],
                    y=[yin[i], yb[k], None, yb[k], yout[j]],
                    mode="lines",
                    line=dict(color=colour, width=1.2, dash="dot" if pruned else None),
                    opacity=alpha,
                    hoverinfo="skip",
                    showlegend=False,
                )
            )
            shapes.append(dict(
                type="rect", x0=cx - bw / 2, x1=cx + bw / 2, y0=yb[k] - bh / 2 - 0.004, y1=yb[k] + bh / 2 + 0.004,
                line=dict(color=colour, width=2.5 if highlight == (li, j, i) else 0.8), opacity=alpha,
            ))  # fmt: skip
            traces.append(
                go.Scatter(
                    x=px, y=py, mode="lines", line=dict(color=colour, width=2.2), opacity=alpha, showlegend=False,
                    customdata=np.stack([xs[li][i], curve_y], 1), hovertext=[hover] * len(px),
                    hovertemplate="%{hovertext}<br>x = %{customdata[0]:.3f}, φ(x) = %{customdata[1]:.3f}<extra></extra>",
                )
            )  # fmt: skip
    for li, n in enumerate(widths):
        y = _node_y(n)
        traces.append(
            go.Scatter(
                x=[2 * li] * n, y=y, mode="markers+text", text=list(node_labels[li]), textposition="middle left" if li == 0 else "middle right",
                marker=dict(size=16, color="white", line=dict(color=PALETTE[7], width=2)), showlegend=False,
                hovertemplate="node %{text}<br>adds the edges that enter it<extra></extra>",
            )
        )  # fmt: skip
    # colour bar for importance (an invisible marker carries it)
    traces.append(
        go.Scatter(
            x=[None], y=[None], mode="markers", showlegend=False, hoverinfo="skip",
            marker=dict(colorscale=[[0, sample_colorscale(IMPORTANCE_SCALE, [0.35])[0]], [1, sample_colorscale(IMPORTANCE_SCALE, [1.0])[0]]],
                        cmin=0, cmax=1, color=[0], showscale=True, colorbar=dict(title=dict(text="importance<br>(opacity)"))),
        )
    )  # fmt: skip
    fig.add_traces(traces)
    fig.update_layout(shapes=shapes)
    n_layers = len(widths)
    names = ["inputs"] + [f"hidden {i}" for i in range(1, n_layers - 1)] + ["output"]
    fig.update_xaxes(
        title="layer (each box: one edge's learned function φ(x) over its input range)",
        tickmode="array", tickvals=[2 * li for li in range(n_layers)], ticktext=names, range=[-0.7, 2 * n_layers - 1.3],
        showgrid=False, zeroline=False,
    )  # fmt: skip
    fig.update_yaxes(title="node", showticklabels=False, showgrid=False, zeroline=False, range=[-0.02, 1.02])
    return base_layout(fig, title, height=height or max(420, 34 * n_boxes + 140))


def spline_edge(
    x: np.ndarray,
    total: np.ndarray,
    spline: np.ndarray,
    base: np.ndarray,
    control_x: np.ndarray,
    control_y: np.ndarray,
    knots: np.ndarray,
    *,
    title: str,
    x_title: str,
    y_title: str = "φ(x)",
    data_x: np.ndarray | None = None,
    fit: tuple[np.ndarray, str] | None = None,
    height: int = 440,
) -> go.Figure:
    """One edge: φ = base + spline, the spline's control polygon and the grid knots."""
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=x, y=total, name="φ(x) = base + spline", line=dict(color=PALETTE[0], width=3),
                             hovertemplate="x %{x:.3f}<br>φ %{y:.4f}<extra>φ</extra>"))  # fmt: skip
    fig.add_trace(go.Scatter(x=x, y=spline, name="spline part Σ c_m B_m(x)", line=dict(color=PALETTE[2]),
                             hovertemplate="x %{x:.3f}<br>spline %{y:.4f}<extra></extra>"))  # fmt: skip
    fig.add_trace(go.Scatter(x=x, y=base, name="base part w·b(x)", line=dict(color=PALETTE[4], dash="dash"),
                             hovertemplate="x %{x:.3f}<br>base %{y:.4f}<extra></extra>"))  # fmt: skip
    fig.add_trace(
        go.Scatter(
            x=control_x, y=control_y, name="control points c_m (at Greville abscissae)", mode="lines+markers",
            line=dict(color=PALETTE[1], dash="dot", width=1.5), marker=dict(size=9, symbol="diamond"),
            hovertemplate="control point<br>x %{x:.3f}<br>c %{y:.4f}<extra></extra>",
        )
    )  # fmt: skip
    if fit is not None:
        fig.add_trace(go.Scatter(x=x, y=fit[0], name=f"symbolic fit: {fit[1]}", line=dict(color=PALETTE[3], dash="dashdot", width=2),
                                 hovertemplate="x %{x:.3f}<br>fit %{y:.4f}<extra></extra>"))  # fmt: skip
    lo = float(np.nanmin(np.concatenate([total, spline, base, control_y])))
    fig.add_trace(
        go.Scatter(
            x=knots, y=[lo] * len(knots), name="grid knots t_m", mode="markers",
            marker=dict(symbol="line-ns-open", size=16, color=PALETTE[7], line=dict(width=2)),
            hovertemplate="knot t = %{x:.3f}<extra></extra>",
        )
    )  # fmt: skip
    fig.update_layout(
        shapes=[
            dict(type="line", xref="x", yref="paper", x0=float(t), x1=float(t), y0=0, y1=1, line=dict(color="#bbb", width=1, dash="dot"))
            for t in knots
        ]
    )
    if data_x is not None and len(data_x):
        counts, edges = np.histogram(data_x, bins=30)
        fig.add_trace(
            go.Bar(x=(edges[:-1] + edges[1:]) / 2, y=counts, width=np.diff(edges), name="training inputs (count)", yaxis="y2",
                   marker_color="rgba(120,120,120,0.18)", hovertemplate="x ≈ %{x:.3f}<br>inputs in bin: %{y}<extra></extra>")
        )  # fmt: skip
        fig.update_layout(
            yaxis2=dict(
                overlaying="y", side="right", showgrid=False, title=dict(text="training inputs (count)"), range=[0, 3.5 * counts.max()]
            )
        )
    fig.update_layout(xaxis=dict(title=dict(text=x_title)), yaxis=dict(title=dict(text=y_title)))
    return base_layout(fig, title, height=height, legend=dict(orientation="h", y=-0.2))
