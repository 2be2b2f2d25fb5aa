"""Concepts lab (TCAV): concepts are built from pixels, scores are fractions, the random null is used,
a strong concept is significant, the CAV accuracy is right, every view and snapshot draws."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

from nnviz.labs import concepts as lab

warnings.filterwarnings("ignore")


@pytest.fixture(scope="module")
def result():
    return lab.run(lab.Config())


def test_concept_masks_follow_their_pixel_rules():
    ring = np.zeros((1, 1, 8, 8), np.float32)
    ring[0, 0, 2:6, 2:6] = 1.0
    ring[0, 0, 3:5, 3:5] = 0.0  # a square with a hole
    bar = np.zeros((1, 1, 8, 8), np.float32)
    bar[0, 0, :, 3] = 1.0
    masks = lab.concept_masks(np.concatenate([ring, bar, ring * 0.2]))
    assert masks["closed loops"].tolist() == [True, False, False]


def test_cnn_learns(result):
    assert result.test_acc > 0.9


def test_scores_are_fractions_and_the_null_has_all_random_pairs(result):
    t = result.tcav(0)
    n = result.config.n_random
    for layer in lab.LAYERS:
        assert len(t["null"][layer]) == n * (n - 1) // 2
        for c in lab.CONCEPTS:
            s = t["scores"][c][layer]
            assert len(s) == n and ((s >= 0) & (s <= 1)).all()
            assert 0 <= t["p"][c][layer] <= 1


def test_a_strong_concept_is_significant(result):
    """Thin strokes lower a 0's logit at conv1 for (nearly) every input, against every random partner."""
    t = result.tcav(0)
    assert t["scores"]["thin strokes"]["conv1"].mean() < 0.2
    assert t["p"]["thin strokes"]["conv1"] < 0.05


def test_cav_accuracy_is_measured_not_stuck_at_one_half(result):
    accs = [result.tcav(0)["accs"][c][layer] for c in lab.CONCEPTS for layer in lab.LAYERS]
    assert max(accs) > 0.6


def test_fixed_classifier_scores_a_separable_split():
    clf = lab.cav_classifier()
    g = torch.Generator().manual_seed(0)
    x = torch.cat([torch.randn(60, 5, generator=g) + 3, torch.randn(60, 5, generator=g) - 3])
    y = torch.cat([torch.zeros(60), torch.ones(60)]).long()
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x, y), batch_size=40)
    assert float(clf.train_and_eval(loader)["accs"]) > 0.95


def test_deterministic_for_a_seed():
    c = lab.Config(steps=40, n_random=2, concept_size=30)
    a, b = lab.run(c), lab.run(c)
    np.testing.assert_array_equal(a.log.history["loss"], b.log.history["loss"])
    for x, y in zip(a.concept_sets().values(), b.concept_sets().values()):
        np.testing.assert_array_equal(x, y)
    ta, tb = a.tcav(3), b.tcav(3)
    for layer in lab.LAYERS:
        np.testing.assert_array_equal(ta["null"][layer], tb["null"][layer])


def test_divergence_is_marked_not_raised():
    r = lab.run(lab.Config(lr=10.0, n_random=2, concept_size=30))
    assert r.diverged and "diverged" in r.warning()
    assert r.figures()


def test_every_view_and_snapshot_builds_figures():
    r = lab.run(lab.Config(steps=40, n_random=2, concept_size=30))
    for target in r.views()[0].options:
        figs = r.figures(target=target)
        assert set(figs) == set(r.FIGURES)
        for name, fig in figs.items():
            assert fig.layout.title.text, name
            if name != "concept_examples":  # a grid of pictures: pixel axes carry no titles
                assert fig.layout.xaxis.title.text and fig.layout.yaxis.title.text, name
    for snap in r.snapshot_view().options:
        assert r.figures(snapshot=snap)
