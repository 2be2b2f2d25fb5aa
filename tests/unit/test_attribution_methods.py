"""Attribution methods against their axioms and a brute-force oracle: IG completeness, SHAP
additivity, exact Shapley values by enumeration, LIME fidelity, and the randomisation check."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
from torch import nn

from nnviz.models import attribution as A
from nnviz.models.classifiers import digit_cnn, randomized, single_output, tabular_mlp, weight_layers

warnings.filterwarnings("ignore")


def _mlp(features=4, hidden=8, classes=2, seed=0) -> nn.Sequential:
    torch.manual_seed(seed)
    return tabular_mlp(features, hidden, classes).eval()


def _cnn(seed=0) -> nn.Sequential:
    torch.manual_seed(seed)
    return digit_cnn(4, 16, 10).eval()


def _x(shape, seed=1) -> torch.Tensor:
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed))


# ----------------------------------------------------------------------------- models


def test_cnn_shapes_and_modules():
    m = _cnn()
    assert m(torch.rand(3, 1, 8, 8)).shape == (3, 10)
    relus = [c for c in m.children() if isinstance(c, nn.ReLU)]
    assert len(relus) == 3 and len({id(r) for r in relus}) == 3  # each ReLU its own module (captum, DeepExplainer)
    assert weight_layers(m) == ["conv1", "conv2", "fc1", "logits"]


def test_single_output_is_the_chosen_logit():
    m, x = _cnn(), torch.rand(5, 1, 8, 8)
    with torch.no_grad():
        assert torch.allclose(single_output(m, 3)(x)[:, 0], m(x)[:, 3])


@pytest.mark.parametrize("k", [0, 1, 2, 4])
def test_randomized_resets_exactly_the_top_k_layers(k):
    m = _cnn()
    r = randomized(m, k, seed=5)
    names = weight_layers(m)
    for i, name in enumerate(names):
        same = torch.equal(getattr(m, name).weight, getattr(r, name).weight)
        assert same == (i < len(names) - k), name


# ----------------------------------------------------------------------------- integrated gradients


@pytest.mark.parametrize("model_fn,shape", [(_cnn, (1, 1, 8, 8)), (lambda: _mlp(6, 16, 3), (1, 6))])
@pytest.mark.parametrize("baseline", ["zeros", "random"])
def test_ig_completeness(model_fn, shape, baseline):
    """Σ IG = f(x) − f(x′) within 1% with 256 Gauss-Legendre points."""
    m, x = model_fn(), _x(shape).abs()
    base = torch.zeros_like(x) if baseline == "zeros" else _x(shape, seed=7).abs()
    target = int(m(x).argmax())
    attr, delta = A.integrated_gradients(m, x, target, base, n_steps=256)
    with torch.no_grad():
        df = float(m(x)[0, target] - m(base)[0, target])
    assert abs(attr.sum() - df) <= 0.01 * abs(df) + 1e-4
    assert delta == pytest.approx(abs(attr.sum() - df), abs=1e-4)


def test_grad_x_input_equals_ig_for_a_linear_model():
    torch.manual_seed(0)
    m = nn.Sequential(nn.Linear(5, 3)).eval()
    x = _x((1, 5))
    ig, _ = A.integrated_gradients(m, x, 1, torch.zeros_like(x), n_steps=8)
    np.testing.assert_allclose(A.grad_x_input(m, x, 1), ig, atol=1e-5)
    np.testing.assert_allclose(A.grad_x_input(m, x, 1), (m[0].weight[1] * x[0]).detach().numpy(), atol=1e-6)


# ----------------------------------------------------------------------------- SHAP


def test_deep_shap_adds_up_on_the_tabular_model():
    """Σ φ = f(x) − E_background[f] for every row (DeepExplainer's summation to delta)."""
    m = _mlp(10, 32, 2)
    bg, xs = _x((40, 10), seed=2), _x((12, 10), seed=3)
    values, expected = A.deep_shap_many(m, xs, 1, bg)
    with torch.no_grad():
        fx, fbg = m(xs)[:, 1].numpy(), m(bg)[:, 1].numpy()
    assert expected == pytest.approx(float(fbg.mean()), abs=1e-5)
    np.testing.assert_allclose(values.sum(1), fx - expected, atol=1e-4)


def test_deep_shap_adds_up_on_the_cnn():
    m, x, bg = _cnn(), torch.rand(1, 1, 8, 8), torch.rand(20, 1, 8, 8)
    values, expected = A.deep_shap(m, x, 2, bg)
    with torch.no_grad():
        assert values.sum() == pytest.approx(float(m(x)[0, 2]) - expected, abs=1e-4)


def test_exact_shapley_matches_shap_kernel_explainer_on_4_features():
    """Our enumeration of all 16 coalitions against shap's KernelExplainer, which enumerates them too for F = 4."""
    import shap

    m = _mlp(4, 8, 2, seed=3)
    bg, x = _x((10, 4), seed=4).numpy(), _x((1, 4), seed=5).numpy()

    def f(rows):
        with torch.no_grad():
            return m(torch.as_tensor(rows, dtype=torch.float32))[:, 1].numpy().astype(np.float64)

    ours = A.exact_shapley(f, x[0], bg)
    theirs = np.asarray(shap.KernelExplainer(f, bg).shap_values(x, nsamples=2**4 + 2, silent=True)).reshape(-1)
    np.testing.assert_allclose(ours, theirs, atol=1e-5)
    assert ours.sum() == pytest.approx(f(x)[0] - f(bg).mean(), abs=1e-5)  # efficiency


def test_exact_shapley_matches_deep_and_gradient_shap_on_a_linear_model():
    """For a linear model every Shapley estimator is exact: φ_i = w_i (x_i − E[b_i])."""
    torch.manual_seed(0)
    m = nn.Sequential(nn.Linear(4, 2)).eval()
    bg, x = _x((30, 4), seed=6), _x((1, 4), seed=7)
    f = lambda rows: m(torch.as_tensor(rows, dtype=torch.float32))[:, 0].detach().numpy()
    exact = A.exact_shapley(f, x[0].numpy(), bg.numpy())
    np.testing.assert_allclose(exact, (m[0].weight[0] * (x[0] - bg.mean(0))).detach().numpy(), atol=1e-5)
    np.testing.assert_allclose(A.deep_shap(m, x, 0, bg)[0], exact, atol=1e-5)
    # GradientExplainer draws 200 background rows at random: exact only in expectation
    np.testing.assert_allclose(A.gradient_shap(m, x, 0, bg, n_samples=200), exact, atol=0.1 * np.abs(exact).max())


# ----------------------------------------------------------------------------- LIME, agreement, randomisation


def test_lime_is_exact_on_a_linear_model():
    torch.manual_seed(0)
    m = nn.Sequential(nn.Linear(4, 2)).eval()
    train = _x((200, 4), seed=8).numpy()
    out = A.lime_tabular(m, _x((1, 4), seed=9), 1, train, ["a", "b", "c", "d"], n_samples=500)
    assert out["score"] > 0.99
    # LIME scales each feature by its training std: weight = w_i * std_i
    np.testing.assert_allclose(out["map"], m[0].weight[1].detach().numpy() * train.std(0), rtol=0.05, atol=0.02)


def test_lime_image_grid_segments():
    seg = A.grid_segments(8, 8, 2)
    assert seg.shape == (8, 8) and seg.max() == 15 and (np.bincount(seg.ravel()) == 4).all()
    out = A.lime_image(_cnn(), torch.rand(1, 1, 8, 8), 0, cell=2, n_samples=200)
    assert out["map"].shape == (1, 8, 8) and np.isfinite(out["score"])


def test_rank_agreement_is_a_correlation_matrix():
    maps = {k: _x((1, 8, 8), seed=i).numpy() for i, k in enumerate("abc")}
    maps["d"] = 2 * maps["a"]
    rho = A.rank_agreement(maps)
    assert rho.shape == (4, 4)
    np.testing.assert_allclose(np.diag(rho), 1.0)
    np.testing.assert_allclose(rho, rho.T)
    assert rho[0, 3] == pytest.approx(1.0)


@pytest.mark.parametrize("method", ["saliency", "grad_x_input", "integrated_gradients", "smoothgrad"])
def test_randomising_the_weights_changes_the_gradient_maps(method):
    m, x = _cnn(), torch.rand(1, 1, 8, 8)
    target = int(m(x).argmax())

    def attr(model):
        if method == "integrated_gradients":
            return A.integrated_gradients(model, x, target, torch.zeros_like(x), 32)[0]
        if method == "smoothgrad":
            torch.manual_seed(0)
            return A.smoothgrad(model, x, target, 0.15, 10)
        return getattr(A, method)(model, x, target)

    before = attr(m)
    after = attr(randomized(m, 4, seed=11))
    assert not np.allclose(before, after, atol=1e-6)
    assert A.spearman(before, attr(m)) == pytest.approx(1.0)
