"""Relevance methods on the attention lab's TinyTransformer: rollout algebra, Chefer's rule, LIG completeness."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

from nnviz.models import relevance as R
from nnviz.models.attention import TinyTransformer

warnings.filterwarnings("ignore")


def _model(layers=2, seed=0) -> TinyTransformer:
    torch.manual_seed(seed)
    return TinyTransformer(10, 6, d_model=16, n_heads=2, n_layers=layers).eval()


def _x(seed=1) -> torch.Tensor:
    return torch.randint(0, 10, (6,), generator=torch.Generator().manual_seed(seed))


def test_rollout_rows_sum_to_one_and_match_the_product():
    g = torch.Generator().manual_seed(0)
    attn = [torch.softmax(torch.randn(2, 5, 5, generator=g), -1) for _ in range(3)]
    out = R.attention_rollout(attn)
    np.testing.assert_allclose(out.sum(-1), 1.0, atol=1e-6)
    hat = [0.5 * a.mean(0) + 0.5 * torch.eye(5) for a in attn]
    np.testing.assert_allclose(out[-1], (hat[2] @ hat[1] @ hat[0]).numpy(), atol=1e-6)


def test_rollout_of_identity_attention_is_identity():
    out = R.attention_rollout([torch.eye(4).repeat(2, 1, 1)] * 2)
    np.testing.assert_allclose(out[-1], np.eye(4), atol=1e-7)


def test_grad_attention_one_layer_is_positive_grad_times_attention():
    m, x = _model(1), _x()
    with torch.no_grad():
        classes = m(x[None]).logits[0].argmax(-1)
    rel = R.grad_attention(m, x, classes)[0]  # (T, T), identity removed
    for q in (0, 3):
        out = m(x[None])
        a = out.attentions[0]
        a.retain_grad()
        out.logits[0, q, classes[q]].backward()
        expected = (a.grad * a).clamp_min(0).mean(1)[0, q]  # R = I + Ā I  ->  row q of Ā
        np.testing.assert_allclose(rel[q], expected.detach().numpy(), atol=1e-6)
        m.zero_grad()


@pytest.mark.parametrize("layers", [1, 2])
def test_layer_ig_completeness_at_every_layer(layers):
    """Σ_j LIG_j = f(x) − mean_b f(b) for the states entering each block and the final states."""
    m, x = _model(layers), _x()
    with torch.no_grad():
        out = m(x[None])
        classes = out.logits[0].argmax(-1)
        f_x = out.logits[0, torch.arange(6), classes]
        f_b = torch.stack([m(torch.full((1, 6), b)).logits[0, torch.arange(6), classes] for b in range(10)]).mean(0)
    maps, gaps = R.layer_ig(m, x, classes, 10, n_steps=32)
    assert maps.shape == (layers + 1, 6, 6)
    for layer in range(layers + 1):
        np.testing.assert_allclose(maps[layer].sum(-1), (f_x - f_b).numpy(), rtol=1e-2, atol=1e-2)
    assert gaps.max() < 1e-2


def test_final_layer_lig_sits_on_the_query_position():
    """The read-out at position q sees only the final state at q: all relevance is on the diagonal."""
    m, x = _model(2), _x()
    with torch.no_grad():
        classes = m(x[None]).logits[0].argmax(-1)
    last = R.layer_ig(m, x, classes, 10, n_steps=8)[0][-1]
    np.testing.assert_allclose(last - np.diag(np.diag(last)), 0.0, atol=1e-5)
