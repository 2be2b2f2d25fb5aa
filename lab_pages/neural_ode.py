"""Neural ODEs: a learned vector field, solved by torchdiffeq; continuous depth, solver work and the adjoint."""

import streamlit as st

from nnviz.ui import LabPage

page = LabPage("neural_ode")
page.header(
    "A **neural ODE** learns a vector field $dz/dt = f_\\theta(t, z)$ and lets an ODE solver do the rest. Learn the "
    "dynamics of a **spiral** from its trajectory, or classify **two moons** by flowing the plane until a straight "
    "line separates them; watch how hard the solver works, and what the adjoint method trades for its tiny memory."
)
config = page.controls()
result = page.train(config)
if result is not None:
    metric = {"traj_error": "Trajectory error"} if result.config.task == "spiral" else {"test_acc": "Test accuracy"}
    page.summary_metrics(
        result,
        {
            **metric,
            "nfe_forward": "NFE per solve",
            "direct_kb": "Direct backprop KiB",
            "adjoint_kb": "Adjoint KiB",
            "train_seconds": "Train time (s)",
        },
    )
    main, side = st.columns([2.3, 1], gap="large")
    with main:
        view = page.views(result)
        figs = page.figures(result, view)
        tabs = st.tabs(["Vector field", "Solver work", "Adjoint vs direct", "Compare runs"])
        with tabs[0]:
            page.show(result, figs, ["field", "flow", "decision"], key="field")
        with tabs[1]:
            page.show(result, figs, ["nfe", "curves"], key="nfe")
        with tabs[2]:
            page.show(result, figs, ["adjoint"], key="adjoint")
        with tabs[3]:
            page.compare(result, view)
        page.export_page(result, figs)
    with side, st.container(height=900, border=False):
        page.explain()
