"""torchdiffeq through our wrapper against scipy's solve_ivp and the matrix exponential; adjoint vs direct gradients."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from scipy.integrate import solve_ivp
from scipy.linalg import expm

from nnviz.models.neural_ode import LinearField, ODEClassifier, VectorField, solve

A = np.array([[-0.1, -1.0], [1.0, -0.1]])
B = np.array([[0.2, 0.5, 0.0], [-0.4, -0.3, 0.1], [0.0, 0.2, -0.5]])


@pytest.mark.parametrize("a", [A, B], ids=["spiral", "3d"])
@pytest.mark.parametrize(
    "method, kw, atol", [("dopri5", {"tol": 1e-9}, 1e-6), ("bosh3", {"tol": 1e-9}, 1e-5), ("rk4", {"step_size": 0.01}, 1e-6)]
)
def test_linear_system_matches_solve_ivp(a, method, kw, atol):
    z0 = np.linspace(1.0, -1.0, len(a))
    t = np.linspace(0, 5, 26)
    ref = solve_ivp(lambda s, z: a @ z, (0, 5), z0, t_eval=t, method="DOP853", rtol=1e-11, atol=1e-12).y.T  # (T, d)
    field = LinearField(torch.tensor(a, dtype=torch.float64))
    ours = solve(field, torch.tensor(z0)[None], torch.tensor(t), method=method, **kw)[:, 0].detach().numpy()
    np.testing.assert_allclose(ours, ref, atol=atol)
    np.testing.assert_allclose(ours[-1], expm(a * 5) @ z0, atol=atol)


def test_adjoint_gradients_equal_direct_gradients():
    torch.manual_seed(0)
    field = LinearField(torch.tensor(A, dtype=torch.float64))
    z0 = torch.tensor([[2.0, 0.0], [0.5, -1.0]], dtype=torch.float64)
    t = torch.tensor([0.0, 3.0], dtype=torch.float64)
    grads = []
    for adjoint in (False, True):
        field.zero_grad()
        solve(field, z0, t, tol=1e-10, adjoint=adjoint)[-1].pow(2).sum().backward()
        grads.append(field.a.grad.clone())
    torch.testing.assert_close(grads[0], grads[1], atol=1e-6, rtol=1e-6)
    # and both equal the analytic gradient of |expm(A t) z0|² with respect to A (finite differences)
    eps, num = 1e-6, np.zeros((2, 2))
    for i in range(2):
        for j in range(2):
            d = np.zeros((2, 2))
            d[i, j] = eps
            f = lambda m: sum(np.sum((expm(m * 3.0) @ z) ** 2) for z in z0.numpy())
            num[i, j] = (f(A + d) - f(A - d)) / (2 * eps)
    np.testing.assert_allclose(grads[0].numpy(), num, atol=1e-5)


def test_fixed_step_nfe_is_predictable():
    f = VectorField(2, 8)
    solve(f, torch.zeros(3, 2), torch.tensor([0.0, 1.0]), method="euler", step_size=0.1)
    assert f.nfe == 10
    f.nfe = 0
    solve(f, torch.zeros(3, 2), torch.tensor([0.0, 1.0]), method="rk4", step_size=0.25)
    assert f.nfe == 16  # 4 stages x 4 steps


@pytest.mark.parametrize("augment", [0, 2])
def test_classifier_shapes_and_flow_starts_at_input(augment):
    torch.manual_seed(0)
    m = ODEClassifier(2, 2, 16, augment)
    x = torch.randn(5, 2)
    logits, path = m(x, torch.linspace(0, 1, 4), return_path=True)
    assert logits.shape == (5, 2) and path.shape == (4, 5, 2 + augment)
    torch.testing.assert_close(path[0, :, :2], x)
    assert torch.all(path[0, :, 2:] == 0)
