"""Message-passing GNNs for node classification, built from PyG layers, with their messages on show.

PyG's MessagePassing runs propagate -> message -> aggregate -> update and offers a forward hook
at each stage; ``capture(model)`` uses them to record, per layer, the edge list the layer really
used (self-loops included), every message m_{u->v}, and the aggregate PyG returns. Nothing is
re-implemented: the figures show what the library computed.

Dense forms (``gcn_norm_dense``, ``propagation_matrix``) are written out for the matrix view
Â · H · W and checked against the layers in tests/unit/test_gnn.py.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torch_geometric.nn import GATConv, GCNConv, GINConv, SAGEConv

KINDS = ("gcn", "sage", "gat", "gin")
KIND_LABELS = {"gcn": "GCN (Kipf & Welling)", "sage": "GraphSAGE (mean)", "gat": "GAT (attention)", "gin": "GIN (sum + MLP)"}


# ----------------------------------------------------------------------------- layers


def make_conv(kind: str, d_in: int, d_out: int, heads: int = 2, dropout: float = 0.0) -> nn.Module:
    if kind == "gcn":
        return GCNConv(d_in, d_out)
    if kind == "sage":
        return SAGEConv(d_in, d_out, aggr="mean")
    if kind == "gat":
        # heads concatenated: each head gets d_out / heads channels, so the width stays d_out
        return GATConv(d_in, d_out // heads, heads=heads, dropout=dropout)
    if kind == "gin":
        return GINConv(nn.Sequential(nn.Linear(d_in, d_out), nn.ReLU(), nn.Linear(d_out, d_out)), train_eps=False)
    raise ValueError(f"unknown GNN kind {kind!r}; kinds: {', '.join(KINDS)}")


def first_weight(conv: nn.Module, kind: str) -> torch.Tensor:
    """(d_in, d_out) the layer's first linear map: the W of Â H W (GIN: the MLP's first layer)."""
    if kind == "gcn":
        return conv.lin.weight.T
    if kind == "sage":
        return conv.lin_l.weight.T
    if kind == "gat":
        return conv.lin.weight.T
    return conv.nn[0].weight.T


class NodeGNN(nn.Module):
    """n_layers message-passing layers (ReLU + dropout after each), then a linear read-out."""

    def __init__(self, d_in: int, hidden: int, n_classes: int, *, n_layers: int = 2, kind: str = "gcn", heads: int = 2, dropout=0.5):
        super().__init__()
        self.kind, self.heads, self.dropout = kind, heads, dropout
        dims = [d_in] + [hidden] * n_layers
        self.convs = nn.ModuleList(make_conv(kind, a, b, heads=heads) for a, b in zip(dims[:-1], dims[1:]))
        self.readout = nn.Linear(hidden, n_classes)

    def forward(self, x: torch.Tensor, edge_index: torch.Tensor, return_hidden: bool = False):
        hidden = [x]  # H^(0) .. H^(L), each (N, d)
        for conv in self.convs:
            x = F.relu(conv(x, edge_index))  # (N, hidden)
            hidden.append(x)
            x = F.dropout(x, self.dropout, self.training)
        logits = self.readout(x)  # (N, classes)
        return (logits, hidden) if return_hidden else logits


def n_params(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


# ----------------------------------------------------------------------------- capturing messages


@dataclass
class LayerTrace:
    """What one layer's propagate saw and produced (all tensors detached)."""

    edge_index: torch.Tensor | None = None  # (2, E') as used, self-loops included where the layer adds them
    messages: torch.Tensor | None = None  # (E', F) or (E', heads, C) for GAT: m_{u->v}, one row per edge
    aggregate: torch.Tensor | None = None  # (N, F) or (N, heads, C): what PyG's aggregate returned
    coeff: torch.Tensor | None = None  # (E', heads) the weight each message carries into the aggregate
    extras: dict = field(default_factory=dict)


@contextlib.contextmanager
def capture(model: NodeGNN):
    """Yield a list of LayerTrace (one per conv) filled by PyG's propagate / message / aggregate hooks."""
    traces = [LayerTrace() for _ in model.convs]
    handles = []
    for conv, tr in zip(model.convs, traces):

        def pre(module, inputs, tr=tr):
            edge_index = inputs[0]
            tr.edge_index = edge_index.detach().clone()

        def on_message(module, inputs, out, tr=tr):
            kw = inputs[0]
            tr.messages = out.detach().clone()
            if "alpha" in kw:  # GAT: attention already includes dropout in training; eval has none
                tr.coeff = kw["alpha"].detach().clone()  # (E', heads)
            elif kw.get("edge_weight") is not None:  # GCN: 1/sqrt(d_u d_v)
                tr.coeff = kw["edge_weight"].detach().clone()[:, None]

        def on_aggregate(module, inputs, out, tr=tr):
            tr.aggregate = out.detach().clone()
            tr.extras["index"] = inputs[0]["index"].detach().clone()

        handles += [
            conv.register_propagate_forward_pre_hook(pre),
            conv.register_message_forward_hook(on_message),
            conv.register_aggregate_forward_hook(on_aggregate),
        ]
    try:
        yield traces
    finally:
        for h in handles:
            h.remove()
    for conv, tr in zip(model.convs, traces):
        _fill_coefficients(model.kind, conv, tr)


