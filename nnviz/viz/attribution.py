"""Figures for attribution methods drawn from the libraries' arrays: SHAP beeswarm and waterfall,
signed horizontal bars (LIME weights), IG completeness. shap's and captum's own plots are matplotlib."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from nnviz.viz.theme import DIVERGING, PALETTE, base_layout


def beeswarm(
    values: np.ndarray,
    feature_values: np.ndarray,
    feature_names: Sequence[str],
    *,
    title: str,
    top: int = 12,
    x_title: str = "SHAP value (contribution to the logit)",
    seed: int = 0,
) -> go.Figure:
    """values, feature_values: (N, F). One row per feature (largest mean |value| on top), one dot per
    example at its SHAP value, coloured by the feature's own value (standardised), jittered vertically."""
    values, feature_values = np.asarray(values, float), np.asarray(feature_values, float)
    order = np.argsort(-np.abs(values).mean(0))[:top]
    rng = np.random.default_rng(seed)
    fig = go.Figure()
    lim = float(np.nanpercentile(np.abs(feature_values[:, order]), 95)) or 1.0
    for rank, f in enumerate(order):
        y = rank + rng.uniform(-0.3, 0.3, size=len(values))
        fig.add_trace(
            go.Scattergl(
                x=values[:, f],
                y=y,
                mode="markers",
                name=feature_names[f],
                showlegend=False,
                marker=dict(
                    size=6,
                    color=feature_values[:, f],
                    coloraxis="coloraxis",
                    line=dict(width=0.3, color="#444"),
                ),
                customdata=feature_values[:, f],
                hovertemplate=f"{feature_names[f]}<br>SHAP %{{x:.3f}}<br>feature value %{{customdata:.2f}} sd<extra></extra>",
            )
        )
    fig.add_vline(x=0, line=dict(color="#888", width=1))
    fig.update_yaxes(
        title="feature (by mean |SHAP|)",
        tickmode="array",
        tickvals=list(range(len(order))),
        ticktext=[feature_names[f] for f in order],
        autorange="reversed",
    )
    fig.update_xaxes(title=x_title)
    fig.update_layout(coloraxis=dict(colorscale=DIVERGING, cmin=-lim, cmax=lim, colorbar=dict(title=dict(text="feature value (sd)"))))
    return base_layout(fig, title, height=max(380, 34 * len(order) + 140))


def waterfall(
    contributions: np.ndarray,
    feature_names: Sequence[str],
    feature_values: Sequence[float],
    *,
    base: float,
    title: str,
    top: int = 10,
    y_title: str = "logit",
) -> go.Figure:
    """From E[f] (the base) through the largest contributions (the rest lumped) to f(x)."""
    c = np.asarray(contributions, float)
    order = np.argsort(-np.abs(c))
    keep, rest = order[:top], order[top:]
    labels = [f"{feature_names[i]} = {feature_values[i]:.2g}" for i in keep]
    steps = list(c[keep])
    if len(rest):
        labels.append(f"{len(rest)} other features")
        steps.append(float(c[rest].sum()))
    x = ["E[f] (background)", *labels, "f(x)"]
    y = [base, *steps, base + float(c.sum())]
    measure = ["absolute", *["relative"] * len(steps), "total"]
    fig = go.Figure(
        go.Waterfall(
            x=x,
            y=y,
            measure=measure,
            increasing=dict(marker=dict(color=PALETTE[3])),
            decreasing=dict(marker=dict(color=PALETTE[0])),
            totals=dict(marker=dict(color="#777")),
            texttemplate="%{delta:+.3f}",
            hovertemplate="%{x}<br>contribution %{delta:+.4f}<br>running total %{y:.4f}<extra></extra>",
            name="contribution",
            showlegend=True,
            cliponaxis=False,
        )
    )
    fig.update_xaxes(title="feature (value in sd from the training mean)", tickangle=-35)
    fig.update_yaxes(title=y_title)
    base_layout(fig, title, height=500, legend=dict(orientation="h", y=1.1, x=1, xanchor="right"))
    fig.update_layout(margin=dict(t=90))
    return fig


def signed_bars(weights: np.ndarray, names: Sequence[str], *, title: str, x_title: str, top: int = 12, series: str = "weight") -> go.Figure:
    """Horizontal bars of the largest |weights|, red positive, blue negative."""
    w = np.asarray(weights, float)
    order = np.argsort(-np.abs(w))[:top][::-1]
    colors = [PALETTE[3] if w[i] > 0 else PALETTE[0] for i in order]
    fig = go.Figure(
        go.Bar(
            x=w[order],
            y=[names[i] for i in order],
            orientation="h",
            marker_color=colors,
            name=series,
            showlegend=True,
            hovertemplate=f"%{{y}}<br>{series} %{{x:.4f}}<extra></extra>",
        )
    )
    fig.add_vline(x=0, line=dict(color="#888", width=1))
    fig.update_xaxes(title=x_title)
    fig.update_yaxes(title="feature")
    return base_layout(fig, title, height=max(360, 30 * len(order) + 140), legend=dict(orientation="h", y=1.08, x=1, xanchor="right"))


