"""The KAN lab learns, beats an equal-size MLP, is repeatable, marks divergence and draws every figure."""

from __future__ import annotations

import numpy as np
import pytest

from nnviz.labs import kan as lab


@pytest.fixture(scope="module")
def result():
    return lab.run(lab.Config())


def test_default_kan_beats_equal_size_mlp_on_symbolic_target(result):
    s = result.summary()
    assert result.config.task == "exp_sin"
    assert abs(s["kan_params"] - s["mlp_params"]) <= 4  # equal parameter count
    assert s["kan_test_error"] < 0.05  # RMSE on a target spanning ~0.4..7.4
    assert s["kan_test_error"] < 0.5 * s["mlp_test_error"]


def test_grid_extension_happened_and_lowered_the_error(result):
    assert [g for _, g in result.stages] == [5, 10]
    h = result.log.history
    switch = result.stages[1][0]
    before = h["test_error"][h["step"] <= switch][-1]
    assert h["test_error"][-1] < before


def test_deterministic_for_a_seed():
    c = lab.Config(steps=40, final_grid=5)
    a, b = lab.run(c), lab.run(c)
    np.testing.assert_array_equal(a.log.history["loss"], b.log.history["loss"])
    assert a.kan_error == b.kan_error and a.mlp_error == b.mlp_error


def test_divergence_is_marked_not_raised():
    r = lab.run(lab.Config(lr=10.0, steps=60))
    assert r.diverged and "diverged" in r.warning()
    assert r.figures()["network"].layout.title.text


@pytest.mark.parametrize("task", ["product", "bessel", "moons"])
def test_other_tasks_learn(task):
    r = lab.run(lab.Config(task=task, steps=200, hidden=3))
    limit = {"product": 0.05, "bessel": 0.15, "moons": 0.1}[task]
    assert r.kan_error < limit


def test_every_figure_has_title_and_axis_titles(result):
    for name, fig in result.figures().items():
        assert fig.layout.title.text, name
        layout = fig.to_plotly_json()["layout"]
        axes = [k for k in layout if k.startswith(("xaxis", "yaxis"))]
        assert axes, name
        assert any(layout[a].get("title", {}).get("text") for a in axes if a.startswith("x")), name
        assert any(layout[a].get("title", {}).get("text") for a in axes if a.startswith("y")), name
        assert set(result.FIGURES) >= {name}


def test_every_view_and_snapshot_builds():
    result = lab.run(lab.Config(hidden=2, steps=60))  # 6 edges: every option stays quick to draw
    views = result.views()
    for v in views:
        for option in v.options:
            figs = result.figures(**{v.name: option})
            assert set(figs) == set(result.FIGURES)
    for s in range(len(result.log.snapshots)):
        assert "edge" in result.figures(snapshot=s)


def test_pruning_keeps_fewer_edges_as_threshold_rises(result):
    kept = [result.pruned_error(p)[1] for p in lab.PRUNE_LEVELS]
    assert kept == sorted(kept, reverse=True) and kept[0] == 15
    assert result.pruned_error(0.0)[0] == pytest.approx(result.kan_error, rel=1e-4)


def test_sweep_builds():
    runs = [lab.run(c.replace(steps=40)) for c in lab.sweep_configs(lab.Config())[:2]]
    fig = lab.sweep_figure(runs)
    assert fig.layout.xaxis.title.text == "parameters" and len(lab.sweep_table(runs)) == 2
