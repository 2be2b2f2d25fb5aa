"""Multi-head attention with the math written out, its variants, and a tiny transformer.

A fused kernel (F.scaled_dot_product_attention) would hide exactly what the student came to see,
so scores, masks and the softmax are computed explicitly (minGPT's stated reason); the tests
check the result against torch's own MultiheadAttention and scaled_dot_product_attention.

Variants (all multi-head, same Q/K/V/O projections):
    dot        score = q·k                       (multiplicative, Luong)
    scaled     score = q·k / sqrt(d_k)           (Vaswani et al.)
    additive   score = vᵀ tanh(W_q q + W_k k)    (Bahdanau)
    local      scaled, keys within `window` positions of the query only
    sparse     scaled, fixed pattern (Child et al.): own block of `stride` + each block's last key
    relative   scaled + a learned bias per head and distance j - i (Shaw et al. / T5 style)
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import torch
from torch import nn
from torch.nn import functional as F

VARIANTS = ("scaled", "dot", "additive", "local", "sparse", "relative")


# ----------------------------------------------------------------------------- helpers


def variant_mask(variant: str, length: int, *, window: int = 2, stride: int = 4, causal: bool = False) -> torch.Tensor:
    """(T, T) boolean: True where query i may attend to key j."""
    i = torch.arange(length).unsqueeze(1)
    j = torch.arange(length).unsqueeze(0)
    allowed = torch.ones(length, length, dtype=torch.bool)
    if variant == "local":
        allowed = (i - j).abs() <= window
    elif variant == "sparse":
        allowed = (i // stride == j // stride) | (j % stride == stride - 1)
    if causal:
        allowed = allowed & (j <= i)
    return allowed


def entropy(weights: torch.Tensor) -> torch.Tensor:
    """Shannon entropy (nats) of each attention row, (..., T) -> (...)."""
    return -(weights * torch.log(weights.clamp_min(1e-12))).sum(-1)


# ----------------------------------------------------------------------------- blocks


class MultiHeadAttention(nn.Module):
    def __init__(
        self,
        d_model: int,
        n_heads: int,
        *,
        variant: str = "scaled",
        max_len: int = 64,
        window: int = 2,
        stride: int = 4,
        causal: bool = False,
        additive_dim: int | None = None,
    ):
        super().__init__()
        if variant not in VARIANTS:
            raise ValueError(f"unknown variant {variant!r}; variants: {', '.join(VARIANTS)}")
        if d_model % n_heads:
            raise ValueError(f"d_model={d_model} must be divisible by n_heads={n_heads}")
        self.d_model, self.n_heads, self.d_head = d_model, n_heads, d_model // n_heads
        self.variant, self.max_len, self.window, self.stride, self.causal = variant, max_len, window, stride, causal
        self.q = nn.Linear(d_model, d_model)
        self.k = nn.Linear(d_model, d_model)
        self.v = nn.Linear(d_model, d_model)
        self.o = nn.Linear(d_model, d_model)
        if variant == "additive":
            da = additive_dim or self.d_head
            self.add_q = nn.Parameter(torch.randn(n_heads, self.d_head, da) / math.sqrt(self.d_head))
            self.add_k = nn.Parameter(torch.randn(n_heads, self.d_head, da) / math.sqrt(self.d_head))
            self.add_v = nn.Parameter(torch.randn(n_heads, da) / math.sqrt(da))
        if variant == "relative":
            # bias[h, (j - i) + max_len - 1]: one learned number per head and signed distance
            self.rel_bias = nn.Parameter(torch.zeros(n_heads, 2 * max_len - 1))

    def mask(self, length: int, device=None) -> torch.Tensor:
        return variant_mask(self.variant, length, window=self.window, stride=self.stride, causal=self.causal).to(device)

    def relative_bias(self, length: int) -> torch.Tensor:
        """(H, T, T) bias added to the scores of query i and key j (relative variant only)."""
        idx = torch.arange(length, device=self.rel_bias.device)
        dist = idx.unsqueeze(0) - idx.unsqueeze(1) + self.max_len - 1  # (T, T): j - i, shifted to >= 0
        return self.rel_bias[:, dist]

    def scores(self, q: torch.Tensor, k: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """q, k: (B, H, T, d_head) -> (raw, scores), both (B, H, T, T), before masking."""
        if self.variant == "additive":
            aq = torch.einsum("bhtd,hde->bhte", q, self.add_q)  # (B, H, T, da)
            ak = torch.einsum("bhtd,hde->bhte", k, self.add_k)  # (B, H, T, da)
            hidden = torch.tanh(aq.unsqueeze(3) + ak.unsqueeze(2))  # (B, H, T, T, da)
            raw = torch.einsum("bhije,he->bhij", hidden, self.add_v)  # (B, H, T, T)
            return raw, raw
        raw = q @ k.transpose(-2, -1)  # (B, H, T, T)
        if self.variant == "dot":
            return raw, raw
        scores = raw / math.sqrt(self.d_head)
        if self.variant == "relative":
            scores = scores + self.relative_bias(q.shape[2]).unsqueeze(0)
        return raw, scores

    def forward(self, x: torch.Tensor, *, return_internals: bool = False):
        """x: (B, T, d_model) -> out (B, T, d_model), weights (B, H, T, T)[, internals]."""
        b, t, _ = x.shape
        split = lambda z: z.view(b, t, self.n_heads, self.d_head).transpose(1, 2)  # noqa: E731  (B, H, T, d_head)
        q, k, v = split(self.q(x)), split(self.k(x)), split(self.v(x))
        raw, scores = self.scores(q, k)
        allowed = self.mask(t, x.device)  # (T, T)
        masked = scores.masked_fill(~allowed, float("-inf"))
        weights = torch.softmax(masked, dim=-1)  # (B, H, T, T), rows sum to 1
        context = weights @ v  # (B, H, T, d_head)
        out = self.o(context.transpose(1, 2).reshape(b, t, self.d_model))  # (B, T, d_model)
        if not return_internals:
            return out, weights
        internals = dict(q=q, k=k, v=v, raw=raw, scores=scores, mask=allowed, weights=weights, context=context)
        return out, weights, internals


class Block(nn.Module):
    """Pre-LayerNorm transformer block: x + MHA(LN(x)), then x + MLP(LN(x))."""

    def __init__(self, d_model: int, n_heads: int, *, mlp_ratio: int = 2, **attn_kw):
        super().__init__()
        self.ln1 = nn.LayerNorm(d_model)
        self.attn = MultiHeadAttention(d_model, n_heads, **attn_kw)
        self.ln2 = nn.LayerNorm(d_model)
        self.mlp = nn.Sequential(nn.Linear(d_model, mlp_ratio * d_model), nn.GELU(), nn.Linear(mlp_ratio * d_model, d_model))

    def forward(self, x: torch.Tensor, *, return_internals: bool = False):
        res = self.attn(self.ln1(x), return_internals=return_internals)
        x = x + res[0]
        x = x + self.mlp(self.ln2(x))
        return (x, *res[1:])


# ----------------------------------------------------------------------------- model


@dataclass
class TransformerOutput:
    logits: torch.Tensor  # (B, T, vocab)
    attentions: list[torch.Tensor]  # per layer (B, H, T, T)
    hidden: list[torch.Tensor]  # embeddings, then the output of each block: (B, T, d_model)
    internals: list[dict] = field(default_factory=list)  # per layer, when asked


class TinyTransformer(nn.Module):
    """Token + learned position embeddings, n pre-LN blocks, a linear read-out per position."""

    def __init__(
        self,
        vocab: int,
        max_len: int,
        *,
        d_model: int = 32,
        n_heads: int = 2,
        n_layers: int = 1,
        variant: str = "scaled",
        window: int = 2,
        stride: int = 4,
        causal: bool = False,
    ):
        super().__init__()
        self.tok = nn.Embedding(vocab, d_model)
        self.pos = nn.Embedding(max_len, d_model)
        kw = dict(variant=variant, max_len=max_len, window=window, stride=stride, causal=causal)
        self.blocks = nn.ModuleList(Block(d_model, n_heads, **kw) for _ in range(n_layers))
        self.ln = nn.LayerNorm(d_model)
        self.head = nn.Linear(d_model, vocab)

    def forward(self, idx: torch.Tensor, *, return_internals: bool = False) -> TransformerOutput:
        t = idx.shape[1]
        x = self.tok(idx) + self.pos(torch.arange(t, device=idx.device))  # (B, T, d_model)
        hidden, attentions, internals = [x], [], []
        for block in self.blocks:
            x, weights, *extra = block(x, return_internals=return_internals)
            hidden.append(x)
            attentions.append(weights)
            internals.extend(extra)
        return TransformerOutput(self.head(self.ln(x)), attentions, hidden, internals)


def n_params(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def cross_entropy(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1))
