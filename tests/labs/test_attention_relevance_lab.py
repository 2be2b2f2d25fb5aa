"""Attention relevance lab: the transformer learns, the methods find the ideal tokens, views and snapshots draw."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from nnviz.labs import attention_relevance as lab

warnings.filterwarnings("ignore")


@pytest.fixture(scope="module")
def result():
    return lab.run(lab.Config())


def test_learns_reverse(result):
    assert result.token_acc > 0.98 and not result.diverged


def test_attention_and_lig_find_the_mirrored_token(result):
    hits = result.hit_rates()
    assert hits["attention"][-1] > 0.9  # last layer's raw attention
    assert hits["lig"][0] > 0.9  # LIG on the embeddings
    assert hits["grad_attention"][-1] > 0.9


def test_untrained_model_finds_nothing(result):
    hits = result.hit_rates(0)
    assert max(hits["attention"][-1], hits["grad_attention"][-1], hits["lig"][0]) < 0.5


def test_lig_completeness_on_the_trained_model(result):
    rel = result.relevance(3)
    for layer in range(result.config.n_layers + 1):
        np.testing.assert_allclose(rel["lig"][layer].sum(-1), rel["delta_f"], atol=1e-2)


def test_deterministic_for_a_seed():
    c = lab.Config(steps=30)
    a, b = lab.run(c), lab.run(c)
    np.testing.assert_array_equal(a.log.history["loss"], b.log.history["loss"])
    np.testing.assert_allclose(a.relevance(1)["lig"], b.relevance(1)["lig"])


def test_divergence_is_marked_not_raised():
    r = lab.run(lab.Config(lr=10.0))
    assert r.diverged and "diverged" in r.warning()
    assert r.figures()


def test_every_view_and_snapshot_builds_figures():
    r = lab.run(lab.Config(steps=40, ig_steps=4, seq_len=4))  # short sequences: plumbing only
    for v in r.views():
        for option in v.options:
            figs = r.figures(**{v.name: option})
            assert set(figs) == set(r.FIGURES)
            for name, fig in figs.items():
                assert fig.layout.title.text, name
                assert fig.layout.xaxis.title.text and fig.layout.yaxis.title.text, name
    for snap in r.snapshot_view().options:
        assert r.figures(snapshot=snap)


def test_config_checks_heads():
    with pytest.raises(ValueError, match="n_heads"):
        lab.Config(n_heads=3)
