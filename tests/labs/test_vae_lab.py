"""The VAE lab: the default learns digits, β trades reconstruction for KL, runs repeat, every view draws."""

from __future__ import annotations

import numpy as np
import pytest

from nnviz.labs import vae as lab


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


def test_default_vae_learns_the_digits(result):
    s = result.summary()
    # a decoder that ignores z (posterior collapse, as at β = 4) scores ~27 nats per digit; the default uses z
    assert s["recon"] < 25, s
    assert 0.5 < s["kl"] < 10, s  # the 2-D latent is used (KL > 0) but stays near the prior
    h = result.log.history
    assert h["test_elbo"][-1] > h["test_elbo"][0] + 2  # the first log (step 12) is already the all-mean decoder


def test_latent_separates_classes(result):
    """A nearest-class-mean classifier on the 2-D posterior means beats chance (10%) by far."""
    mu, y = result.encoded()["mu"], result.y_test
    means = np.stack([mu[y == c].mean(0) for c in range(10)])
    pred = np.linalg.norm(mu[:, None] - means[None], axis=-1).argmin(1)
    assert (pred == y).mean() > 0.5


def test_beta_trades_reconstruction_for_kl():
    low, high = lab.run(lab.Config(beta=0.2, steps=300)), lab.run(lab.Config(beta=4.0, steps=300))
    assert high.summary()["kl"] < low.summary()["kl"]
    assert high.summary()["recon"] > low.summary()["recon"]


def test_deterministic_for_a_seed():
    c = lab.Config(steps=40)
    a, b = lab.run(c), lab.run(c)
    np.testing.assert_array_equal(a.log.history["loss"], b.log.history["loss"])


def test_divergence_is_marked_not_raised():
    r = lab.run(lab.Config(lr=10.0, steps=100))
    assert r.diverged and "diverged" in r.warning()
    _check(r, r.figures())


def test_every_view_value_and_snapshot_builds_figures(result):
    _check(result, result.figures())
    for v in result.views():
        for option in v.options[::3]:
            _check(result, result.figures(**{**result.default_view(), v.name: option}))
    for i in range(len(result.log.snapshots)):
        _check(result, result.figures(snapshot=i))
    for latent in (1, 8):
        r = lab.run(lab.Config(latent=latent, steps=40))
        _check(r, r.figures(a=3, b=7))