def _fill_coefficients(kind: str, conv: nn.Module, tr: LayerTrace) -> None:
    if tr.coeff is not None or tr.edge_index is None:
        return
    dst = tr.edge_index[1]
    if kind == "sage":  # mean aggregation: each message counts 1 / in-degree
        deg = torch.bincount(dst, minlength=int(dst.max()) + 1).clamp(min=1).float()
        tr.coeff = (1.0 / deg[dst])[:, None]
    else:  # GIN: plain sum
        tr.coeff = torch.ones(dst.numel(), 1)


def contributions(kind: str, tr: LayerTrace) -> torch.Tensor:
    """(E', F) what each edge adds to its target's aggregate: sums (per target) to tr.aggregate.

    GCN / GAT / GIN messages already carry their weight (sum aggregation); SAGE's are raw
    neighbour vectors averaged by the mean aggregation, so they count 1/deg each."""
    m = tr.messages
    if kind == "sage":
        m = m * tr.coeff
    return m.reshape(m.shape[0], -1)


def scatter_sum(values: torch.Tensor, index: torch.Tensor, n: int) -> torch.Tensor:
    out = torch.zeros((n,) + values.shape[1:], dtype=values.dtype)
    return out.index_add_(0, index, values)


# ----------------------------------------------------------------------------- dense forms


def gcn_norm_dense(edge_index: torch.Tensor, n: int) -> torch.Tensor:
    """Â = D̃^{-1/2} (A + I) D̃^{-1/2}, (N, N) with Â[v, u] the weight of u's message into v."""
    a = torch.zeros(n, n)
    a[edge_index[1], edge_index[0]] = 1.0
    a = a + torch.eye(n)
    d = a.sum(1).pow(-0.5)
    return d[:, None] * a * d[None, :]


def dense_gcn(x: torch.Tensor, a_hat: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None = None) -> torch.Tensor:
    """Â X W (+ b): the GCN layer as three matrices. weight is (d_in, d_out)."""
    out = a_hat @ x @ weight  # (N, N) (N, d_in) (d_in, d_out)
    return out if bias is None else out + bias


def propagation_matrix(tr: LayerTrace, n: int, head: int = 0) -> np.ndarray:
    """(N, N) P[v, u] = weight of u's message in v's aggregate, read off the captured coefficients."""
    p = np.zeros((n, n))
    src, dst = tr.edge_index.numpy()
    np.add.at(p, (dst, src), tr.coeff[:, min(head, tr.coeff.shape[1] - 1)].numpy())
    return p


# ----------------------------------------------------------------------------- graph classification


class GraphGNN(nn.Module):
    """GCN or GIN layers, then a sum read-out over each graph's nodes and a linear classifier.

    Sum read-out for both, so the only difference is how a node aggregates its neighbours:
    GCN's normalised weights 1/sqrt(d_u d_v) erase degree information, GIN's plain sum keeps it."""

    def __init__(self, d_in: int, hidden: int, n_classes: int = 2, *, n_layers: int = 3, kind: str = "gin"):
        super().__init__()
        if kind not in ("gcn", "gin"):
            raise ValueError("GraphGNN compares gcn and gin")
        self.kind = kind
        dims = [d_in] + [hidden] * n_layers
        self.convs = nn.ModuleList(make_conv(kind, a, b) for a, b in zip(dims[:-1], dims[1:]))
        self.head = nn.Linear(hidden, n_classes)

    def embed(self, x: torch.Tensor, edge_index: torch.Tensor, batch: torch.Tensor) -> torch.Tensor:
        from torch_geometric.nn import global_add_pool

        for conv in self.convs:
            x = F.relu(conv(x, edge_index))  # (N_total, hidden)
        return global_add_pool(x, batch)  # (graphs, hidden)

    def forward(self, x, edge_index, batch, return_embedding: bool = False):
        z = self.embed(x, edge_index, batch)
        logits = self.head(z)  # (graphs, classes)
        return (logits, z) if return_embedding else logits
