"""The diffusion lab: default samples land on the data, runs repeat, divergence is marked, every view draws."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from nnviz.core.params import ConfigError
from nnviz.labs import diffusion as lab
from nnviz.models import diffusion as dm


@pytest.fixture(scope="module")
def result():
    return lab.run(lab.Config())


@pytest.fixture(scope="module")
def small():
    return lab.run(lab.Config(steps=100, T=10))


def _axis_titles(fig):
    layout = fig.to_plotly_json()["layout"]
    xs = [layout[a].get("title", {}).get("text") for a in layout if a.startswith("xaxis")]
    ys = [layout[a].get("title", {}).get("text") for a in layout if a.startswith("yaxis")]
    return any(xs), any(ys)


def _check(result, figs):
    assert set(figs) <= set(result.FIGURES)
    for name, fig in figs.items():
        assert fig.layout.title.text, name
        image_grid = all(tr.type == "heatmap" for tr in fig.data) and fig.layout.coloraxis.colorbar.title.text
        if not image_grid:  # image grids are pixel maps: no axes, a colour bar instead
            assert _axis_titles(fig) == (True, True), name


def test_default_2d_samples_land_near_the_data(result):
    s = result.summary()
    ref = torch.as_tensor(result.x_test)
    noise = result._x_T()
    noise_near = float(dm.nearest_distance(noise, ref).mean())
    assert s["near"] < 0.12, s  # a sample is on average within 0.12 of a data point (moons span ~4.6 x 2.5)
    assert s["near"] < 0.4 * noise_near  # pure noise sits ~0.3 away
    assert s["swd"] < 0.5 * dm.sliced_wasserstein(noise, ref)
    final = torch.as_tensor(result.reverse()["traj"][-1])
    assert (dm.nearest_distance(final, ref) < 0.25).float().mean() > 0.85


def test_denoiser_beats_predicting_zero(result):
    loss_t = result.loss_per_t()
    assert loss_t.shape == (result.config.T,)
    assert loss_t.mean() < 0.5  # predicting ε̂ = 0 scores 1
    assert loss_t[-1] < loss_t[0]  # at t = T, x_t is almost the noise itself


def test_deterministic_for_a_seed():
    c = lab.Config(steps=60, T=20)
    a, b = lab.run(c), lab.run(c)
    np.testing.assert_array_equal(a.log.history["loss"], b.log.history["loss"])
    assert a.swd == b.swd
    assert lab.run(c.replace(seed=1)).swd != a.swd


def test_divergence_is_marked_not_raised():
    r = lab.run(lab.Config(lr=10.0, steps=200, T=20))
    assert r.diverged and "diverged" in r.warning()
    _check(r, r.figures())


def test_config_checks_name_the_field():
    with pytest.raises(ConfigError, match="T"):
        lab.Config(data="digits", T=10)
    with pytest.raises(ConfigError, match="schedule"):
        lab.Config(schedule="quadratic")


def test_every_figure_has_title_and_axis_titles(result):
    _check(result, result.figures())


def test_every_view_value_and_snapshot_builds_figures(small):
    views = small.views()
    for v in views:
        for option in v.options:
            _check(small, small.figures(**{**small.default_view(), v.name: option}))
    for i in range(len(small.log.snapshots)):
        _check(small, small.figures(snapshot=i))


@pytest.mark.parametrize("schedule", dm.SCHEDULES)
def test_digits_variant_draws_image_grids(schedule):
    r = lab.run(lab.Config(data="digits", steps=60, T=20, hidden=64, schedule=schedule))
    figs = r.figures()
    assert "field" not in figs and {"reverse", "reverse_strip", "sampler_samples"} <= set(figs)
    _check(r, figs)
    assert r.reverse()["traj"].shape == (21, lab.N_SAMPLES_DIGITS, 64)
