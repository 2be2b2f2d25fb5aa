"""The LIF neuron against its analytic firing rate; the surrogate gradient; the layer and the SynOp count."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from nnviz.models.spiking import LIFLayer, SpikingMLP, ann_macs, lif_period, lif_trace, rate_code, spike, synops


@pytest.mark.parametrize("beta", [0.5, 0.8, 0.9, 0.95])
@pytest.mark.parametrize("current", [0.13, 0.3, 0.77, 1.6])
@pytest.mark.parametrize("threshold", [0.5, 1.0, 2.5])
def test_constant_input_spike_count_matches_analytic_rate(beta, current, threshold):
    steps = 200
    _, spikes = lif_trace(np.full(steps, current), beta, threshold, reset="zero")
    period = lif_period(current, beta, threshold)
    expected = 0 if math.isinf(period) else steps // period
    assert int(spikes.sum()) == expected
    if expected:  # and the spikes are evenly spaced, one period apart
        times = np.nonzero(spikes.numpy())[0] + 1
        assert np.all(np.diff(times) == period) and times[0] == period


def test_below_rheobase_never_fires():
    beta, threshold = 0.9, 1.0
    current = 0.99 * threshold * (1 - beta)  # resting level I/(1-β) just below θ
    mem, spikes = lif_trace(np.full(500, current), beta, threshold)
    assert spikes.sum() == 0 and mem.max() < threshold
    assert mem[-1] == pytest.approx(current / (1 - beta), rel=1e-3)


def test_subtract_reset_rate_approaches_current_over_threshold():
    # with subtractive reset and no leak the neuron is a perfect integrator: rate = I / θ
    _, spikes = lif_trace(np.full(1000, 0.37), beta=1.0, threshold=1.0, reset="subtract")
    assert abs(spikes.sum().item() - 370) <= 1


@pytest.mark.parametrize("slope", [1.0, 25.0, 100.0])
def test_surrogate_forward_is_heaviside_backward_is_fast_sigmoid(slope):
    x = torch.tensor([-1.0, -0.1, 0.0, 0.2, 2.0], requires_grad=True)
    s = spike(x, slope)
    assert s.tolist() == [0.0, 0.0, 1.0, 1.0, 1.0]
    s.sum().backward()
    torch.testing.assert_close(x.grad, 1.0 / (slope * x.detach().abs() + 1.0) ** 2)


def test_layer_matches_the_written_out_recurrence():
    torch.manual_seed(0)
    layer = LIFLayer(3, 2, beta=0.8, threshold=0.5)
    x = (torch.rand(6, 4, 3) < 0.5).float()
    spk, mem = layer(x)
    u, s = torch.zeros(4, 2), torch.zeros(4, 2)
    for t in range(6):
        u = 0.8 * u + layer.fc(x[t]) - 0.5 * s
        s = (u >= 0.5).float()
        torch.testing.assert_close(mem[t], u)
        torch.testing.assert_close(spk[t], s)


def test_classifier_counts_and_synops():
    torch.manual_seed(0)
    m = SpikingMLP(64, 32, 10)
    x = rate_code(torch.rand(5, 8, 8), 12, torch.Generator().manual_seed(0))
    counts, inner = m(x, return_internals=True)
    assert x.shape == (12, 5, 64) and counts.shape == (5, 10)
    torch.testing.assert_close(counts, inner["out_spikes"].sum(0))
    ops = synops([x, inner["hidden_spikes"]], [32, 10])
    torch.testing.assert_close(ops, x.sum((0, 2)) * 32 + inner["hidden_spikes"].sum((0, 2)) * 10)
    assert ann_macs((64, 32, 10)) == 64 * 32 + 32 * 10


def test_rate_code_fires_at_pixel_intensity():
    img = torch.tensor([[0.0, 0.25], [0.75, 1.0]])[None]
    spikes = rate_code(img, 4000, torch.Generator().manual_seed(0))
    np.testing.assert_allclose(spikes.mean(0)[0].numpy(), [0.0, 0.25, 0.75, 1.0], atol=0.03)