def completeness(
    sums: Mapping[str, float],
    deltas_f: Mapping[str, float],
    steps: Sequence[int],
    gaps: Mapping[str, Sequence[float]],
    *,
    title: str,
    chosen: str,
) -> go.Figure:
    """Left: Σ IG against f(x) − f(x′) per baseline. Right: relative gap against the number of steps."""
    fig = make_subplots(
        rows=1, cols=2, subplot_titles=("sum of attributions vs f(x) − f(x′)", "|Σ IG − Δf| / |Δf| vs integration steps"),
        horizontal_spacing=0.14,
    )  # fmt: skip
    names = list(sums)
    fig.add_trace(
        go.Bar(x=names, y=[sums[n] for n in names], name="Σ attributions", marker_color=PALETTE[0],
               hovertemplate="baseline %{x}<br>Σ IG %{y:.4f}<extra></extra>"), 1, 1
    )  # fmt: skip
    fig.add_trace(
        go.Bar(x=names, y=[deltas_f[n] for n in names], name="f(x) − f(x′)", marker_color=PALETTE[1],
               hovertemplate="baseline %{x}<br>f(x) − f(x′) %{y:.4f}<extra></extra>"), 1, 1
    )  # fmt: skip
    bases = list(dict.fromkeys(name.split(" (")[0] for name in gaps))
    for name, gap in gaps.items():
        i = bases.index(name.split(" (")[0])
        fig.add_trace(
            go.Scatter(
                x=list(steps), y=np.maximum(np.asarray(gap, float), 1e-9), name=name, mode="lines+markers",
                line=dict(color=PALETTE[(i + 2) % len(PALETTE)], width=3 if name.startswith(chosen) else 1.5,
                          dash="dot" if "trapezoid" in name else None),
                hovertemplate=f"{name}<br>steps %{{x}}<br>relative gap %{{y:.2e}}<extra></extra>",
            ), 1, 2,
        )  # fmt: skip
    fig.update_xaxes(title="baseline x′", row=1, col=1)
    fig.update_yaxes(title="logit difference", row=1, col=1)
    fig.update_xaxes(title="integration steps", type="log", row=1, col=2)
    fig.update_yaxes(title="relative gap (fraction)", type="log", row=1, col=2)
    return base_layout(fig, title, height=440, barmode="group", legend=dict(orientation="h", y=-0.25))


def map_grid(
    images: np.ndarray,
    *,
    title: str,
    cols: int,
    colorbar_title: str,
    titles: Sequence[str] | None = None,
    row_titles: Sequence[str] | None = None,
    col_titles: Sequence[str] | None = None,
    cell: int = 130,
) -> go.Figure:
    """(N, H, W) signed maps in a grid on one diverging scale centred on 0.

    Label each panel (titles) or the rows and columns (row_titles on the left, col_titles on top).
    Like viz.images.image_grid, but the domains are clamped to [0, 1] (image_grid's bottom row can
    round to -5e-17, which plotly refuses, with four or more rows) and each square panel shrinks
    about the centre of its cell (constrain="domain"), so the labels stay over their panels."""
    images = np.asarray(images, dtype=float)
    n = len(images)
    cols = max(1, min(cols, n))
    rows = int(np.ceil(n / cols))
    lim = float(np.nanmax(np.abs(images))) or 1.0
    left = 0.12 if row_titles else 0.0
    gap_x, gap_y = 0.015, 28 / max(rows * cell, 1)
    cw, rh = (1 - left - gap_x * (cols - 1)) / cols, (1 - gap_y * (rows - 1)) / rows
    fig = go.Figure()
    layout, notes = {}, []
    for k in range(n):
        r, c = divmod(k, cols)
        sfx = "" if k == 0 else str(k + 1)
        x0 = left + c * (cw + gap_x)
        y1 = min(1.0, 1 - r * (rh + gap_y))
        label = titles[k] if titles else f"{row_titles[r] if row_titles else ''} {col_titles[c] if col_titles else ''}".strip()
        fig.add_trace(
            go.Heatmap(z=images[k], coloraxis="coloraxis", xaxis=f"x{sfx}", yaxis=f"y{sfx}",
                       hovertemplate=f"{label}<br>row %{{y}}, col %{{x}}<br>value %{{z:.3f}}<extra></extra>")
        )  # fmt: skip
        axis = dict(showticklabels=False, showgrid=False, zeroline=False, constrain="domain")
        layout[f"xaxis{sfx}"] = dict(axis, domain=[max(0.0, x0), min(1.0, x0 + cw)], anchor=f"y{sfx}")
        layout[f"yaxis{sfx}"] = dict(axis, domain=[max(0.0, y1 - rh), y1], autorange="reversed", scaleanchor=f"x{sfx}", anchor=f"x{sfx}")
        top = titles[k] if titles else (col_titles[c] if col_titles and r == 0 else None)
        if top:
            notes.append(
                dict(text=str(top), x=x0 + cw / 2, y=y1, xref="paper", yref="paper", yanchor="bottom", showarrow=False, font=dict(size=12))
            )
        if row_titles and c == 0:
            notes.append(
                dict(
                    text=str(row_titles[r]),
                    x=left - 0.01,
                    y=y1 - rh / 2,
                    xref="paper",
                    yref="paper",
                    xanchor="right",
                    showarrow=False,
                    font=dict(size=12),
                )
            )
    fig.update_layout(
        layout,
        annotations=notes,
        coloraxis=dict(colorscale=DIVERGING, cmin=-lim, cmax=lim, colorbar=dict(title=dict(text=colorbar_title, side="right"))),
    )
    return base_layout(fig, title, height=max(260, rows * cell + 120))
