"""Kolmogorov-Arnold networks: learnable B-spline functions on the edges, grid extension, pruning, symbolic fits."""

import streamlit as st

from nnviz.labs import kan as lab
from nnviz.ui import LabPage

page = LabPage("kan")
page.header(
    "A **Kolmogorov-Arnold network** puts a learnable 1-D function (a B-spline plus a base activation) on every edge "
    "and only adds at the nodes. Fit a formula or classify two moons, watch each edge's function take shape, refine "
    "the spline grid, prune weak edges, read off a symbolic formula, and race an MLP of the same size."
)
config = page.controls()
result = page.train(config)
if result is not None:
    page.summary_metrics(
        result,
        {
            "kan_test_error": "KAN test error",
            "mlp_test_error": "MLP test error (same size)",
            "kan_params": "KAN parameters",
            "final_grid": "Final grid G",
            "train_seconds": "Train time (s)",
        },
    )
    main, side = st.columns([2.3, 1], gap="large")
    with main:
        view = page.views(result)
        figs = page.figures(result, view)
        tabs = st.tabs(["Network", "Edge & grid", "Pruning & symbolic", "KAN vs MLP", "Compare runs"])
        with tabs[0]:
            page.show(result, figs, ["network", "fit"], key="net")
        with tabs[1]:
            page.show(result, figs, ["edge", "grid"], key="edge")
        with tabs[2]:
            page.show(result, figs, ["pruning", "importance", "symbolic"], key="prune")
        with tabs[3]:
            page.show(result, figs, ["kan_vs_mlp"], key="mlp")
            st.markdown("Measure test error against parameters: the same settings at 1, 2, 3, 5 and 8 hidden nodes, "
                        "each against an MLP with the same parameter count (cached after the first time).")  # fmt: skip
            if st.button("Run the size sweep", icon=":material/stacked_line_chart:", key="kan_sweep"):
                st.session_state["kan_sweep_for"] = config
            if st.session_state.get("kan_sweep_for") == config:
                runs = [page.train(c, label=f"Training {c.hidden} hidden nodes") for c in lab.sweep_configs(config)]
                if all(runs):
                    page.dataframe(lab.sweep_table(runs))
                    page.show(runs[0], {"sweep": lab.sweep_figure(runs)}, key="sweep")
        with tabs[4]:
            page.compare(result, view)
        page.export_page(result, figs)
    with side, st.container(height=900, border=False):
        page.explain()
