"""Probing classifiers: linear read-outs of each layer, control tasks, probe capacity, the information plane."""

import streamlit as st

from nnviz.ui import LabPage

page = LabPage("probing")
page.header(
    "Train the Attention lab's **transformer** on a toy task (or an **MLP on 8x8 digits**), then fit a small "
    "classifier, a *probe*, on the hidden states of each layer: which layer makes position, token identity or the "
    "answer readable? **Control tasks** tell the property apart from the probe's own memory, and the "
    "**information plane** follows each layer over training."
)
config = page.controls()
result = page.train(config)
if result is not None:
    page.summary_metrics(result, {"task_acc": "Task accuracy", "loss": "Final loss", "train_seconds": "Train time (s)"})
    main, side = st.columns([2.3, 1], gap="large")
    with main:
        view = page.views(result)
        figs = page.figures(result, view)
        tabs = st.tabs(["Probes per layer", "Capacity", "Information plane", "Training", "Compare runs"])
        with tabs[0]:
            page.show(result, figs, ["probe_layers", "selectivity", "pca"], key="layers")
        with tabs[1]:
            page.show(result, figs, ["capacity"], key="capacity")
        with tabs[2]:
            page.show(result, figs, ["info_plane", "info_timeline"], key="info")
        with tabs[3]:
            page.show(result, figs, ["curves"], key="train")
        with tabs[4]:
            page.compare(result, view)
        page.export_page(result, figs)
    with side, st.container(height=900, border=False):
        page.explain()
