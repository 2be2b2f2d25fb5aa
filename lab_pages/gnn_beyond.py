"""Beyond simple graphs: hypergraphs, heterogeneous graphs and graph structure learning."""

import streamlit as st

from nnviz.ui import LabPage

page = LabPage("gnn_beyond")
page.header(
    "Real relations are not always one kind of edge between two nodes. A **hypergraph** edge joins many nodes at "
    "once (everyone at one party); a **heterogeneous** graph has typed nodes and edges (authors write papers, papers "
    "appear in venues); and sometimes the graph is **not given at all** and has to be learned from node features. "
    "Three small PyG models train together, one per idea."
)
config = page.controls()
result = page.train(config)
if result is not None:
    page.summary_metrics(
        result,
        {
            "acc_hyper": "Hypergraph accuracy",
            "acc_hetero": "Author accuracy",
            "auc_gsl": "Learned-edge AUC",
            "raw_auc": "Raw-feature AUC",
            "train_seconds": "Train time (s)",
        },
    )
    main, side = st.columns([2.3, 1], gap="large")
    with main:
        view = page.views(result)
        figs = page.figures(result, view)
        tabs = st.tabs(["Hypergraph", "Heterogeneous", "Structure learning", "Training", "Compare runs"])
        with tabs[0]:
            page.show(result, figs, ["hypergraph", "incidence"], key="hyper")
        with tabs[1]:
            page.show(result, figs, ["hetero_graph", "hetero_messages"], key="hetero")
        with tabs[2]:
            page.show(result, figs, ["gsl_adjacency", "gsl_roc"], key="gsl")
        with tabs[3]:
            page.show(result, figs, ["curves"], key="train")
        with tabs[4]:
            page.compare(result, view)
        page.export_page(result, figs)
    with side, st.container(height=900, border=False):
        page.explain()
