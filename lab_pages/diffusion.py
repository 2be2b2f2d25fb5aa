"""Diffusion models: a DDPM noises data step by step and learns to undo it."""

import streamlit as st

from nnviz.ui import LabPage

page = LabPage("diffusion")
page.header(
    "A **denoising diffusion model** (DDPM) destroys data with Gaussian noise over T small steps and trains a small "
    "network to predict that noise. Run backwards from pure noise, it draws new samples. Scrub the forward and "
    "reverse processes, see the learned score field, and compare DDPM with the faster DDIM sampler."
)
config = page.controls()
result = page.train(config)
if result is not None:
    labels = {"loss": "Training loss", "heldout_loss": "Held-out loss", "swd": "Sample SWD ↓", "train_seconds": "Train time (s)"}
    if config.data != "digits":
        labels = {**labels, "near": "Sample → data distance"}
    page.summary_metrics(result, labels)
    main, side = st.columns([2.3, 1], gap="large")
    with main:
        view = page.views(result)
        figs = page.figures(result, view)
        tabs = st.tabs(["Forward process", "Reverse process", "Noise prediction", "DDPM vs DDIM", "Training", "Compare runs"])
        with tabs[0]:
            page.show(result, figs, ["forward", "schedule"], key="forward")
        with tabs[1]:
            page.show(result, figs, ["reverse", "field", "reverse_strip"], key="reverse")
        with tabs[2]:
            page.show(result, figs, ["noise_pred", "loss_per_t"], key="noise")
        with tabs[3]:
            page.show(result, figs, ["samplers", "sampler_samples"], key="samplers")
        with tabs[4]:
            page.show(result, figs, ["curves"], key="train")
        with tabs[5]:
            page.compare(result, view)
        page.export_page(result, figs)
    with side, st.container(height=900, border=False):
        page.explain()
