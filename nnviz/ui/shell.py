"""App shell pieces: navigation from the catalog, the sidebar, the home page cards."""

from __future__ import annotations

import streamlit as st

from nnviz import catalog


def navigation():
    pages = {"nnviz": [st.Page("lab_pages/home.py", title="Home", icon=":material/home:", default=True, url_path="home")]}
    for section, labs in catalog.sections().items():
        pages[section] = [st.Page(lab.page, title=lab.title, icon=lab.icon, url_path=lab.name) for lab in labs]
    return st.navigation(pages, expanded=True)  # every lab visible: the default folds the list after 10 pages


def sidebar() -> None:
    from nnviz.core.device import describe_device  # imports torch: after the page list is up

    with st.sidebar:
        st.caption(f":material/memory: Device: **{describe_device()}**")
        st.toggle(
            "Slide theme on screen",
            key="slide_preview",
            help="Preview figures as they will be exported: white, large fonts. Exports always use it.",
        )


def home() -> None:
    st.title("nnviz")
    st.markdown(
        "An interactive explorer of advanced neural networks. Every page trains a small PyTorch model "
        "live, shows what it learned, and lets you change a setting and watch it retrain in seconds. "
        "Settings live in the URL (share the link), every figure exports for slides, the timeline "
        "scrubs through training, and *pin & compare* puts two runs side by side."
    )
    for section, labs in catalog.sections().items():
        st.subheader(section)
        cols = st.columns(3)
        for i, lab in enumerate(labs):
            with cols[i % 3].container(border=True):
                st.markdown(f"**{lab.title}**")
                st.caption(lab.blurb)
                st.page_link(lab.page, label="Open", icon=lab.icon)
