"""Attribution bench: eight attribution methods on one input of a live-trained model, side by side."""

import streamlit as st

from nnviz.ui import LabPage

page = LabPage("attribution")
page.header(
    "A small **CNN on 8x8 digits** (or an **MLP on a tabular set**) trains in a second. Pick an input and eight "
    "attribution methods explain the model's prediction side by side: do they agree, do they add up, and do they "
    "still look the same when the model's weights are replaced by random ones?"
)
config = page.controls()
result = page.train(config)
if result is not None:
    page.summary_metrics(result, {"test_acc": "Test accuracy", "params": "Parameters", "train_seconds": "Train time (s)"})
    main, side = st.columns([2.3, 1], gap="large")
    with main:
        view = page.views(result)
        figs = page.figures(result, view)
        a = result.attributions(**view)
        c1, c2, c3, c4 = st.columns(4)
        c1.metric("Explained class", f"{result.class_names[a['target']]} (p = {a['prob']:.2f})")
        c2.metric("IG completeness gap", f"{100 * result.completeness_gap(**view):.2f} %", help="|Σ IG − (f(x) − f(x′))| / |f(x) − f(x′)|")
        c3.metric("LIME fidelity R²", f"{a['lime_score']:.2f}", help="R² of LIME's weighted linear surrogate on its own samples")
        c4.metric("All methods (s)", f"{sum(a['seconds'].values()):.2f}")
        tabs = st.tabs(["Methods", "Agreement", "Sanity check", "Completeness", "SHAP & LIME", "Training", "Compare runs"])
        with tabs[0]:
            page.show(result, figs, ["maps", "timing"], key="maps")
        with tabs[1]:
            page.show(result, figs, ["agreement"], key="agree")
        with tabs[2]:
            page.show(result, figs, ["sanity", "sanity_curve"], key="sanity")
        with tabs[3]:
            page.show(result, figs, ["completeness"], key="complete")
        with tabs[4]:
            page.show(result, figs, ["waterfall", "beeswarm", "lime"], key="shap")
        with tabs[5]:
            page.show(result, figs, ["curves"], key="train")
        with tabs[6]:
            page.compare(result, view)
        page.export_page(result, figs)
    with side, st.container(height=900, border=False):
        page.explain()
