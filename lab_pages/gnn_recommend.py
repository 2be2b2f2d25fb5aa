"""Recommendation as link prediction: LightGCN on a bipartite user-item graph."""

import streamlit as st

from nnviz.ui import LabPage

page = LabPage("gnn_recommend")
page.header(
    "A recommender is a **link predictor** on the bipartite graph of users and the items they used. LightGCN "
    "gives every user and item a vector, smooths the vectors over the graph, and scores a user-item pair by their "
    "dot product. Some interactions are hidden during training: can the model find them again?"
)
config = page.controls()
result = page.train(config)
if result is not None:
    page.summary_metrics(
        result,
        {
            "auc": "Held-out AUC",
            "recall": "Recall@5",
            "pop_auc": "Popularity AUC",
            "pop_recall": "Popularity recall@5",
            "train_seconds": "Train time (s)",
        },
    )
    main, side = st.columns([2.3, 1], gap="large")
    with main:
        view = page.views(result)
        figs = page.figures(result, view)
        tabs = st.tabs(["Scores", "One user", "Embeddings", "Training", "Compare runs"])
        with tabs[0]:
            page.show(result, figs, ["scores"], key="scores")
        with tabs[1]:
            page.show(result, figs, ["user"], key="user")
        with tabs[2]:
            page.show(result, figs, ["embeddings"], key="emb")
        with tabs[3]:
            page.show(result, figs, ["curves"], key="train")
        with tabs[4]:
            page.compare(result, view)
        page.export_page(result, figs)
    with side, st.container(height=900, border=False):
        page.explain()
