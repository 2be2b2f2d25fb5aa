"""Spiking networks: a leaky integrate-and-fire neuron, and a surrogate-gradient classifier on rate-coded digits."""

import streamlit as st

from nnviz.labs import spiking as lab
from nnviz.ui import LabPage

page = LabPage("spiking")
page.header(
    "Spiking neurons talk in **all-or-nothing spikes** over time. Drive one **leaky integrate-and-fire** neuron and "
    "watch it charge and fire; then train a small spiking network on **rate-coded digits** with a surrogate gradient "
    "and see its spikes, how sparse they are, and what they would cost in energy next to an ordinary network."
)
config = page.controls()
result = page.train(config)
if result is not None:
    page.summary_metrics(
        result,
        {"test_acc": "Test accuracy", "hidden_rate": "Hidden firing rate", "synops": "SynOps / image", "energy_ratio": "Energy vs ANN", "train_seconds": "Train time (s)"},
    )  # fmt: skip
    main, side = st.columns([2.3, 1], gap="large")
    with main:
        view = page.views(result)
        figs = page.figures(result, view)
        tabs = st.tabs(["Neuron", "Spikes", "Counts & sparsity", "Energy", "Compare runs"])
        with tabs[0]:
            st.markdown("Drive one neuron with a constant current (no retraining: these sliders only move this neuron).")
            c1, c2, c3 = st.columns(3)
            current = c1.slider("Input current I", 0.0, 1.0, 0.15, 0.01, key="lif.current")
            beta = c2.slider("Decay β", 0.3, 0.99, float(config.beta), 0.01, key="lif.beta")
            threshold = c3.slider("Threshold θ", 0.25, 4.0, float(config.threshold), 0.05, key="lif.threshold")
            reset = st.radio("Reset after a spike", ["zero", "subtract"], horizontal=True, key="lif.reset")
            page.show(result, {"lif": lab.lif_figure(beta, threshold, current, reset)}, key="lif")
        with tabs[1]:
            page.show(result, figs, ["raster", "membrane"], key="spikes")
        with tabs[2]:
            page.show(result, figs, ["counts", "sparsity", "curves"], key="counts")
        with tabs[3]:
            page.show(result, figs, ["energy"], key="energy")
        with tabs[4]:
            page.compare(result, view)
        page.export_page(result, figs)
    with side, st.container(height=900, border=False):
        page.explain()
