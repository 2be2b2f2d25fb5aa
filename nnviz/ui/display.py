"""Figures on screen, each with its caption and an export menu (PNG / SVG / PDF / HTML / CSV / JSON).

Export bytes are made only when a download button is clicked (Streamlit's deferred data), so a
page with many figures costs nothing until someone exports.
"""

from __future__ import annotations

import streamlit as st

from nnviz import export
from nnviz.viz.theme import slide

PLOTLY_CONFIG = {"displaylogo": False, "toImageButtonOptions": {"format": "png", "scale": 2}}


def _slide_preview() -> bool:
    return bool(st.session_state.get("slide_preview", False))


def export_menu(fig, name: str, key: str) -> None:
    static_ok, message = export.static_export_status()
    with st.popover("Export", icon=":material/download:"):
        st.caption("Light slide theme: white background, large fonts, colour-blind-safe colours.")
        cols = st.columns(3)
        for i, fmt in enumerate(export.FORMATS):
            disabled = fmt in export.STATIC_FORMATS and not static_ok
            cols[i % 3].download_button(
                fmt.upper(),
                data=(lambda f=fmt: export.to_bytes(fig, f)),
                file_name=f"{name}.{fmt}",
                mime=export.MIME[fmt],
                key=f"dl.{key}.{fmt}",
                on_click="ignore",
                disabled=disabled,
                help=message if disabled else f"Download {name}.{fmt}",
            )
        if not static_ok:
            st.caption(message)


def show(fig, name: str, *, key: str, caption: str = "", title: str = "") -> None:
    """One figure, its export menu and its caption."""
    head = st.columns([3, 1], vertical_alignment="bottom")
    if title:
        head[0].markdown(f"#### {title}")
    with head[1]:
        export_menu(fig, name, key)
    shown = slide(fig) if _slide_preview() else fig
    st.plotly_chart(shown, key=f"chart.{key}", config=PLOTLY_CONFIG, width="stretch", theme=None)
    if caption:
        st.caption(caption)


def show_all(result, figures: dict, names: list[str] | None = None, *, key: str) -> None:
    infos = getattr(result, "FIGURES", {})
    for name in names or list(figures):
        if name not in figures:
            continue
        info = infos.get(name)
        show(figures[name], name, key=f"{key}.{name}", caption=info.caption if info else "", title=info.title if info else "")
