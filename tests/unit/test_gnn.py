"""The GNN model pieces against PyG itself: dense Â X W, captured messages, GAT attention."""

import numpy as np
import pytest
import torch
from torch_geometric.nn import GATConv, GCNConv

from nnviz.data.graphs import GRAPHS, graph
from nnviz.models.gnn import KINDS, NodeGNN, capture, contributions, dense_gcn, gcn_norm_dense, propagation_matrix, scatter_sum

# a tiny hand-built graph: a triangle 0-1-2 with a tail 2-3 and a pendant 3-4
EDGES = [(0, 1), (1, 2), (0, 2), (2, 3), (3, 4)]


def tiny_edge_index() -> torch.Tensor:
    e = torch.tensor(EDGES).T
    return torch.cat([e, e.flip(0)], dim=1)


def test_gcn_norm_by_hand():
    a_hat = gcn_norm_dense(tiny_edge_index(), 5)
    deg = torch.tensor([3.0, 3.0, 4.0, 3.0, 2.0])  # degree + self-loop
    assert a_hat[0, 1] == pytest.approx(1 / np.sqrt(3 * 3))
    assert a_hat[2, 3] == pytest.approx(1 / np.sqrt(4 * 3))
    assert a_hat[4, 4] == pytest.approx(1 / 2)
    assert a_hat[0, 4] == 0
    assert torch.allclose(a_hat, a_hat.T)
    assert torch.allclose(torch.diag(a_hat), 1 / deg)


def test_dense_gcn_equals_pyg_gcnconv():
    torch.manual_seed(0)
    x = torch.randn(5, 3)
    conv = GCNConv(3, 4)
    torch.nn.init.normal_(conv.bias)
    a_hat = gcn_norm_dense(tiny_edge_index(), 5)
    ours = dense_gcn(x, a_hat, conv.lin.weight.T, conv.bias)
    assert torch.allclose(ours, conv(x, tiny_edge_index()), atol=1e-6)


@pytest.mark.parametrize("kind", KINDS)
def test_captured_messages_sum_to_pyg_aggregate(kind):
    torch.manual_seed(1)
    model = NodeGNN(6, 8, 3, n_layers=2, kind=kind, heads=2).eval()
    x = torch.randn(5, 6)
    with torch.no_grad(), capture(model) as traces:
        model(x, tiny_edge_index())
    for tr in traces:
        assert tr.messages.shape[0] == tr.edge_index.shape[1]
        summed = scatter_sum(contributions(kind, tr), tr.edge_index[1], 5)
        assert torch.allclose(summed, tr.aggregate.reshape(5, -1), atol=1e-6)


def test_gcn_propagation_matrix_is_a_hat():
    model = NodeGNN(6, 8, 3, n_layers=1, kind="gcn").eval()
    with torch.no_grad(), capture(model) as traces:
        model(torch.randn(5, 6), tiny_edge_index())
    p = propagation_matrix(traces[0], 5)
    assert np.allclose(p, gcn_norm_dense(tiny_edge_index(), 5).numpy(), atol=1e-6)


@pytest.mark.parametrize("heads", [1, 3])
def test_gat_coefficients_sum_to_one_per_node(heads):
    torch.manual_seed(2)
    conv = GATConv(4, 5, heads=heads).eval()
    x = torch.randn(5, 4)
    (ei, alpha) = conv(x, tiny_edge_index(), return_attention_weights=True)[1]
    sums = scatter_sum(alpha, ei[1], 5)  # (N, heads)
    assert torch.allclose(sums, torch.ones(5, heads), atol=1e-6)
    # and the coefficients our hook captured are the ones PyG reports
    model = NodeGNN(4, 5 * heads, 2, n_layers=1, kind="gat", heads=heads).eval()
    model.convs[0] = conv
    with torch.no_grad(), capture(model) as traces:
        model(x, tiny_edge_index())
    assert torch.allclose(traces[0].coeff, alpha, atol=1e-6)
    assert np.allclose(propagation_matrix(traces[0], 5, head=heads - 1).sum(1), 1.0, atol=1e-6)


@pytest.mark.parametrize("name", GRAPHS)
def test_graphs_are_well_formed(name):
    g = graph(name)
    assert g.edges.shape[1] == 2 and (g.edges[:, 0] < g.edges[:, 1]).all()
    assert g.pos.shape == (g.n, 2) and np.isfinite(g.pos).all()
    assert set(np.unique(g.labels)) == set(range(g.n_classes))
    mask = g.split(2, seed=0)
    assert (~mask).any() and all(mask[g.labels == c].sum() >= 1 for c in range(g.n_classes))
    assert graph(name) is graph(name)  # cached, built once


def test_sbm_is_seeded():
    a, b = graph("sbm", seed=3), graph("sbm", seed=3)
    assert np.array_equal(a.edges, b.edges)
    assert not np.array_equal(graph("sbm", seed=4).edges, a.edges)
