"""Autoregressive models: PixelCNN's masked convolutions and WaveNet's dilated causal convolutions."""

import streamlit as st

from nnviz.ui import LabPage

page = LabPage("autoregressive")
page.header(
    "An **autoregressive model** writes p(x) as a product of conditionals p(x_i | x_<i) and predicts each pixel or "
    "sample from the ones before it. Masked (PixelCNN) and causal dilated (WaveNet) convolutions compute all the "
    "conditionals in one parallel pass for training; generation must still go one step at a time."
)
config = page.controls()
result = page.train(config)
if result is not None:
    if config.model == "pixelcnn":
        labels = {"bits_per_dim": "Bits per pixel", "sampling_ms": "Sampling (ms)", "parallel_ms": "One pass (ms)"}
    else:
        labels = {"test_mse": "Next-sample MSE", "receptive_field": "Receptive field", "sampling_ms": "Sampling (ms)"}
    page.summary_metrics(result, {**labels, "train_seconds": "Train time (s)"})
    main, side = st.columns([2.3, 1], gap="large")
    with main:
        view = page.views(result)
        figs = page.figures(result, view)
        tabs = st.tabs(["Structure", "Generation", "Training & timing", "Compare runs"])
        with tabs[0]:
            page.show(result, figs, ["masks", "receptive", "wavenet_field", "wavenet_rf"], key="structure")
        with tabs[1]:
            page.show(result, figs, ["generation", "conditionals", "wavenet_generation"], key="generation")
        with tabs[2]:
            page.show(result, figs, ["curves", "timing"], key="train")
        with tabs[3]:
            page.compare(result, view)
        page.export_page(result, figs)
    with side, st.container(height=900, border=False):
        page.explain()
