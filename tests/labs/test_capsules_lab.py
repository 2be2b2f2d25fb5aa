"""The capsule lab learns digits, compares with a CNN of the same size, and draws every figure."""

from __future__ import annotations

import numpy as np
import pytest

from nnviz.labs import capsules as lab


@pytest.fixture(scope="module")
def result():
    return lab.run(lab.Config())


def test_default_learns_digits_and_cnn_is_same_size(result):
    s = result.summary()
    assert s["test_acc"] > 0.85  # ten classes, chance 0.1
    assert s["cnn_test_acc"] > 0.85
    assert abs(s["caps_params"] - s["cnn_params"]) < 0.02 * s["caps_params"]


def test_couplings_are_distributions_and_move_with_iterations(result):
    c = result.internals()["couplings"]  # (N, iterations, 32, 10)
    np.testing.assert_allclose(c.sum(-1), 1.0, atol=1e-5)
    np.testing.assert_allclose(c[:, 0], 0.1, atol=1e-6)
    assert c[:, -1].max() > 0.12  # routing has moved some weight


def test_deterministic_for_a_seed():
    c = lab.Config(steps=20)
    a, b = lab.run(c), lab.run(c)
    np.testing.assert_array_equal(a.log.history["loss"], b.log.history["loss"])


def test_extreme_settings_run():
    r = lab.run(lab.Config(lr=1.0, iterations=8, caps_dim=2, steps=20))
    assert r.figures()["routing"].layout.title.text
    assert np.isfinite(r.summary()["loss"]) or r.diverged


def test_every_figure_has_title_and_axis_titles(result):
    for name, fig in result.figures().items():
        assert name in result.FIGURES and fig.layout.title.text, name
        layout = fig.to_plotly_json()["layout"]
        assert any(layout[a].get("title", {}).get("text") for a in layout if a.startswith("xaxis")), name
        assert any(layout[a].get("title", {}).get("text") for a in layout if a.startswith("yaxis")), name


def test_every_view_and_snapshot_builds(result):
    for v in result.views():
        for option in v.options:
            assert "perturb" in result.figures(**{v.name: option})
    for s in range(len(result.log.snapshots)):
        assert "routing" in result.figures(snapshot=s)
