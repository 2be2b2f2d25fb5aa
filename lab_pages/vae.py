"""Variational autoencoders: digits through a Gaussian latent, the reparameterisation trick laid out."""

import streamlit as st

from nnviz.labs import vae as lab
from nnviz.ui import LabPage

page = LabPage("vae")
page.header(
    "A **variational autoencoder** encodes each 8x8 digit as a Gaussian in a 2-D latent space, samples from it with "
    "the reparameterisation trick and decodes the sample. The KL term keeps the latent close to N(0, I), so every "
    "point of the plane decodes to something digit-like."
)
config = page.controls()
result = page.train(config)
if result is not None:
    page.summary_metrics(
        result,
        {"recon": "Reconstruction (nats)", "kl": "KL (nats)", "elbo": "Held-out ELBO", "train_seconds": "Train time (s)"},
    )
    main, side = st.columns([2.3, 1], gap="large")
    with main:
        view = page.views(result)
        figs = page.figures(result, view)
        tabs = st.tabs(["Latent space", "Reparameterisation", "Interpolation", "Training", "β sweep", "Compare runs"])
        with tabs[0]:
            page.show(result, figs, ["latent", "manifold"], key="latent")
        with tabs[1]:
            page.show(result, figs, ["reparam", "reparam_decoded"], key="reparam")
        with tabs[2]:
            page.show(result, figs, ["interpolation", "reconstructions"], key="interp")
        with tabs[3]:
            page.show(result, figs, ["curves"], key="train")
        with tabs[4]:
            st.markdown("Train the same model at five values of β (cached after the first time).")
            if st.button("Sweep β", icon=":material/tune:", key="beta_sweep"):
                st.session_state["beta_sweep_for"] = config
            if st.session_state.get("beta_sweep_for") == config:
                runs = [page.train(c, label=f"Training β = {c.beta:g}") for c in lab.beta_sweep(config)]
                if all(runs):
                    page.show(runs[0], {"beta_sweep": lab.beta_figure(runs)}, key="sweep")
        with tabs[5]:
            page.compare(result, view)
        page.export_page(result, figs)
    with side, st.container(height=900, border=False):
        page.explain()
