"""GNNs beyond simple graphs, from PyG layers: hypergraph convolution, a heterogeneous GNN with one
SAGEConv per relation (HeteroConv), and a small graph-structure learner that scores node pairs
from features. Messages are captured with PyG's propagate / message / aggregate hooks, as in gnn.py.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn
from torch_geometric.nn import HeteroConv, HypergraphConv, SAGEConv

# ----------------------------------------------------------------------------- hypergraph


class HyperGNN(nn.Module):
    """Two HypergraphConv layers (node -> hyperedge -> node, normalised by degrees) and a linear read-out."""

    def __init__(self, d_in: int, hidden: int, n_classes: int, dropout: float = 0.5):
        super().__init__()
        self.convs = nn.ModuleList([HypergraphConv(d_in, hidden), HypergraphConv(hidden, hidden)])
        self.readout = nn.Linear(hidden, n_classes)
        self.dropout = dropout

    def forward(self, x: torch.Tensor, incidence: torch.Tensor) -> torch.Tensor:
        for conv in self.convs:
            x = F.dropout(F.relu(conv(x, incidence)), self.dropout, self.training)  # (N, hidden)
        return self.readout(x)  # (N, classes)


def capture_hyper_messages(conv: HypergraphConv) -> tuple[list, list]:
    """Hooks recording HypergraphConv's two propagations: [node -> hyperedge, hyperedge -> node].
    Returns (messages list, handles); each message is (nnz, heads, C)."""
    msgs: list = []
    handles = [conv.register_message_forward_hook(lambda m, i, out: msgs.append(out.detach().clone()))]
    return msgs, handles


# ----------------------------------------------------------------------------- heterogeneous


def _rel_key(rel) -> str:
    return "__".join(rel)


class HeteroGNN(nn.Module):
    """Per-type input projections, then layers of HeteroConv with one SAGEConv per relation (summed
    over relations into each node type), then a classifier on the target type."""

    def __init__(self, dims: dict, relations, hidden: int, n_classes: int, *, n_layers: int = 2, target: str = "author"):
        super().__init__()
        self.relations, self.target = tuple(relations), target
        self.inputs = nn.ModuleDict({t: nn.Linear(d, hidden) for t, d in dims.items()})
        self.convs = nn.ModuleList(
            HeteroConv({rel: SAGEConv((hidden, hidden), hidden) for rel in self.relations}, aggr="sum") for _ in range(n_layers)
        )
        self.readout = nn.Linear(hidden, n_classes)

    def forward(self, x: dict, edge_index: dict) -> torch.Tensor:
        h = {t: F.relu(lin(x[t])) for t, lin in self.inputs.items()}  # type -> (n_type, hidden)
        for conv in self.convs:
            out = conv(h, edge_index)
            h = {t: F.relu(out[t]) if t in out else h[t] for t in h}
        return self.readout(h[self.target])  # (n_target, classes)


def capture_relation_messages(model: HeteroGNN):
    """Hooks on every relation's SAGEConv: {(layer, relation): (edge_index (2, E), messages (E, F), aggregate)}."""
    store: dict = {}
    handles = []
    for k, conv in enumerate(model.convs):
        for rel in model.relations:
            sub = conv.convs[rel] if rel in conv.convs else conv.convs[_rel_key(rel)]

            def pre(m, inputs, key=(k, rel)):
                store.setdefault(key, {})["edge_index"] = inputs[0].detach().clone()

            def msg(m, inputs, out, key=(k, rel)):
                store.setdefault(key, {})["messages"] = out.detach().clone()

            def agg(m, inputs, out, key=(k, rel)):
                store.setdefault(key, {})["aggregate"] = out.detach().clone()

            handles += [sub.register_propagate_forward_pre_hook(pre), sub.register_message_forward_hook(msg),
                        sub.register_aggregate_forward_hook(agg)]  # fmt: skip
    return store, handles


# ----------------------------------------------------------------------------- structure learning


class EdgeLearner(nn.Module):
    """Learns an adjacency from node features: A_ij = sigmoid(τ · cos(f(x_i), f(x_j)) + b) with f an MLP."""

    def __init__(self, d_in: int, hidden: int = 16):
        super().__init__()
        self.f = nn.Sequential(nn.Linear(d_in, hidden), nn.ReLU(), nn.Linear(hidden, hidden))
        self.scale = nn.Parameter(torch.tensor(5.0))
        self.bias = nn.Parameter(torch.tensor(-2.0))

    def logits(self, x: torch.Tensor, pairs: torch.Tensor) -> torch.Tensor:
        z = F.normalize(self.f(x), dim=-1)  # (N, hidden)
        return self.scale * (z[pairs[0]] * z[pairs[1]]).sum(-1) + self.bias  # (P,)

    def adjacency(self, x: torch.Tensor) -> torch.Tensor:
        z = F.normalize(self.f(x), dim=-1)
        a = torch.sigmoid(self.scale * z @ z.T + self.bias)  # (N, N)
        return a * (1 - torch.eye(len(x)))
