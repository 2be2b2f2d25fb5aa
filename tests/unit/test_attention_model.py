"""Our explicit multi-head attention against torch's own, plus the invariants of every variant."""

from __future__ import annotations

import math

import pytest
import torch
from torch.nn import functional as F

from nnviz.models.attention import VARIANTS, MultiHeadAttention, TinyTransformer, entropy, variant_mask

ATOL = 1e-5


def _mha(d_model=16, n_heads=2, seed=0, **kw) -> MultiHeadAttention:
    torch.manual_seed(seed)
    m = MultiHeadAttention(d_model, n_heads, **kw).eval()
    if kw.get("variant") == "relative":
        with torch.no_grad():  # learned bias starts at zero; make it distinctive
            m.rel_bias.normal_()
    return m


def _x(b=2, t=6, d=16, seed=1, requires_grad=False) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return torch.randn(b, t, d, generator=g).requires_grad_(requires_grad)


def _torch_mha(ours: MultiHeadAttention) -> torch.nn.MultiheadAttention:
    ref = torch.nn.MultiheadAttention(ours.d_model, ours.n_heads, batch_first=True, dropout=0.0).eval()
    with torch.no_grad():
        ref.in_proj_weight.copy_(torch.cat([ours.q.weight, ours.k.weight, ours.v.weight]))
        ref.in_proj_bias.copy_(torch.cat([ours.q.bias, ours.k.bias, ours.v.bias]))
        ref.out_proj.weight.copy_(ours.o.weight)
        ref.out_proj.bias.copy_(ours.o.bias)
    return ref


# ----------------------------------------------------------------------------- oracle: nn.MultiheadAttention


@pytest.mark.parametrize("n_heads", [1, 2, 4])
@pytest.mark.parametrize("d_model", [8, 16, 32])
def test_scaled_matches_torch_multihead_attention(d_model, n_heads):
    ours = _mha(d_model, n_heads, variant="scaled")
    ref = _torch_mha(ours)
    x = _x(3, 5, d_model)
    with torch.no_grad():
        out, weights = ours(x)
        ref_out, ref_w = ref(x, x, x, need_weights=True, average_attn_weights=False)
    assert out.shape == (3, 5, d_model) and weights.shape == (3, n_heads, 5, 5)
    torch.testing.assert_close(out, ref_out, atol=ATOL, rtol=0)
    torch.testing.assert_close(weights, ref_w, atol=ATOL, rtol=0)


@pytest.mark.parametrize("variant, kw", [("local", {"window": 1}), ("sparse", {"stride": 2}), ("scaled", {"causal": True})])
def test_masked_variants_match_torch_multihead_attention_with_mask(variant, kw):
    ours = _mha(16, 4, variant=variant, **kw)
    ref = _torch_mha(ours)
    x = _x(2, 7, 16)
    # nn.MultiheadAttention's boolean attn_mask is True where attention is NOT allowed
    blocked = ~ours.mask(7)
    with torch.no_grad():
        out, weights = ours(x)
        ref_out, ref_w = ref(x, x, x, attn_mask=blocked, average_attn_weights=False)
    torch.testing.assert_close(out, ref_out, atol=ATOL, rtol=0)
    torch.testing.assert_close(weights, ref_w, atol=ATOL, rtol=0)


# ----------------------------------------------------------------------------- oracle: F.scaled_dot_product_attention


@pytest.mark.parametrize(
    "variant, kw",
    [
        ("scaled", {}),
        ("scaled", {"causal": True}),
        ("local", {"window": 1}),
        ("local", {"window": 2, "causal": True}),
        ("sparse", {"stride": 2}),
        ("sparse", {"stride": 3, "causal": True}),
    ],
)
def test_context_matches_sdpa_on_internals(variant, kw):
    ours = _mha(16, 2, variant=variant, **kw)
    x = _x(2, 7, 16)
    with torch.no_grad():
        out, weights, inner = ours(x, return_internals=True)
    assert set(inner) == {"q", "k", "v", "raw", "scores", "mask", "weights", "context"}
    q, k, v = inner["q"], inner["k"], inner["v"]
    assert q.shape == k.shape == v.shape == (2, 2, 7, 8)
    assert inner["mask"].dtype == torch.bool and inner["mask"].shape == (7, 7)
    ref = F.scaled_dot_product_attention(q, k, v, attn_mask=inner["mask"])
    torch.testing.assert_close(inner["context"], ref, atol=ATOL, rtol=0)
    assert inner["weights"] is weights
    # the output is the out-projection of the concatenated heads
    merged = inner["context"].transpose(1, 2).reshape(2, 7, 16)
    torch.testing.assert_close(out, ours.o(merged), atol=ATOL, rtol=0)


def test_causal_mask_equals_sdpa_is_causal():
    ours = _mha(16, 4, variant="scaled", causal=True)
    with torch.no_grad():
        _, _, inner = ours(_x(2, 6, 16), return_internals=True)
    ref = F.scaled_dot_product_attention(inner["q"], inner["k"], inner["v"], is_causal=True)
    torch.testing.assert_close(inner["context"], ref, atol=ATOL, rtol=0)


