"""Generative adversarial networks: a generator learns a ring of Gaussians against a discriminator."""

import streamlit as st

from nnviz.ui import LabPage

page = LabPage("gan")
page.header(
    "A **generator** turns random noise into points; a **discriminator** tries to tell them from real data. Each "
    "trains against the other. Watch the discriminator's decision surface, the generated points climbing it, and "
    "whether the generator covers every mode of the ring or collapses onto a few."
)
config = page.controls()
result = page.train(config)
if result is not None:
    page.summary_metrics(
        result,
        {
            "modes": "Modes covered",
            "quality": "Points on a mode",
            "D_real": "Mean D(real)",
            "D_fake": "Mean D(fake)",
            "train_seconds": "Train time (s)",
        },
    )
    main, side = st.columns([2.3, 1], gap="large")
    with main:
        view = page.views(result)
        figs = page.figures(result, view)
        tabs = st.tabs(["Arena", "Training", "Generator", "Compare runs"])
        with tabs[0]:
            page.show(result, figs, ["arena", "samples", "modes"], key="arena")
        with tabs[1]:
            page.show(result, figs, ["curves", "evolution"], key="train")
        with tabs[2]:
            if "latent" not in figs:
                st.info("The noise-grid figure needs the ring data and 2-D noise (Noise dimensions 2).")
            page.show(result, figs, ["latent"], key="latent")
        with tabs[3]:
            page.compare(result, view)
        page.export_page(result, figs)
    with side, st.container(height=900, border=False):
        page.explain()
