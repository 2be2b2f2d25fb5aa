"""The neural ODE lab learns both tasks, is repeatable, marks divergence and draws every figure."""

from __future__ import annotations

import numpy as np
import pytest

from nnviz.labs import neural_ode as lab


@pytest.fixture(scope="module")
def spiral():
    return lab.run(lab.Config())


@pytest.fixture(scope="module")
def moons():
    return lab.run(lab.Config(task="moons", steps=60))


def test_spiral_learns_the_trajectory(spiral):
    s = spiral.summary()
    assert s["traj_error"] < 0.3  # mean distance to the true spiral, whose radius starts at 2
    assert spiral.log.history["traj_error"][0] > 2 * s["traj_error"]


def test_moons_classifier_learns(moons):
    assert moons.summary()["test_acc"] > 0.95


def test_adjoint_uses_less_memory_and_agrees(spiral, moons):
    for r in (spiral, moons):
        g = r.grads
        assert np.all(g["adjoint_kb"] < 0.1 * g["direct_kb"])
        assert np.all(g["adjoint_nfe"] > g["direct_nfe"])
        assert g["direct_kb"][-1] > g["direct_kb"][0]  # direct memory grows with the integration time
        assert g["grad_diff"].max() < 0.1  # same gradient up to the solver tolerance


def test_deterministic_for_a_seed():
    c = lab.Config(steps=20)
    a, b = lab.run(c), lab.run(c)
    np.testing.assert_array_equal(a.log.history["loss"], b.log.history["loss"])


def test_adjoint_training_matches_direct_closely():
    a = lab.run(lab.Config(steps=20, tol=1e-5))
    b = lab.run(lab.Config(steps=20, tol=1e-5, adjoint=True))
    np.testing.assert_allclose(a.log.history["loss"], b.log.history["loss"], rtol=0.05)


def test_divergence_is_marked_not_raised():
    r = lab.run(lab.Config(lr=10.0, steps=60))
    assert r.diverged and "diverged" in r.warning()
    assert r.figures()["field"].layout.title.text


def test_extreme_solver_settings_run():
    r = lab.run(lab.Config(method="euler", step_size=1.0, steps=20))
    assert np.isfinite(r.summary()["loss"]) or r.diverged


@pytest.mark.parametrize("which", ["spiral", "moons"])
def test_every_figure_has_title_and_axis_titles(which, spiral, moons):
    r = spiral if which == "spiral" else moons
    figs = r.figures()
    for name, fig in figs.items():
        assert name in r.FIGURES and fig.layout.title.text, name
        layout = fig.to_plotly_json()["layout"]
        assert any(layout[a].get("title", {}).get("text") for a in layout if a.startswith("xaxis")), name
        assert any(layout[a].get("title", {}).get("text") for a in layout if a.startswith("yaxis")), name


def test_every_view_and_snapshot_builds(spiral, moons):
    for r in (spiral, moons):
        for v in r.views():
            for option in v.options:
                assert "field" in r.figures(**{v.name: option})
        for s in range(len(r.log.snapshots)):
            assert "flow" in r.figures(snapshot=s)
