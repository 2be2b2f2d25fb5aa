"""Concepts: TCAV scores per layer for concepts built from the digits, against random concepts."""

import streamlit as st

from nnviz.ui import LabPage

page = LabPage("concepts")
page.header(
    "The attribution bench's **digits CNN** trains in a second. A *concept* is a set of images picked by a pixel "
    "rule (**thick strokes**, **thin strokes**, **closed loops**); its activation vector (CAV) at a layer separates "
    "it from random images. **TCAV** asks: how often does a class's logit rise along that direction, and is that "
    "more than random directions manage?"
)
config = page.controls()
result = page.train(config)
if result is not None:
    page.summary_metrics(result, {"test_acc": "Test accuracy", "loss": "Final loss", "train_seconds": "Train time (s)"})
    main, side = st.columns([2.3, 1], gap="large")
    with main:
        view = page.views(result)
        figs = page.figures(result, view)
        tabs = st.tabs(["TCAV", "Concepts", "Training", "Compare runs"])
        with tabs[0]:
            page.show(result, figs, ["tcav", "cav_accuracy"], key="tcav")
        with tabs[1]:
            page.show(result, figs, ["concept_examples"], key="examples")
        with tabs[2]:
            page.show(result, figs, ["curves"], key="train")
        with tabs[3]:
            page.compare(result, view)
        page.export_page(result, figs)
    with side, st.container(height=900, border=False):
        page.explain()
