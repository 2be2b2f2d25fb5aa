"""GAN losses against their formulas, the saturation argument, and the mode count."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from nnviz.data.points import ring_centers
from nnviz.models import gan as gm


def test_losses_at_the_equilibrium_d_one_half():
    half = torch.zeros(10, 1)  # logit 0: D = 1/2 everywhere
    assert gm.d_loss(half, half, "non-saturating").item() == pytest.approx(2 * math.log(2))
    assert gm.g_loss(half, "non-saturating").item() == pytest.approx(math.log(2))
    assert gm.g_loss(half, "minimax").item() == pytest.approx(-math.log(2))  # log(1 − ½)
    assert gm.d_loss(half, half, "least-squares").item() == pytest.approx(0.25)
    assert gm.g_loss(half, "least-squares").item() == pytest.approx(0.125)


@pytest.mark.parametrize("logit", [-3.0, 0.5, 2.0])
def test_losses_match_their_formulas(logit):
    r, f = torch.tensor([[logit]]), torch.tensor([[-logit]])
    d_r, d_f = torch.sigmoid(r).item(), torch.sigmoid(f).item()
    assert gm.d_loss(r, f, "minimax").item() == pytest.approx(-math.log(d_r) - math.log(1 - d_f), rel=1e-5)
    assert gm.g_loss(f, "non-saturating").item() == pytest.approx(-math.log(d_f), rel=1e-5)
    assert gm.g_loss(f, "minimax").item() == pytest.approx(math.log(1 - d_f), rel=1e-5)


def test_minimax_gradient_saturates_where_non_saturating_does_not():
    """When D confidently rejects a fake (logit −8), log(1 − D) is flat; −log D still has slope ≈ −1."""
    grads = {}
    for kind in ("minimax", "non-saturating"):
        logit = torch.tensor([[-8.0]], requires_grad=True)
        gm.g_loss(logit, kind).backward()
        grads[kind] = logit.grad.item()
    assert abs(grads["minimax"]) < 1e-3
    assert grads["non-saturating"] == pytest.approx(-1.0, abs=1e-3)


def test_mode_counts_and_coverage():
    centers = ring_centers(8, 2.0)
    samples = np.concatenate([centers[[0, 0, 0, 3]] + 0.01, np.array([[0.0, 0.0]])])  # 3 on mode 0, 1 on mode 3, 1 in the hole
    counts, nearest = gm.mode_counts(samples, centers, 0.3)
    np.testing.assert_array_equal(counts, [3, 0, 0, 1, 0, 0, 0, 0])
    np.testing.assert_array_equal(nearest, [0, 0, 0, 3, -1])
    assert gm.modes_covered(samples, centers, 0.3, share=0.25) == 2  # threshold 0.25 * 5 / 8 ≈ 0.16
    assert gm.modes_covered(samples, centers, 0.3, share=2.0) == 1  # threshold 1.25: only mode 0


def test_shapes():
    model = gm.GAN(z_dim=3, hidden=16, layers=2)
    x = model.sample(7)
    assert x.shape == (7, 2) and model.D(x).shape == (7, 1)
