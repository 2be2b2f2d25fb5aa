"""Attention relevance: token importance by attention, rollout, gradient x attention and integrated gradients."""

import streamlit as st

from nnviz.ui import LabPage

page = LabPage("attention_relevance")
page.header(
    "The Attention lab's transformer learns a toy task whose **ideal pattern is known**. Which input tokens does "
    "each output really use? Four answers per layer: the raw **attention** weights, **attention rollout**, "
    "**gradient × attention** and **integrated gradients** on the hidden states, each scored against the truth."
)
config = page.controls()
result = page.train(config)
if result is not None:
    page.summary_metrics(result, {"token_acc": "Token accuracy", "loss": "Final loss", "train_seconds": "Train time (s)"})
    main, side = st.columns([2.3, 1], gap="large")
    with main:
        view = page.views(result)
        figs = page.figures(result, view)
        tabs = st.tabs(["Per layer", "All positions", "Scores", "Training", "Compare runs"])
        with tabs[0]:
            page.show(result, figs, ["relevance"], key="rel")
        with tabs[1]:
            page.show(result, figs, ["matrices"], key="mat")
        with tabs[2]:
            page.show(result, figs, ["hit_rate", "completeness"], key="scores")
        with tabs[3]:
            page.show(result, figs, ["curves"], key="train")
        with tabs[4]:
            page.compare(result, view)
        page.export_page(result, figs)
    with side, st.container(height=900, border=False):
        page.explain()
