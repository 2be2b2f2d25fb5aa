"""Attention mechanisms: a tiny transformer learns a toy task; every head's pattern is on show."""

import streamlit as st

from nnviz.labs import attention as lab
from nnviz.ui import LabPage

page = LabPage("attention")
page.header(
    "A small transformer learns to **copy, reverse, sort or shift** a sequence of tokens. Each task has a "
    "known ideal attention pattern, so you can see whether, when and how the heads find it."
)
config = page.controls()
result = page.train(config)
if result is not None:
    page.summary_metrics(
        result,
        {
            "token_acc": "Token accuracy",
            "seq_acc": "Sequence accuracy",
            "ideal_mass": "Attention on ideal",
            "params": "Parameters",
            "train_seconds": "Train time (s)",
        },
    )
    main, side = st.columns([2.3, 1], gap="large")
    with main:
        view = page.views(result)
        figs = page.figures(result, view)
        tabs = st.tabs(["Attention", "Step by step", "Training", "Variants", "Compare runs"])
        with tabs[0]:
            page.show(result, figs, ["heads", "overview", "mask", "relative_bias"], key="attn")
        with tabs[1]:
            page.show(result, figs, ["step", "scaling"], key="step")
        with tabs[2]:
            page.show(result, figs, ["curves", "formation"], key="train")
        with tabs[3]:
            st.markdown("Train all six variants with these settings (cached after the first time).")
            if st.button("Compare all variants", icon=":material/compare_arrows:", key="variants"):
                st.session_state["variants_for"] = config
            if st.session_state.get("variants_for") == config:
                runs = [page.train(c, label=f"Training variant {c.variant}") for c in lab.variant_configs(config)]
                if all(runs):
                    page.dataframe(lab.variant_table(runs))
                    page.show(runs[0], lab.variant_figures(runs, example=view.get("example", 0)), key="variants")
        with tabs[4]:
            page.compare(result, view)
        page.export_page(result, figs)
    with side, st.container(height=900, border=False):
        page.explain()
