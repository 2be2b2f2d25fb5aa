"""Message passing: a GNN classifies graph nodes from a few labels; one node's update, message by message."""

import streamlit as st

from nnviz.labs import message_passing as lab
from nnviz.ui import LabPage

page = LabPage("message_passing")
page.header(
    "A graph neural network sees **only a few labelled nodes** and has to infer the class of the rest from the "
    "edges. Each layer lets every node collect a **message** from each neighbour, sum them up and update its own "
    "vector. Pick a node and a layer to watch one such update: as messages on the edges, and as matrices."
)
config = page.controls()
result = page.train(config)
if result is not None:
    page.summary_metrics(
        result,
        {
            "test_acc": "Accuracy (unlabelled)",
            "train_acc": "Accuracy (labelled)",
            "labelled": "Labelled nodes",
            "similarity": "Embedding similarity",
            "train_seconds": "Train time (s)",
        },
    )
    main, side = st.columns([2.3, 1], gap="large")
    with main:
        view = page.views(result)
        figs = page.figures(result, view)
        tabs = st.tabs(["Predictions", "One update", "Attention", "Depth", "Compare runs"])
        with tabs[0]:
            page.show(result, figs, ["graph", "embeddings", "curves"], key="pred")
        with tabs[1]:
            page.show(result, figs, ["step_graph", "step_vectors", "step_matrix"], key="step")
        with tabs[2]:
            page.show(result, figs, ["attention"], key="attn")
        with tabs[3]:
            page.show(result, figs, ["receptive", "smoothing"], key="depth")
            st.markdown(f"Train the same model with {', '.join(map(str, lab.DEPTHS))} layers (cached after the first time).")
            if st.button("Sweep the depth", icon=":material/stacked_line_chart:", key="depth_sweep"):
                st.session_state["depth_for"] = config
            if st.session_state.get("depth_for") == config:
                runs = [page.train(c, label=f"Training with {c.n_layers} layers") for c in lab.depth_configs(config)]
                if all(runs):
                    page.dataframe(lab.depth_table(runs))
                    page.show(runs[0], lab.depth_figures(runs), key="sweep")
        with tabs[4]:
            page.compare(result, view)
        page.export_page(result, figs)
    with side, st.container(height=900, border=False):
        page.explain()
