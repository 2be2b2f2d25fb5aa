"""Capsule invariants: squash lengths, routing coefficients sum to one over the parents, routing by agreement."""

from __future__ import annotations

import pytest
import torch

from nnviz.models.capsules import CapsNet, SmallCNN, cnn_hidden_for, dynamic_routing, margin_loss, squash


def test_squash_keeps_direction_and_maps_length_into_unit_interval():
    s = torch.tensor([[3.0, 4.0], [0.3, 0.4], [0.0, 0.0]])
    v = squash(s)
    n = v.norm(dim=-1)
    torch.testing.assert_close(n[:2], torch.tensor([25 / 26, 0.25 / 1.25]))
    torch.testing.assert_close(v[0] / n[0], s[0] / 5)
    assert torch.all(n < 1) and n[2] == 0


@pytest.mark.parametrize("iterations", [1, 2, 3, 6])
@pytest.mark.parametrize("n_in, n_out, d", [(32, 10, 8), (5, 3, 4)])
def test_routing_coefficients_sum_to_one_over_parent_capsules(iterations, n_in, n_out, d):
    torch.manual_seed(0)
    u_hat = torch.randn(4, n_in, n_out, d)
    v, couplings = dynamic_routing(u_hat, iterations)
    assert v.shape == (4, n_out, d) and len(couplings) == iterations
    for c in couplings:
        assert c.shape == (4, n_in, n_out) and torch.all(c >= 0)
        torch.testing.assert_close(c.sum(dim=2), torch.ones(4, n_in))
    torch.testing.assert_close(couplings[0], torch.full((4, n_in, n_out), 1.0 / n_out))  # uniform before any agreement


def test_routing_moves_coupling_to_the_parent_that_agrees():
    # every child votes the same vector for parent 0 and random vectors for the others
    torch.manual_seed(1)
    u_hat = torch.randn(1, 12, 4, 6) * 0.3
    u_hat[:, :, 0] = torch.tensor([1.0, 0.5, 0.0, 0.0, 0.0, 0.0])
    _, couplings = dynamic_routing(u_hat, 4)
    share = [c[0, :, 0].mean().item() for c in couplings]
    assert share[0] == pytest.approx(0.25) and all(b > a for a, b in zip(share, share[1:]))


def test_capsnet_shapes_lengths_and_masked_decoder():
    torch.manual_seed(0)
    m = CapsNet(caps_dim=8, iterations=3)
    x = torch.rand(5, 8, 8)
    out = m(x)
    assert out["lengths"].shape == (5, 10) and out["v"].shape == (5, 10, 8) and out["recon"].shape == (5, 64)
    assert torch.all((out["lengths"] >= 0) & (out["lengths"] < 1))
    for c in out["couplings"]:
        torch.testing.assert_close(c.sum(-1), torch.ones(5, 32))
    # the decoder only sees the chosen capsule: changing another one leaves the reconstruction alone
    label = torch.zeros(5, dtype=torch.long)
    v2 = out["v"].clone()
    v2[:, 3] += 1.0
    torch.testing.assert_close(m.decode(out["v"], label), m.decode(v2, label))


def test_margin_loss_is_zero_for_a_confident_correct_capsule():
    lengths = torch.tensor([[0.95, 0.05, 0.0]])
    assert margin_loss(lengths, torch.tensor([0])).item() == 0.0
    assert margin_loss(lengths, torch.tensor([1])).item() > 0.5


def test_cnn_matches_capsnet_size():
    caps = CapsNet().classifier_params()
    cnn = SmallCNN(hidden=cnn_hidden_for(caps))
    assert abs(sum(p.numel() for p in cnn.parameters()) - caps) < 0.02 * caps
