"""GNN applications: knowledge-graph completion on a family graph, traffic forecasting on a road grid."""

import streamlit as st

from nnviz.ui import LabPage

page = LabPage("gnn_applications")
page.header(
    "Two jobs graphs do in practice. **Knowledge-graph completion**: people and their family relations are facts "
    "(person, relation, person); some are hidden, and an R-GCN + DistMult model must rank the right person first. "
    "**Traffic forecasting**: speeds measured at the intersections of a road grid, where jams travel from one "
    "intersection to the next; a GCN + GRU forecasts the next hour against the last value and the same GRU without the graph."
)
config = page.controls()
result = page.train(config)
if result is not None:
    kg = result.config.task == "knowledge_graph"
    if kg:
        metrics = {"mrr": "Held-out MRR", "hits1": "Hits@1", "hits10": "Hits@10", "base_mrr": "Popularity MRR"}
        tabs_figs = {"Family graph": ["kg_graph"], "Query": ["kg_query"], "Ranks": ["kg_ranks", "kg_relations"], "Training": ["curves"]}
    else:
        metrics = {"mae_gcn": "GCN + GRU MAE (km/h)", "mae_gru": "GRU, no graph MAE", "mae_last": "Last value MAE"}
        tabs_figs = {"Road grid": ["road"], "One intersection": ["series"], "Per horizon": ["horizon"], "Training": ["curves"]}
    page.summary_metrics(result, {**metrics, "train_seconds": "Train time (s)"})
    main, side = st.columns([2.3, 1], gap="large")
    with main:
        view = page.views(result)
        figs = page.figures(result, view)
        tabs = st.tabs([*tabs_figs, "Compare runs"])
        for tab, (label, names) in zip(tabs, tabs_figs.items()):
            with tab:
                page.show(result, figs, names, key=label.lower().replace(" ", "_"))
        with tabs[-1]:
            page.compare(result, view)
        page.export_page(result, figs)
    with side, st.container(height=900, border=False):
        page.explain()
