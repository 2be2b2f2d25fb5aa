"""The GAN lab: default training covers the ring, runs repeat, one-player phases freeze the other, every figure draws."""

from __future__ import annotations

import numpy as np
import pytest

from nnviz.core.params import ConfigError
from nnviz.labs import gan as lab


@pytest.fixture(scope="module")
def result():
    return lab.run(lab.Config())


def _check(result, figs):
    assert set(figs) <= set(result.FIGURES)
    for name, fig in figs.items():
        assert fig.layout.title.text, name
        layout = fig.to_plotly_json()["layout"]
        assert any(layout[a].get("title", {}).get("text") for a in layout if a.startswith("xaxis")), name
        assert any(layout[a].get("title", {}).get("text") for a in layout if a.startswith("yaxis")), name


def test_default_gan_covers_at_least_6_of_8_modes(result):
    s = result.summary()
    assert result.config.modes == 8
    assert s["modes"] >= 6, s
    assert s["quality"] > 0.4  # over 40% of generated points within 3σ of a mode
    assert 0.3 < s["D_real"] < 0.75 and 0.3 < s["D_fake"] < 0.75  # near the ½ equilibrium, no side has won


def test_deterministic_for_a_seed():
    c = lab.Config(steps=60)
    a, b = lab.run(c), lab.run(c)
    np.testing.assert_array_equal(a.log.history["loss"], b.log.history["loss"])
    np.testing.assert_array_equal(a.log.history["d_loss"], b.log.history["d_loss"])


@pytest.mark.parametrize("phase, frozen, moving", [("D only", "G.", "D."), ("G only", "D.", "G.")])
def test_one_player_phase_freezes_the_other(phase, frozen, moving):
    r = lab.run(lab.Config(steps=120, last_phase=phase, last_steps=56))  # the phase starts after step 64
    snaps = r.log.snapshots
    a = next(s for s in snaps if s.step == 64)  # snapshots every 120 // 15 = 8 steps
    b = snaps[-1]
    for key in a.data:
        if key.startswith(frozen):
            np.testing.assert_array_equal(a.data[key], b.data[key], err_msg=key)
    assert any(not np.array_equal(a.data[k], b.data[k]) for k in a.data if k.startswith(moving))


def test_divergence_is_marked_not_raised():
    r = lab.run(lab.Config(lr=10.0, steps=60))
    assert r.diverged and "diverged" in r.warning()
    _check(r, r.figures())


def test_config_checks_name_the_field():
    with pytest.raises(ConfigError, match="last_steps"):
        lab.Config(steps=100, last_phase="D only", last_steps=200)


def test_every_figure_and_snapshot_draws(result):
    _check(result, result.figures())
    for i in range(len(result.log.snapshots)):
        _check(result, result.figures(snapshot=i))
    r = lab.run(lab.Config(steps=40, z_dim=4, modes=5))
    figs = r.figures()
    assert "latent" not in figs
    _check(r, figs)


def test_digits_variant_generates_images_and_counts_classes():
    r = lab.run(lab.Config(data="digits", z_dim=16, hidden=64, steps=40))
    assert r.n_modes == 10 and r.x_real.shape[1] == 64
    fake = r.state()["fake"]
    assert fake.shape == (lab.N_EVAL, 64) and fake.min() >= 0 and fake.max() <= 1  # sigmoid pixels
    counts, mode = r.counts(r.x_real[:200])  # real training digits are their own nearest neighbours: all on a mode
    assert (mode >= 0).all() and counts.sum() == 200
    figs = r.figures()
    assert {"samples", "modes", "evolution", "curves"} == set(figs)
    for i in range(len(r.log.snapshots)):
        r.figures(snapshot=i)
