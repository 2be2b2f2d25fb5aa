"""VAE pieces: analytic KL against Monte Carlo and scipy, the reparameterisation gradient, the Bernoulli likelihood."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from scipy import stats

from nnviz.models import vae as vm


@pytest.mark.parametrize("latent", [1, 2, 8])
def test_analytic_kl_matches_monte_carlo(latent):
    g = torch.Generator().manual_seed(latent)
    mu = torch.randn(6, latent, generator=g, dtype=torch.float64)
    logvar = torch.randn(6, latent, generator=g, dtype=torch.float64).clamp(-2, 2)
    analytic = vm.kl_to_standard_normal(mu, logvar)
    mc = vm.kl_monte_carlo(mu, logvar, samples=200_000, generator=torch.Generator().manual_seed(0))
    np.testing.assert_allclose(mc.numpy(), analytic.numpy(), rtol=0.03, atol=0.01 * latent)


def test_kl_matches_scipy_entropy_for_one_dimension():
    """KL(N(μ, σ²) ‖ N(0, 1)) by numerical integration of q log(q / p)."""
    mu, sigma = 0.7, 0.4
    x = np.linspace(-8, 8, 200_001)
    q, p = stats.norm.pdf(x, mu, sigma), stats.norm.pdf(x)
    numeric = np.trapezoid(q * np.log(q / p), x)
    got = vm.kl_to_standard_normal(torch.tensor([[mu]]), torch.tensor([[2 * np.log(sigma)]])).item()
    assert got == pytest.approx(numeric, rel=1e-5)


def test_kl_is_zero_only_at_the_prior():
    assert vm.kl_to_standard_normal(torch.zeros(1, 3), torch.zeros(1, 3)).item() == 0.0
    assert vm.kl_to_standard_normal(torch.full((1, 3), 0.1), torch.zeros(1, 3)).item() > 0


def test_reparameterisation_passes_gradients_to_mu_and_sigma():
    mu = torch.tensor([[0.5, -1.0]], requires_grad=True)
    logvar = torch.tensor([[0.2, -0.4]], requires_grad=True)
    eps = torch.tensor([[1.5, -0.3]])
    z = vm.reparameterize(mu, logvar, eps)
    z.sum().backward()
    np.testing.assert_allclose(mu.grad.numpy(), [[1.0, 1.0]])  # ∂z/∂μ = 1
    np.testing.assert_allclose(logvar.grad.numpy(), (0.5 * torch.exp(0.5 * logvar) * eps).detach().numpy(), rtol=1e-6)  # ∂z/∂logσ²


def test_reparameterised_samples_have_the_posterior_moments():
    mu, logvar = torch.tensor([1.0, -2.0]), torch.tensor([0.0, np.log(0.25)], dtype=torch.float32)
    eps = torch.randn(100_000, 2, generator=torch.Generator().manual_seed(0))
    z = vm.reparameterize(mu, logvar, eps)
    np.testing.assert_allclose(z.mean(0).numpy(), mu.numpy(), atol=0.01)
    np.testing.assert_allclose(z.std(0).numpy(), [1.0, 0.5], rtol=0.01)


def test_reconstruction_is_the_bernoulli_negative_log_likelihood():
    logits = torch.tensor([[2.0, -1.0, 0.0]])
    x = torch.tensor([[1.0, 0.0, 0.3]])
    p = torch.sigmoid(logits)
    expected = -(x * p.log() + (1 - x) * (1 - p).log()).sum()
    assert vm.reconstruction_nats(logits, x).item() == pytest.approx(expected.item(), rel=1e-6)


def test_forward_shapes():
    model = vm.VAE(64, 32, 3)
    out = model(torch.rand(5, 64))
    assert out.mu.shape == out.logvar.shape == out.z.shape == (5, 3) and out.logits.shape == (5, 64)