@pytest.mark.parametrize("variant", ["scaled", "dot", "relative"])
def test_scores_formula(variant):
    ours = _mha(16, 2, variant=variant)
    with torch.no_grad():
        _, _, inner = ours(_x(1, 5, 16), return_internals=True)
    q, k = inner["q"], inner["k"]
    qk = torch.einsum("bhid,bhjd->bhij", q, k)
    torch.testing.assert_close(inner["raw"], qk, atol=ATOL, rtol=0)
    if variant == "dot":
        expected = qk
    elif variant == "scaled":
        expected = qk / math.sqrt(8)
    else:
        expected = qk / math.sqrt(8) + ours.relative_bias(5).unsqueeze(0)
    torch.testing.assert_close(inner["scores"], expected, atol=ATOL, rtol=0)
    torch.testing.assert_close(inner["weights"], torch.softmax(expected, -1), atol=ATOL, rtol=0)


def test_additive_scores_by_hand():
    ours = _mha(8, 2, variant="additive", additive_dim=3)
    x = _x(2, 4, 8)
    with torch.no_grad():
        _, weights, inner = ours(x, return_internals=True)
    assert inner["raw"].shape == inner["scores"].shape == (2, 2, 4, 4)
    q, k = inner["q"], inner["k"]
    expected = torch.empty(2, 2, 4, 4)
    for b in range(2):
        for h in range(2):
            for i in range(4):
                for j in range(4):
                    hidden = torch.tanh(q[b, h, i] @ ours.add_q[h] + k[b, h, j] @ ours.add_k[h])  # (3,)
                    expected[b, h, i, j] = hidden @ ours.add_v[h]
    torch.testing.assert_close(inner["scores"], expected.detach(), atol=ATOL, rtol=0)
    torch.testing.assert_close(weights, torch.softmax(expected, -1).detach(), atol=ATOL, rtol=0)


# ----------------------------------------------------------------------------- invariants


@pytest.mark.parametrize("causal", [False, True])
@pytest.mark.parametrize("variant", VARIANTS)
def test_rows_sum_to_one_and_masked_weights_are_zero(variant, causal):
    ours = _mha(16, 4, variant=variant, window=1, stride=2, causal=causal)
    with torch.no_grad():
        _, weights, inner = ours(_x(3, 8, 16) * 5, return_internals=True)
    assert weights.shape == (3, 4, 8, 8)
    torch.testing.assert_close(weights.sum(-1), torch.ones(3, 4, 8), atol=ATOL, rtol=0)
    assert (weights >= 0).all()
    blocked = ~inner["mask"]
    assert torch.equal(inner["mask"], variant_mask(variant, 8, window=1, stride=2, causal=causal))
    assert (weights[..., blocked] == 0).all()  # exactly zero, not merely small
    with torch.no_grad():
        _, mild = ours(_x(3, 8, 16) * 0.1)
    assert (mild[..., ~blocked] > 0).all()  # every allowed key gets some weight


def _dependency(module: MultiHeadAttention, t: int = 6) -> torch.Tensor:
    """(T, T) bool: output position i depends on input position j (from the Jacobian)."""
    x = _x(1, t, module.d_model, requires_grad=True)
    out, _ = module(x)  # (1, T, D)
    r = torch.randn(module.d_model, generator=torch.Generator().manual_seed(3))  # random read-out: no cancellation
    rows = [torch.autograd.grad(out[0, i] @ r, x, retain_graph=True)[0][0].abs().sum(-1) for i in range(t)]
    return torch.stack(rows) > 0


@pytest.mark.parametrize("variant", ["scaled", "dot", "additive", "relative", "local", "sparse"])
def test_causal_mask_hides_the_future(variant):
    module = _mha(8, 2, variant=variant, window=2, stride=2, causal=True)
    dep = _dependency(module)
    i, j = torch.meshgrid(torch.arange(6), torch.arange(6), indexing="ij")
    assert not dep[j > i].any()  # gradient of output i w.r.t. a later input is exactly zero
    assert torch.equal(dep, module.mask(6))  # and every allowed key does matter


@pytest.mark.parametrize("window", [1, 2])
def test_local_window_hides_far_keys(window):
    module = _mha(8, 2, variant="local", window=window)
    dep = _dependency(module)
    i, j = torch.meshgrid(torch.arange(6), torch.arange(6), indexing="ij")
    assert not dep[(i - j).abs() > window].any()
    assert dep[(i - j).abs() <= window].all()


def test_unmasked_variant_sees_everything():
    assert _dependency(_mha(8, 2, variant="scaled")).all()


def test_relative_bias_shape_and_shared_along_diagonals():
    module = _mha(8, 2, variant="relative", max_len=10)
    bias = module.relative_bias(6)
    assert bias.shape == (2, 6, 6)
    for h in range(2):
        for i in range(6):
            for j in range(6):
                assert bias[h, i, j] == module.rel_bias[h, j - i + 10 - 1]  # indexed by signed distance j - i
        for i in range(5):
            torch.testing.assert_close(bias[h].diagonal(i), torch.full((6 - i,), bias[h, 0, i].item()))
            torch.testing.assert_close(bias[h].diagonal(-i), torch.full((6 - i,), bias[h, i, 0].item()))
    # direction matters: a key one step ahead is not a key one step behind
    assert bias[0, 0, 1] != bias[0, 1, 0]
    assert not torch.equal(bias[0], bias[1])  # one bias per head


