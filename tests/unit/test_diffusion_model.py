"""DDPM pieces against their formulas: schedules, the closed-form forward process, the samplers."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from nnviz.models import diffusion as dm


@pytest.mark.parametrize("T", [10, 100, 1000])
def test_linear_schedule_matches_its_formula(T):
    s = dm.make_schedule("linear", T)
    expected = np.linspace(1e-4 * 1000 / T, min(0.02 * 1000 / T, 0.999), T)
    np.testing.assert_allclose(s.betas[1:].numpy(), expected, rtol=1e-12)
    np.testing.assert_allclose(s.alpha_bar.numpy(), np.cumprod(1 - s.betas.numpy()), rtol=1e-12)
    assert s.betas[0] == 0 and s.alpha_bar[0] == 1


@pytest.mark.parametrize("T", [10, 100, 1000])
def test_cosine_schedule_matches_its_formula(T):
    s = dm.make_schedule("cosine", T)
    t = np.arange(T + 1)
    f = np.cos((t / T + 0.008) / 1.008 * np.pi / 2) ** 2
    ab = f / f[0]
    # the betas are clipped at 0.999 only for the last step(s); everywhere else ᾱ_t is exactly f(t)/f(0)
    unclipped = s.betas.numpy() < 0.999
    np.testing.assert_allclose(s.alpha_bar.numpy()[unclipped], ab[unclipped], rtol=1e-9, atol=1e-15)
    np.testing.assert_allclose(s.betas[1:].numpy(), np.minimum(1 - ab[1:] / ab[:-1], 0.999), rtol=1e-9)


@pytest.mark.parametrize("kind", dm.SCHEDULES)
def test_closed_form_equals_iterated_steps_mean_and_variance_exactly(kind):
    """Iterating x_t = √(1−β_t) x_{t−1} + √β_t ε keeps a Gaussian: mean × √α_t, var × α_t + β_t."""
    s = dm.make_schedule(kind, 50)
    mean, var = 1.7, 0.0  # x_0 is a fixed point
    for t in range(1, s.T + 1):
        a, b, ab = float(s.alphas[t]), float(s.betas[t]), float(s.alpha_bar[t])
        mean, var = math.sqrt(a) * mean, a * var + b
        assert mean == pytest.approx(math.sqrt(ab) * 1.7, rel=1e-10)
        assert var == pytest.approx(1 - ab, rel=1e-10)


@pytest.mark.parametrize("kind", dm.SCHEDULES)
@pytest.mark.parametrize("t", [1, 5, 20, 50])
def test_closed_form_equals_iterated_steps_in_distribution(kind, t):
    """Monte Carlo: t sampled forward steps and one closed-form draw agree in mean and variance."""
    s = dm.make_schedule(kind, 50)
    g = torch.Generator().manual_seed(t)
    n = 40000
    x0 = torch.tensor([[1.5, -0.5]], dtype=torch.float64).expand(n, 2)
    x = x0.clone()
    for step in range(1, t + 1):
        x = dm.q_step(x, step, torch.randn(x.shape, generator=g, dtype=torch.float64), s)
    closed = dm.q_sample(x0, torch.full((n,), t), torch.randn(x0.shape, generator=g, dtype=torch.float64), s)
    se_mean = math.sqrt((1 - float(s.alpha_bar[t])) / n)
    for sample in (x, closed):
        np.testing.assert_allclose(sample.mean(0).numpy(), math.sqrt(s.alpha_bar[t]) * x0[0].numpy(), atol=5 * se_mean + 1e-12)
        np.testing.assert_allclose(sample.var(0).numpy(), 1 - float(s.alpha_bar[t]), rtol=0.05, atol=1e-12)
    assert abs(np.cov(x.numpy().T)[0, 1]) < 0.02  # the two coordinates stay independent


def test_ddpm_sigma_is_the_posterior_std():
    s = dm.make_schedule("linear", 100)
    np.testing.assert_allclose(dm.sigma_schedule(s, eta=1.0).numpy(), s.posterior_variance()[1:].flip(0).sqrt().numpy(), rtol=1e-9)
    assert torch.all(dm.sigma_schedule(s, steps=10, eta=0.0) == 0)


class _Oracle(torch.nn.Module):
    """The exact noise predictor when the data is one point c: ε = (x_t − √ᾱ_t c) / √(1 − ᾱ_t)."""

    def __init__(self, c, sched):
        super().__init__()
        self.c, self.ab = torch.as_tensor(c, dtype=torch.float32), sched.alpha_bar.float()

    def forward(self, x, t):
        ab = self.ab[t][:, None]
        return (x - ab.sqrt() * self.c) / (1 - ab).sqrt()


@pytest.mark.parametrize("eta", [0.0, 0.5, 1.0])
@pytest.mark.parametrize("steps", [1, 3, 10, 50])
@pytest.mark.parametrize("kind", dm.SCHEDULES)
def test_sampler_with_the_exact_denoiser_recovers_a_point_mass(eta, steps, kind):
    s = dm.make_schedule(kind, 50)
    c = [0.7, -1.2]
    x_T = torch.randn(64, 2, generator=torch.Generator().manual_seed(0))
    out = dm.sample(_Oracle(c, s), s, x_T, steps=steps, eta=eta, generator=torch.Generator().manual_seed(1))
    np.testing.assert_allclose(out.numpy(), np.broadcast_to(c, (64, 2)), atol=1e-3)


def test_ddim_is_deterministic_and_returns_the_trajectory():
    s = dm.make_schedule("linear", 40)
    model = dm.Denoiser(2, 40, hidden=16, layers=2).eval()
    x_T = torch.randn(8, 2, generator=torch.Generator().manual_seed(0))
    a = dm.sample(model, s, x_T, steps=10, eta=0.0, generator=torch.Generator().manual_seed(1))
    b = dm.sample(model, s, x_T, steps=10, eta=0.0, generator=torch.Generator().manual_seed(2))
    torch.testing.assert_close(a, b)
    ts, traj, eps = dm.sample(model, s, x_T, steps=10, eta=1.0, return_all=True)
    assert ts[0] == 40 and ts[-1] == 0 and len(ts) == 11
    assert traj.shape == (11, 8, 2) and eps.shape == (10, 8, 2)
    torch.testing.assert_close(traj[0], x_T)


def test_denoiser_shapes_and_time_embedding():
    model = dm.Denoiser(64, 100, hidden=32, layers=3)
    out = model(torch.randn(5, 64), torch.tensor([1, 2, 50, 99, 100]))
    assert out.shape == (5, 64)
    e = dm.time_embedding(torch.arange(101), 100, 16)
    assert e.shape == (101, 16) and torch.all(e.abs() <= 1)
    assert len({tuple(r) for r in e.round(decimals=5).tolist()}) == 101  # every step gets its own code


def test_sliced_wasserstein_is_zero_on_itself_and_the_mean_projected_shift():
    x = torch.randn(500, 2, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    assert dm.sliced_wasserstein(x, x) == pytest.approx(0.0, abs=1e-12)
    shift = torch.tensor([3.0, 0.0], dtype=torch.float64)
    d = torch.randn(2, 128, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    d = d / d.norm(dim=0, keepdim=True)
    assert dm.sliced_wasserstein(x, x + shift) == pytest.approx(float((shift @ d).abs().mean()), rel=1e-9)


def test_nearest_distance():
    data = torch.tensor([[0.0, 0.0], [3.0, 4.0]])
    got = dm.nearest_distance(torch.tensor([[0.0, 1.0], [3.0, 5.0], [6.0, 8.0]]), data)
    np.testing.assert_allclose(got.numpy(), [1.0, 1.0, 5.0])
