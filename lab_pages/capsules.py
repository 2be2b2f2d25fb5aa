"""Capsule networks: dynamic routing on digits, coupling coefficients, capsule lengths, perturbed reconstructions."""

import streamlit as st

from nnviz.ui import LabPage

page = LabPage("capsules")
page.header(
    "A **capsule** is a small vector of neurons: its length says *whether* something is there, its direction says "
    "*how* it looks. Lower capsules vote for higher ones and **dynamic routing** sends each vote where it agrees. "
    "Watch the coupling coefficients move over the routing iterations, read the lengths as probabilities, turn one "
    "capsule dimension and see the reconstruction change, and compare with a CNN of the same size."
)
config = page.controls()
result = page.train(config)
if result is not None:
    page.summary_metrics(
        result,
        {"test_acc": "CapsNet accuracy", "cnn_test_acc": "CNN accuracy", "caps_params": "CapsNet params", "cnn_params": "CNN params", "train_seconds": "Train time (s)"},
    )  # fmt: skip
    main, side = st.columns([2.3, 1], gap="large")
    with main:
        view = page.views(result)
        figs = page.figures(result, view)
        tabs = st.tabs(["Routing", "Capsules & reconstructions", "vs CNN", "Compare runs"])
        with tabs[0]:
            page.show(result, figs, ["routing", "lengths"], key="routing")
        with tabs[1]:
            page.show(result, figs, ["perturb", "reconstructions"], key="recon")
        with tabs[2]:
            page.show(result, figs, ["vs_cnn", "curves"], key="cnn")
        with tabs[3]:
            page.compare(result, view)
        page.export_page(result, figs)
    with side, st.container(height=900, border=False):
        page.explain()
