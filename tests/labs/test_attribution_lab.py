"""Attribution bench: learns, is deterministic, marks divergence, and every view and snapshot draws."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

from nnviz.labs import attribution as lab

warnings.filterwarnings("ignore")

# small attribution budgets: these tests check plumbing, the defaults are checked once below
FAST = dict(steps=60, ig_steps=16, nt_samples=5, lime_samples=200, shap_samples=20, background=20)


@pytest.fixture(scope="module")
def digits_result():
    return lab.run(lab.Config())


@pytest.fixture(scope="module")
def tabular_result():
    return lab.run(lab.Config(dataset="breast_cancer"))


def _check_figure(name, fig):
    assert fig.layout.title.text, name
    image_panels = any(ax.showticklabels is False for ax in [fig.layout.xaxis])
    if not image_panels:  # attribution maps are pictures: their pixel axes carry no titles
        assert fig.layout.xaxis.title.text and fig.layout.yaxis.title.text, name


def test_digits_cnn_learns(digits_result):
    assert digits_result.test_acc >= 0.9
    assert not digits_result.diverged


def test_tabular_mlp_learns(tabular_result):
    assert tabular_result.test_acc >= 0.93


def test_ig_completeness_on_the_default_model(digits_result):
    gaps = [digits_result.completeness_gap(i) for i in range(4)]
    assert max(gaps) < 0.02, gaps


def test_lime_fidelity_is_reported_and_above_a_floor(digits_result, tabular_result):
    for result in (digits_result, tabular_result):
        for i in range(3):
            a = result.attributions(i)
            assert 0.6 <= a["lime_score"] <= 1.0, (result.config.dataset, i, a["lime_score"])
            assert "fidelity R²" in result.figures(example=i)["lime"].layout.title.text


def test_shap_adds_up_to_f_minus_expectation_on_the_tabular_model(tabular_result):
    a = tabular_result.attributions(0)
    assert a["shap_sum"] == pytest.approx(a["f_x"] - a["shap_expected"], abs=1e-4)
    target = a["target"]
    s = tabular_result.shap_test_set(target)
    with torch.no_grad():
        fx = tabular_result.model_at()(torch.as_tensor(tabular_result.x_test))[:, target].numpy()
    np.testing.assert_allclose(s["values"].sum(1), fx - s["expected"], atol=1e-4)


def test_every_method_gives_a_map_of_the_input_shape(digits_result, tabular_result):
    for result, shape in ((digits_result, (1, 8, 8)), (tabular_result, (30,))):
        a = result.attributions(1)
        assert list(a["maps"]) == list(lab.A.METHODS)
        for name, m in a["maps"].items():
            assert m.shape == shape and np.isfinite(m).all(), name


def test_sanity_check_gradient_maps_decorrelate(digits_result):
    rho = digits_result.sanity(0)["rho"]
    assert rho["saliency"][0] == pytest.approx(1.0)
    assert rho["saliency"][-1] < 0.6 and rho["smoothgrad"][-1] < 0.7  # fully randomised: little left


def test_all_attributions_for_one_input_are_fast(digits_result):
    a = digits_result.attributions(5)
    assert sum(a["seconds"].values()) < 15  # ~0.3 s on an idle 2-core machine; generous for a loaded one


def test_deterministic_for_a_seed():
    c = lab.Config(**FAST)
    a, b = lab.run(c), lab.run(c)
    np.testing.assert_array_equal(a.log.history["loss"], b.log.history["loss"])
    for name in lab.A.METHODS:  # SmoothGrad's noise and LIME's samples included
        np.testing.assert_allclose(a.attributions(2)["maps"][name], b.attributions(2)["maps"][name], err_msg=name)


def test_divergence_is_marked_not_raised():
    r = lab.run(lab.Config(lr=10.0, **{k: v for k, v in FAST.items() if k != "steps"}))
    assert r.diverged and "diverged" in r.warning()
    assert r.figures()


@pytest.mark.parametrize("dataset", ["digits", "wine"])
def test_every_view_and_snapshot_builds_figures(dataset):
    r = lab.run(lab.Config(dataset=dataset, **FAST))
    for v in r.views():
        for option in v.options:
            figs = r.figures(**{v.name: option})
            assert set(figs) <= set(r.FIGURES)
            for name, fig in figs.items():
                _check_figure(name, fig)
    for snap in r.snapshot_view().options:
        assert r.figures(snapshot=snap)


def test_config_rejects_bad_values():
    with pytest.raises(ValueError, match="dataset"):
        lab.Config(dataset="mnist")
    with pytest.raises(ValueError, match="patch"):
        lab.Config(patch=9)
