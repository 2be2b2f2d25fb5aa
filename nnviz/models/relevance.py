"""Token relevance in the attention lab's TinyTransformer: which input tokens does an output position use?

attention_rollout  Abnar & Zuidema (2020): average heads, add the residual as 0.5 I, multiply layers.
grad_attention     Chefer et al. (2021): per layer E_heads[(∂f/∂A ⊙ A)⁺], accumulated as R ← R + Ā R from
                   R = I; the identity start is subtracted for display, leaving what attention added.
layer_ig           captum's LayerIntegratedGradients on the hidden state entering each block (the
                   embeddings for block 1), summed over d_model, with the baseline averaged over every
                   constant sequence (the vocabulary has no [PAD] token to stand for "nothing").

All return, per layer l = 1..L (after l blocks), a (T_query, T_key) matrix: row q is the relevance of
each input position for the output at q. Rollout and gradient x attention are cumulative; LIG at layer l
attributes to the states *entering* block l + 1 (l = 0: the embeddings), and at l = L to the final states.
"""

from __future__ import annotations

import numpy as np
import torch
from captum.attr import LayerIntegratedGradients

from nnviz.models.attention import TinyTransformer


def attention_rollout(attentions: list[torch.Tensor]) -> np.ndarray:
    """attentions: per layer (H, T, T) for one sequence -> (L, T, T) rollout after each layer."""
    t = attentions[0].shape[-1]
    eye = torch.eye(t)
    r, out = eye, []
    for a in attentions:
        a_hat = 0.5 * a.mean(0) + 0.5 * eye  # (T, T): heads averaged, residual added
        a_hat = a_hat / a_hat.sum(-1, keepdim=True)
        r = a_hat @ r
        out.append(r.detach().numpy().copy())
    return np.stack(out)


def _picked_logits(logits: torch.Tensor, queries: torch.Tensor, classes: torch.Tensor) -> torch.Tensor:
    """logits (B, T, V) -> (B,): row b's logit of class classes[b] at position queries[b]."""
    rows = torch.arange(len(logits))
    return logits[rows, queries, classes]


def grad_attention(model: TinyTransformer, idx: torch.Tensor, classes: torch.Tensor) -> np.ndarray:
    """One sequence idx (T,), explained class per query position (T,) -> (L, T, T), Chefer's rule."""
    t = idx.shape[0]
    batch = idx.unsqueeze(0).repeat(t, 1)  # (T, T): row q explains the output at position q
    out = model(batch)
    for a in out.attentions:
        a.retain_grad()
    _picked_logits(out.logits, torch.arange(t), classes).sum().backward()
    r = torch.eye(t).repeat(t, 1, 1)  # (q, T, T)
    per_layer = []
    for a in out.attentions:  # (q, H, T, T)
        a_bar = (a.grad * a).clamp_min(0).mean(1)  # (q, T, T)
        r = r + a_bar @ r
        rel = torch.stack([r[q, q] for q in range(t)]) - torch.eye(t)  # (T_query, T_key): minus the identity start
        per_layer.append(rel.detach().numpy().copy())
    model.zero_grad(set_to_none=True)
    return np.stack(per_layer)


def layer_ig(
    model: TinyTransformer, idx: torch.Tensor, classes: torch.Tensor, vocab: int, n_steps: int = 16
) -> tuple[np.ndarray, np.ndarray]:
    """((L+1, T, T) relevance, (L+1, T) completeness gap) of LIG at each layer's states.

    One captum call per layer: the batch holds every (query, baseline token) pair, T x vocab rows;
    attributions are averaged over the baseline tokens and summed over d_model."""
    t = idx.shape[0]
    queries = torch.arange(t).repeat_interleave(vocab)  # (T*V,)
    cls = classes[queries]
    inputs = idx.unsqueeze(0).repeat(t * vocab, 1)  # (T*V, T)
    baselines = torch.arange(vocab).repeat(t).unsqueeze(1).expand(-1, t).contiguous()  # constant sequences

    def forward(x):  # captum stacks the path points step-major: row i belongs to pair i % (T*V)
        k = len(x) // len(queries)
        return _picked_logits(model(x).logits, queries.repeat(k), cls.repeat(k))

    # the whole block's input (it feeds both the residual and ln1), then the final LayerNorm's input
    layers = [(blk, True) for blk in model.blocks] + [(model.ln, True)]
    maps, gaps = [], []
    for layer, to_input in layers:
        lig = LayerIntegratedGradients(forward, layer)
        attr, delta = lig.attribute(
            inputs, baselines=baselines, n_steps=n_steps, attribute_to_layer_input=to_input, return_convergence_delta=True,
            internal_batch_size=len(inputs) * n_steps,
        )  # fmt: skip
        rel = attr.sum(-1).reshape(t, vocab, t).mean(1)  # (T_query, T_key)
        maps.append(rel.detach().numpy())
        gaps.append(delta.detach().abs().reshape(t, vocab).mean(1).numpy())
    return np.stack(maps), np.stack(gaps)
