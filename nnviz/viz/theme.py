"""One shared look: a screen template for the app and a light slide template for export.

Colours are the Okabe-Ito palette (safe for the common colour-vision deficiencies) and viridis /
a blue-red diverging scale for heatmaps.
"""

from __future__ import annotations

import copy

import plotly.graph_objects as go
import plotly.io as pio

PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000")
SEQUENTIAL = "Viridis"
DIVERGING = "RdBu_r"
FONT = "Inter, Helvetica, Arial, sans-serif"


def _template(font_size: int, title_size: int, line_width: float) -> go.layout.Template:
    base = copy.deepcopy(pio.templates["plotly_white"])
    base.layout.colorway = PALETTE
    base.layout.font = dict(family=FONT, size=font_size, color="#222")
    base.layout.title = dict(font=dict(size=title_size), x=0.0, xanchor="left")
    base.layout.paper_bgcolor = "white"
    base.layout.plot_bgcolor = "white"
    base.layout.colorscale = dict(sequential=SEQUENTIAL, diverging=DIVERGING)
    base.layout.hoverlabel = dict(font=dict(size=max(12, font_size - 2)))
    base.layout.legend = dict(bgcolor="rgba(255,255,255,0.8)")
    base.data.scatter = [go.Scatter(line=dict(width=line_width))]
    return base


APP = _template(13, 16, 2.0)
SLIDE = _template(20, 26, 3.5)
pio.templates["nnviz"] = APP
pio.templates["nnviz_slide"] = SLIDE
# The default template is applied when a figure is serialised; naming it per figure would
# deep-copy it each time (~12 ms a figure).
pio.templates.default = "nnviz"


def slide(fig: go.Figure, width: int = 1280, height: int | None = None) -> go.Figure:
    """A copy of fig in the slide theme: white, large fonts, wide, ready for PNG/SVG/PDF."""
    out = go.Figure(fig)
    h = height or int(fig.layout.height or 520) + 140
    out.update_layout(template="nnviz_slide", width=width, height=h, margin=dict(l=90, r=40, t=100, b=80))
    out.update_annotations(font_size=20)
    return out


def base_layout(fig: go.Figure, title: str, height: int = 420, **kw) -> go.Figure:
    fig.update_layout(title=title, height=height, margin=dict(l=60, r=20, t=60, b=50), **kw)
    return fig
