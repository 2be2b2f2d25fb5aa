"""Masked and causal convolutions: no output depends on the future (gradient checks), masks and receptive fields."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from nnviz.models import autoregressive as am


@pytest.mark.parametrize("k", [3, 5, 7])
def test_masks_follow_raster_order(k):
    a, b = am.pixel_mask("A", k), am.pixel_mask("B", k)
    c = k // 2
    order = torch.arange(k * k).reshape(k, k)
    centre = c * k + c
    assert torch.equal(a.bool(), order < centre)
    assert torch.equal(b.bool(), order <= centre)
    with pytest.raises(ValueError):
        am.pixel_mask("C", k)


@pytest.mark.parametrize("layers", [1, 3, 5])
@pytest.mark.parametrize("kernel", [3, 5])
def test_pixelcnn_output_does_not_depend_on_current_or_future_pixels(layers, kernel):
    """Gradient check: ∂ logit_i / ∂ x_j = 0 for every j ≥ i in raster order, and ≠ 0 for the pixel just before."""
    torch.manual_seed(0)
    model = am.PixelCNN(8, layers, kernel)
    size = 6
    order = np.arange(size * size).reshape(size, size)
    x = torch.rand(1, 1, size, size, requires_grad=True)
    logits = model(x)[0, 0]
    for i in range(size * size):
        r, c = divmod(i, size)
        (grad,) = torch.autograd.grad(logits[r, c], x, retain_graph=True)
        g = grad[0, 0].numpy()
        assert np.all(g[order >= i] == 0), f"pixel {i} sees the future"
        if c > 0:
            assert g[r, c - 1] != 0, f"pixel {i} does not see its left neighbour"
        if r > 0:
            assert g[r - 1, c] != 0, f"pixel {i} does not see the pixel above"


def test_blind_spot_exists_for_stacked_3x3_masks():
    torch.manual_seed(0)
    model = am.PixelCNN(8, 4, 3)
    g = am.dependency_map(model, 8, 6, 2).numpy()
    order = np.arange(64).reshape(8, 8)
    unseen = (order < 50) & (g == 0)
    # rows 1-5 are within reach of 5 masked 3x3 layers (row 0 is 6 rows up: out of reach), yet a wedge up and to the right
    # is never seen: row 5 cols 4-7, row 4 cols 5-7, row 3 cols 6-7, row 2 col 7
    wedge = np.zeros((8, 8), bool)
    for row, first in ((5, 4), (4, 5), (3, 6), (2, 7)):
        wedge[row, first:] = True
    np.testing.assert_array_equal(unseen[1:], wedge[1:])
    assert unseen[0].all()


def test_sampling_fills_pixels_in_raster_order():
    torch.manual_seed(0)
    model = am.PixelCNN(8, 2, 3).eval()
    canvases, probs = am.sample_pixels(model, 3, 4, generator=torch.Generator().manual_seed(0))
    assert canvases.shape == (17, 3, 4, 4) and probs.shape == (16, 3)
    for step in range(17):
        later = torch.arange(16).reshape(4, 4) >= step
        assert torch.all(canvases[step][:, later] == 0)
    assert torch.all((probs >= 0) & (probs <= 1))


@pytest.mark.parametrize("dilations", [(1,), (1, 2, 4), (1, 1, 1, 1), (1, 2, 4, 8, 16)])
def test_wavenet_is_causal_with_the_stated_receptive_field(dilations):
    torch.manual_seed(0)
    model = am.WaveNet(8, dilations)
    T = 48
    x = torch.randn(1, 1, T, requires_grad=True)
    t = T - 1
    (grad,) = torch.autograd.grad(model(x)[0, 0, t], x)
    seen = np.nonzero(grad[0, 0].numpy())[0]
    assert seen.max() == t  # never beyond t (causal)
    assert t - seen.min() + 1 == model.receptive_field() == 2 + sum(dilations)


def test_causal_conv_equals_shifted_formula():
    conv = am.CausalConv1d(1, 1, 2, dilation=3)
    with torch.no_grad():
        conv.weight[:] = torch.tensor([[[2.0, 5.0]]])
        conv.bias[:] = 0.5
    x = torch.arange(10, dtype=torch.float32)[None, None]
    expected = 5 * x + 2 * torch.nn.functional.pad(x, (3, 0))[..., :10] + 0.5  # h_t = w0 x_{t-3} + w1 x_t + b
    torch.testing.assert_close(conv(x), expected)


def test_bits_per_dim_of_a_coin_flip_is_one():
    logits = torch.zeros(2, 1, 4, 4)
    x = (torch.rand(2, 1, 4, 4) > 0.5).float()
    assert am.bits_per_dim(logits, x).item() == pytest.approx(1.0)


def test_generate_sequence_appends_one_sample_per_step():
    model = am.WaveNet(4, (1, 2)).eval()
    out = am.generate_sequence(model, torch.zeros(10), 5)
    assert out.shape == (15,)
    with torch.no_grad():
        torch.testing.assert_close(out[10:11], model(torch.zeros(1, 1, 10))[0, 0, -1:])
