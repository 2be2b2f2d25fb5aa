"""Our B-spline KAN layer against scipy's BSpline, plus the invariants of grid extension and pruning."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from scipy.interpolate import BSpline

from nnviz.labs.kan import best_symbolic, symbolic_fit
from nnviz.models.kan import KAN, KANLayer, b_spline_basis, kan_params, mlp_hidden_for, mlp_params, uniform_grid


def _knots(kind: str, grid_size: int, k: int) -> np.ndarray:
    if kind == "uniform":
        return uniform_grid(torch.tensor([-1.0], dtype=torch.float64), torch.tensor([1.0], dtype=torch.float64), grid_size, k)[0].numpy()
    rng = np.random.default_rng(grid_size * 10 + k)
    return np.sort(rng.uniform(-2, 2, grid_size + 2 * k + 1)) + np.arange(grid_size + 2 * k + 1) * 1e-3


@pytest.mark.parametrize("kind", ["uniform", "random"])
@pytest.mark.parametrize("k", [0, 1, 2, 3, 5])
@pytest.mark.parametrize("grid_size", [1, 4, 9])
def test_basis_matches_scipy_bspline(kind, k, grid_size):
    t = _knots(kind, grid_size, k)
    n_basis = len(t) - k - 1
    x = np.linspace(t[k], t[-k - 1], 257)[:-1]  # scipy's base interval [t_k, t_n)
    ours = b_spline_basis(torch.tensor(x)[:, None], torch.tensor(t)[None, :], k)[:, 0, :].numpy()  # (N, n_basis)
    ref = BSpline(t, np.eye(n_basis), k, extrapolate=False)(x)  # (N, n_basis)
    assert ours.shape == ref.shape == (len(x), grid_size + k)
    np.testing.assert_allclose(ours, ref, atol=1e-10)


@pytest.mark.parametrize("k", [1, 3])
def test_edge_spline_matches_scipy_with_its_coefficients(k):
    torch.manual_seed(0)
    layer = KANLayer(2, 3, grid_size=6, spline_order=k).double()
    x = torch.rand(50, 2, dtype=torch.float64) * 1.8 - 0.9
    ours = layer.spline_part(x)  # (B, out, in)
    for j in range(3):
        for i in range(2):
            ref = BSpline(layer.grid[i].numpy(), layer.coef[j, i].detach().numpy(), k)(x[:, i].numpy())
            np.testing.assert_allclose(ours[:, j, i].detach().numpy(), ref, atol=1e-10)


@pytest.mark.parametrize("k", [1, 2, 3])
def test_partition_of_unity_inside_the_grid(k):
    grid = uniform_grid(torch.tensor([-1.0, 0.0]), torch.tensor([1.0, 3.0]), 7, k)
    x = torch.stack([torch.linspace(-0.99, 0.99, 40), torch.linspace(0.01, 2.99, 40)], 1)
    torch.testing.assert_close(b_spline_basis(x, grid, k).sum(-1), torch.ones(40, 2))


def test_layer_sums_its_edges_and_counts_parameters():
    torch.manual_seed(1)
    model = KAN((2, 4, 1), grid_size=5, spline_order=3)
    x = torch.rand(16, 2) * 2 - 1
    out, inner = model(x, return_internals=True)
    assert [e.shape for e in inner["edges"]] == [(16, 4, 2), (16, 1, 4)]
    torch.testing.assert_close(out, inner["edges"][1].sum(-1))
    assert model.n_params() == sum(p.numel() for p in model.parameters()) == kan_params((2, 4, 1), 5, 3) == 12 * 9


@pytest.mark.parametrize("new_grid", [10, 20])
def test_grid_extension_keeps_the_function(new_grid):
    torch.manual_seed(2)
    model = KAN((2, 3, 1), grid_size=5, spline_order=3).double()
    x = torch.rand(400, 2, dtype=torch.float64) * 2 - 1
    with torch.no_grad():
        for layer in model.layers:
            layer.coef.normal_()
        model.refit_grids(x, 5)  # grids now span what each layer sees
        before = model(x)
        model.refit_grids(x, new_grid)
        after = model(x)
    assert model.layers[0].coef.shape == (3, 2, new_grid + 3)
    # a finer grid on the same range contains the coarse spline space: the refit is (nearly) exact
    assert float((after - before).abs().max()) < 1e-3 * float(before.abs().max())


def test_pruned_edge_contributes_nothing():
    torch.manual_seed(3)
    layer = KANLayer(3, 2)
    x = torch.rand(8, 3) * 2 - 1
    layer.mask[1, 2] = 0
    e = layer.edge_values(x)
    assert torch.all(e[:, 1, 2] == 0) and torch.all(e[:, 0, 2] != 0)


def test_mlp_of_equal_size():
    p = kan_params((2, 5, 1), 10, 3)
    h = mlp_hidden_for(p, 2, 1)
    assert abs(mlp_params(2, h, 1) - p) <= 4


@pytest.mark.parametrize(
    "name, fn",
    [
        ("sin", lambda x: 0.7 * np.sin(3.0 * x + 0.5) - 0.2),
        ("x²", lambda x: 2 * x**2 + 1),
        ("exp", lambda x: np.exp(1.5 * x)),
        ("x", lambda x: -3 * x),
    ],
)
def test_symbolic_fit_recovers_library_functions(name, fn):
    x = np.linspace(-1, 1, 51)
    fits = symbolic_fit(x, fn(x))
    best, r2 = best_symbolic(fits)
    assert best == name and r2 > 0.999