def test_relative_bias_gets_gradient():
    module = _mha(8, 2, variant="relative", max_len=10)
    out, _ = module(_x(1, 5, 8))
    out.square().sum().backward()
    g = module.rel_bias.grad
    assert g is not None and g.shape == (2, 19)
    used = torch.arange(-4, 5) + module.max_len - 1
    assert (g[:, used] != 0).all()
    unused = torch.ones(2 * module.max_len - 1, dtype=torch.bool)
    unused[used] = False
    assert (g[:, unused] == 0).all()  # distances beyond T-1 never appear


@pytest.mark.parametrize(
    "variant, kw, expected",
    [
        ("local", {"window": 1}, [[1, 1, 0, 0], [1, 1, 1, 0], [0, 1, 1, 1], [0, 0, 1, 1]]),
        ("local", {"window": 2}, [[1, 1, 1, 0], [1, 1, 1, 1], [1, 1, 1, 1], [0, 1, 1, 1]]),
        ("sparse", {"stride": 2}, [[1, 1, 0, 1], [1, 1, 0, 1], [0, 1, 1, 1], [0, 1, 1, 1]]),
        ("sparse", {"stride": 2, "causal": True}, [[1, 0, 0, 0], [1, 1, 0, 0], [0, 1, 1, 0], [0, 1, 1, 1]]),
        ("scaled", {"causal": True}, [[1, 0, 0, 0], [1, 1, 0, 0], [1, 1, 1, 0], [1, 1, 1, 1]]),
        ("local", {"window": 1, "causal": True}, [[1, 0, 0, 0], [1, 1, 0, 0], [0, 1, 1, 0], [0, 0, 1, 1]]),
        ("scaled", {}, [[1] * 4] * 4),
        ("dot", {}, [[1] * 4] * 4),
        ("additive", {}, [[1] * 4] * 4),
        ("relative", {}, [[1] * 4] * 4),
    ],
)
def test_variant_mask_small_examples(variant, kw, expected):
    m = variant_mask(variant, 4, **kw)
    assert m.dtype == torch.bool
    assert m.int().tolist() == expected


def test_sparse_mask_t6_stride3():
    # own block of 3, plus the last key (position 2 mod 3) of every block
    expected = [
        [1, 1, 1, 0, 0, 1],
        [1, 1, 1, 0, 0, 1],
        [1, 1, 1, 0, 0, 1],
        [0, 0, 1, 1, 1, 1],
        [0, 0, 1, 1, 1, 1],
        [0, 0, 1, 1, 1, 1],
    ]
    assert variant_mask("sparse", 6, stride=3).int().tolist() == expected


@pytest.mark.parametrize("t", [3, 8])
def test_entropy(t):
    uniform = torch.full((2, t), 1.0 / t)
    torch.testing.assert_close(entropy(uniform), torch.full((2,), math.log(t)))
    one_hot = torch.zeros(t)
    one_hot[1] = 1
    assert entropy(one_hot).item() == pytest.approx(0.0, abs=1e-9)


def test_bad_construction_raises():
    with pytest.raises(ValueError, match="unknown variant"):
        MultiHeadAttention(16, 2, variant="flash")
    with pytest.raises(ValueError, match="divisible"):
        MultiHeadAttention(16, 3)


# ----------------------------------------------------------------------------- the tiny transformer


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("n_layers, n_heads", [(1, 2), (2, 4)])
def test_tiny_transformer_shapes(variant, n_layers, n_heads):
    torch.manual_seed(0)
    model = TinyTransformer(11, 9, d_model=16, n_heads=n_heads, n_layers=n_layers, variant=variant, window=1, stride=2).eval()
    idx = torch.randint(0, 11, (3, 7))
    with torch.no_grad():
        out = model(idx)
        full = model(idx, return_internals=True)
    assert out.logits.shape == (3, 7, 11)
    assert len(out.attentions) == n_layers and all(w.shape == (3, n_heads, 7, 7) for w in out.attentions)
    assert len(out.hidden) == n_layers + 1 and all(h.shape == (3, 7, 16) for h in out.hidden)
    assert out.internals == []
    assert len(full.internals) == n_layers and set(full.internals[0]) >= {"q", "k", "v", "weights"}
    torch.testing.assert_close(full.logits, out.logits)
    for w, d in zip(full.attentions, full.internals):
        assert d["weights"] is w


def test_tiny_transformer_is_permutation_sensitive():
    """Position embeddings: the same tokens in another order give other logits (reverse needs that)."""
    torch.manual_seed(0)
    model = TinyTransformer(10, 8).eval()
    idx = torch.tensor([[1, 2, 3, 4, 5, 6, 7, 8]])
    with torch.no_grad():
        a = model(idx).logits
        b = model(idx.flip(-1)).logits.flip(1)
    assert not torch.allclose(a, b, atol=1e-4)
