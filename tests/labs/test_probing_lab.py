"""Probing lab: trains, probes beat their control tasks, deterministic, divergence marked, all views draw."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from nnviz.labs import probing as lab

warnings.filterwarnings("ignore")


@pytest.fixture(scope="module")
def transformer():
    return lab.run(lab.Config())


@pytest.fixture(scope="module")
def mlp():
    return lab.run(lab.Config(model="digits_mlp", steps=300))


def test_transformer_learns_the_task(transformer):
    assert transformer.task_acc > 0.95


def test_mlp_learns_digits(mlp):
    assert mlp.task_acc > 0.85


@pytest.mark.parametrize("which", ["transformer", "mlp"])
def test_probe_beats_control_on_the_needed_property(which, request):
    r = request.getfixturevalue(which)
    p = r.probes()
    acc, ctl = p["acc"][r.needed][-1], p["control"][r.needed][-1]
    assert acc > 0.9 and acc - ctl > 0.3, (acc, ctl)
    assert acc > p["majority"][r.needed] + 0.5


def test_target_appears_only_after_attention(transformer):
    acc = transformer.probes()["acc"]["target"]
    assert acc[0] < 0.3 and acc[1] > 0.9  # embeddings: chance; after block 1: read off


def test_capacity_raises_control_accuracy(transformer):
    c = transformer.capacity(2, "target")
    assert c["control"][-1] > c["control"][0] + 0.2
    assert min(c["acc"]) > 0.9


def test_information_plane_shapes_and_bounds(mlp):
    info = mlp.information()
    n = len(mlp.log.snapshots)
    assert info["ixt"].shape == info["ity"].shape == (n, 3)
    assert (info["ixt"] <= np.log2(len(mlp.data["inputs"])) + 1e-9).all()
    assert (info["ity"] <= info["ixt"] + 1e-9).all() and (info["ity"] <= np.log2(10) + 1e-9).all()


def test_deterministic_for_a_seed():
    c = lab.Config(model="digits_mlp", steps=60)
    a, b = lab.run(c), lab.run(c)
    np.testing.assert_array_equal(a.log.history["loss"], b.log.history["loss"])
    assert a.probes()["acc"] == b.probes()["acc"]


def test_divergence_is_marked_not_raised():
    r = lab.run(lab.Config(lr=10.0))
    assert r.diverged and "diverged" in r.warning()
    assert r.figures()


@pytest.mark.parametrize("model", lab.MODELS)
def test_every_view_and_snapshot_builds_figures(model, monkeypatch):
    # plumbing only: fewer probe sequences and a two-rung capacity ladder keep ~30 figure sets fast
    monkeypatch.setattr(lab, "N_SEQ", 48)
    monkeypatch.setattr(lab.P, "CAPACITIES", (("linear", 0.1), ("mlp", 8)))
    r = lab.run(lab.Config(model=model, steps=40))
    for v in r.views():
        for option in v.options:
            figs = r.figures(**{v.name: option})
            assert set(figs) == set(r.FIGURES)
            for name, fig in figs.items():
                assert fig.layout.title.text, name
                assert fig.layout.xaxis.title.text and fig.layout.yaxis.title.text, name
    for snap in r.snapshot_view().options:
        assert r.figures(snapshot=snap)


def test_config_rejects_a_too_deep_mlp():
    with pytest.raises(ValueError, match="depth"):
        lab.Config(model="digits_mlp", width=4, depth=4)
