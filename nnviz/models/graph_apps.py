"""Models for the GNN applications page.

KGModel: entity embeddings, optionally refined by R-GCN layers (PyG RGCNConv: one weight per relation),
scored by DistMult <h, r, t> = sum_i h_i r_i t_i. Our own decoder (a few lines): PyG's kge.DistMult is a
shallow model with its own embedding table and cannot sit on top of an encoder.

TrafficModel: per time step a graph convolution (PyG GCNConv) mixes each intersection's readings with
its neighbours', then a GRU runs over time for every intersection and a linear head forecasts the next
`horizon` speeds. graph=False swaps GCNConv for a Linear layer: the same GRU without the graph.
"""

from __future__ import annotations

import torch
from torch import nn
from torch_geometric.nn import GCNConv, RGCNConv


def distmult(h: torch.Tensor, r: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    """(..., D) x3 -> (...): the trilinear product sum_i h_i r_i t_i."""
    return (h * r * t).sum(-1)


class KGModel(nn.Module):
    def __init__(self, n_entities: int, n_relations: int, dim: int = 32, layers: int = 1, dropout: float = 0.0):
        super().__init__()
        self.entity = nn.Embedding(n_entities, dim)
        self.relation = nn.Embedding(n_relations, dim)
        nn.init.normal_(self.entity.weight, std=0.3)
        nn.init.normal_(self.relation.weight, mean=1.0, std=0.3)  # start near "h and t alike"
        self.convs = nn.ModuleList(RGCNConv(dim, dim, n_relations, num_bases=min(4, n_relations)) for _ in range(layers))
        self.dropout = nn.Dropout(dropout)

    def encode(self, edge_index: torch.Tensor, edge_type: torch.Tensor) -> torch.Tensor:
        """(N, D) entity vectors after the R-GCN layers (the raw embeddings when layers = 0)."""
        z = self.entity.weight
        for conv in self.convs:
            z = z + torch.tanh(conv(self.dropout(z), edge_index, edge_type))  # residual keeps each entity's own vector
        return z

    def score_all(self, z: torch.Tensor, heads: torch.Tensor, rels: torch.Tensor) -> torch.Tensor:
        """(Q,) queries (h, r, ?) -> (Q, N) DistMult score of every entity as the answer."""
        return (z[heads] * self.relation(rels)) @ z.T

    def forward(self, edge_index, edge_type, heads, rels):
        return self.score_all(self.encode(edge_index, edge_type), heads, rels)


class TrafficModel(nn.Module):
    def __init__(self, in_features: int, hidden: int = 16, horizon: int = 4, graph: bool = True):
        super().__init__()
        self.graph = graph
        self.spatial = GCNConv(in_features, hidden) if graph else nn.Linear(in_features, hidden)
        self.gru = nn.GRU(hidden, hidden, batch_first=True)
        self.head = nn.Linear(hidden, horizon)

    def forward(self, x: torch.Tensor, edge_index: torch.Tensor) -> torch.Tensor:
        """x (B, L, N, F) past readings -> (B, N, horizon) forecast of the next steps."""
        b, steps, n, _ = x.shape
        h = self.spatial(x, edge_index) if self.graph else self.spatial(x)  # (B, L, N, H): GCNConv works on the node axis -2
        h = torch.relu(h).permute(0, 2, 1, 3).reshape(b * n, steps, -1)  # (B*N, L, H): one sequence per intersection
        _, last = self.gru(h)  # (1, B*N, H)
        return self.head(last[0]).reshape(b, n, -1)
