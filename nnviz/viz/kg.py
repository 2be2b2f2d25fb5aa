"""A knowledge graph drawn with one colour per relation (legend toggles relations) on a fixed layout.

Edges are straight segments from head to tail with a marker at 70% of the way (the arrow's side), so
direction stays readable without arrowheads; held-out facts are dashed. Layout coordinates have no unit.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from nnviz.viz.theme import PALETTE, base_layout


def relation_graph(
    pos: np.ndarray,
    triples: np.ndarray,
    relation_names: Sequence[str],
    *,
    title: str,
    node_text: Sequence[str],
    node_groups: np.ndarray,
    group_names: Sequence[str],
    dashed: np.ndarray | None = None,
    shown: Sequence[int] | None = None,
    highlight: dict[int, str] | None = None,
    axis_titles: tuple[str, str] = ("layout x (no unit)", "layout y (no unit)"),
    height: int = 520,
) -> go.Figure:
    """triples (M, 3) rows (head, relation, tail); shown: relations visible at first (others one click away);
    highlight: node -> label drawn on it (e.g. the query's head and its top answers)."""
    fig = go.Figure()
    dashed = np.zeros(len(triples), bool) if dashed is None else np.asarray(dashed, bool)
    shown = set(range(len(relation_names)) if shown is None else shown)
    for r, name in enumerate(relation_names):
        colour = PALETTE[r % len(PALETTE)]
        for held in (False, True):
            sel = triples[(triples[:, 1] == r) & (dashed == held)]
            if not len(sel):
                continue
            xs, ys = [], []
            for h, _, t in sel:
                xs += [pos[h, 0], pos[t, 0], None]
                ys += [pos[h, 1], pos[t, 1], None]
            label = f"{name} (held out)" if held else name
            vis = True if r in shown else "legendonly"
            fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", name=label, legendgroup=label, visible=vis, hoverinfo="skip",
                                     line=dict(color=colour, width=1.6, dash="dash" if held else "solid")))  # fmt: skip
            tip = pos[sel[:, 0]] * 0.3 + pos[sel[:, 2]] * 0.7
            fig.add_trace(go.Scatter(x=tip[:, 0], y=tip[:, 1], mode="markers", legendgroup=label, showlegend=False, visible=vis,
                                     marker=dict(color=colour, size=6, symbol="diamond"),
                                     text=[f"{node_text[h]}<br><b>{name}</b><br>{node_text[t]}{' (held out)' if held else ''}" for h, _, t in sel],
                                     hovertemplate="%{text}<extra></extra>"))  # fmt: skip
    highlight = highlight or {}
    for g, gname in enumerate(group_names):
        idx = np.flatnonzero(node_groups == g)
        if not len(idx):
            continue
        fig.add_trace(go.Scatter(
            x=pos[idx, 0], y=pos[idx, 1], mode="markers+text", name=gname,
            text=[highlight.get(i, "") for i in idx], textposition="top center", textfont=dict(size=11, color="#111"),
            marker=dict(size=[16 if i in highlight else 11 for i in idx], color="white" if g else "#444",
                        line=dict(width=[3 if i in highlight else 1.2 for i in idx], color="#111")),
            customdata=[node_text[i] for i in idx], hovertemplate="%{customdata}<extra></extra>",
        ))  # fmt: skip
    fig.update_xaxes(title=axis_titles[0], showticklabels=False, showgrid=False, zeroline=False)
    fig.update_yaxes(title=axis_titles[1], showticklabels=False, showgrid=False, zeroline=False)
    return base_layout(fig, title, height=height, legend=dict(orientation="h", y=-0.12), hovermode="closest")
