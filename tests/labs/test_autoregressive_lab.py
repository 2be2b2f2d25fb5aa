"""The autoregressive lab: PixelCNN beats a coin flip and the pixel-marginal model, WaveNet predicts the signal,
sampling is slower than a training pass, runs repeat, every view draws."""

from __future__ import annotations

import numpy as np
import pytest

from nnviz.labs import autoregressive as lab


@pytest.fixture(scope="module")
def result():
    return lab.run(lab.Config())


def _check(result, figs):
    assert set(figs) <= set(result.FIGURES)
    for name, fig in figs.items():
        assert fig.layout.title.text, name
        image_grid = all(tr.type == "heatmap" for tr in fig.data) and fig.layout.coloraxis.colorbar.title.text
        if not image_grid:  # image grids are pixel maps: no axes, a colour bar instead
            layout = fig.to_plotly_json()["layout"]
            assert any(layout[a].get("title", {}).get("text") for a in layout if a.startswith("xaxis")), name
            assert any(layout[a].get("title", {}).get("text") for a in layout if a.startswith("yaxis")), name


def _marginal_bits(x: np.ndarray) -> float:
    """Bits per pixel of the best model that ignores context: one Bernoulli per pixel position."""
    p = np.clip(x.mean(0), 1e-3, 1 - 1e-3)
    return float(-(x * np.log2(p) + (1 - x) * np.log2(1 - p)).mean())


def test_pixelcnn_learns_the_conditionals(result):
    bpd = result.summary()["bits_per_dim"]
    assert bpd < 0.55, bpd  # a coin flip costs 1 bit
    assert bpd < 0.9 * _marginal_bits(result.x_test)  # the context helps beyond per-pixel frequencies


def test_sampling_is_slower_than_a_training_pass(result):
    assert result.time_sequential > 10 * result.time_parallel


def test_wavenet_predicts_the_next_sample():
    r = lab.run(lab.Config(model="wavenet", steps=200))
    assert r.summary()["test_mse"] < 0.05 * float(np.var(r.x_test))
    assert r.summary()["receptive_field"] == 17
    _check(r, r.figures())
    for i in range(len(r.log.snapshots)):
        _check(r, r.figures(snapshot=i))


def test_deterministic_for_a_seed():
    c = lab.Config(steps=40)
    a, b = lab.run(c), lab.run(c)
    np.testing.assert_array_equal(a.log.history["loss"], b.log.history["loss"])


@pytest.mark.parametrize("model", lab.MODELS)
def test_divergence_is_marked_not_raised(model):
    r = lab.run(lab.Config(model=model, lr=10.0, steps=100))
    assert r.diverged and "diverged" in r.warning()
    _check(r, r.figures())


def test_every_view_value_and_snapshot_builds_figures(result):
    for pixel in range(64):  # every pixel's dependency map: roles 0-4, exactly one predicted pixel, nothing later seen
        role = result.dependency(pixel)
        assert (role == 0).sum() == 1 and set(np.unique(role)) <= {0, 1, 2, 3, 4}
        assert (role.ravel()[pixel + 1 :] == 1).all()
    for v in result.views():
        for option in v.options[:: 4 if v.name == "pixel" else 1]:
            _check(result, result.figures(**{**result.default_view(), v.name: option}))
    for i in range(len(result.log.snapshots)):
        _check(result, result.figures(snapshot=i))
