"""Expressiveness and spectra: what message passing can distinguish, and what it does to a graph signal."""

import streamlit as st

from nnviz.ui import LabPage

page = LabPage("gnn_spectra")
page.header(
    "Two questions about message passing. **What can it tell apart?** A GCN and a GIN train side by side to classify "
    "small graphs; the Weisfeiler-Lehman colour refinement shows where any message-passing GNN must fail. "
    "**What does it do to a signal?** The Laplacian's eigenvectors are the graph's Fourier basis; GNN layers act "
    "as filters on it."
)
config = page.controls()
result = page.train(config)
if result is not None:
    page.summary_metrics(
        result,
        {
            "acc_gcn": "GCN test accuracy",
            "acc_gin": "GIN test accuracy",
            "graphs_test": "Held-out graphs",
            "train_seconds": "Train time (s)",
        },
    )
    main, side = st.columns([2.3, 1], gap="large")
    with main:
        view = page.views(result)
        figs = page.figures(result, view)
        tabs = st.tabs(["GIN vs GCN", "WL refinement", "Spectrum", "Filters", "Compare runs"])
        with tabs[0]:
            page.show(result, figs, ["accuracy", "pair_embeddings"], key="expr")
        with tabs[1]:
            page.show(result, figs, ["wl"], key="wl")
        with tabs[2]:
            page.show(result, figs, ["eigenvalues", "eigenvectors"], key="spec")
        with tabs[3]:
            page.show(result, figs, ["filters", "fourier"], key="filt")
        with tabs[4]:
            page.compare(result, view)
        page.export_page(result, figs)
    with side, st.container(height=900, border=False):
        page.explain()
