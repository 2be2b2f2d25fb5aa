"""Hypergraph, heterogeneous and structure-learning models against dense formulas and PyG's own outputs."""

import numpy as np
import torch
from torch_geometric.nn import HypergraphConv

from nnviz.data.graphs import HETERO_RELATIONS, HETERO_TYPES, academic_graph, davis_hypergraph, feature_clusters
from nnviz.models.gnn_beyond import EdgeLearner, HeteroGNN, capture_hyper_messages, capture_relation_messages


def test_hypergraph_conv_equals_dense_formula():
    # tiny hypergraph: 4 nodes, hyperedges {0,1,2} and {2,3}
    inc = torch.tensor([[0, 1, 2, 2, 3], [0, 0, 0, 1, 1]])
    h = torch.zeros(4, 2)
    h[inc[0], inc[1]] = 1
    torch.manual_seed(0)
    conv = HypergraphConv(3, 2)
    torch.nn.init.normal_(conv.bias)
    x = torch.randn(4, 3)
    dv, de = h.sum(1), h.sum(0)
    dense = torch.diag(1 / dv) @ h @ torch.diag(1 / de) @ h.T @ x @ conv.lin.weight.T + conv.bias
    assert torch.allclose(conv(x, inc), dense, atol=1e-6)


def test_hyper_messages_are_node_to_hyperedge_then_back():
    hg = davis_hypergraph()
    conv = HypergraphConv(hg.n, 4)
    msgs, handles = capture_hyper_messages(conv)
    with torch.no_grad():
        conv(torch.eye(hg.n), torch.as_tensor(hg.incidence))
    for handle in handles:
        handle.remove()
    assert len(msgs) == 2 and all(m.shape[0] == hg.incidence.shape[1] for m in msgs)


def test_davis_hypergraph_incidence():
    hg = davis_hypergraph()
    assert (hg.n, hg.m) == (18, 14) and hg.matrix().sum() == 89  # 89 attendances
    assert set(np.unique(hg.labels)) == {0, 1}


def test_hetero_output_is_the_sum_of_per_relation_convs():
    ag = academic_graph()
    torch.manual_seed(0)
    model = HeteroGNN({t: ag.x[t].shape[1] for t in HETERO_TYPES}, HETERO_RELATIONS, 8, 3, n_layers=1).eval()
    x = {t: torch.as_tensor(v) for t, v in ag.x.items()}
    ei = {r: torch.as_tensor(e) for r, e in ag.edges.items()}
    h = {t: torch.relu(lin(x[t])) for t, lin in model.inputs.items()}
    with torch.no_grad():
        out = model.convs[0](h, ei)
        by_hand = {t: 0 for t in HETERO_TYPES}
        for rel in HETERO_RELATIONS:
            by_hand[rel[2]] = by_hand[rel[2]] + model.convs[0].convs[rel]((h[rel[0]], h[rel[2]]), ei[rel])
    for t in HETERO_TYPES:
        assert torch.allclose(out[t], by_hand[t], atol=1e-5)


def test_relation_messages_sum_to_their_mean_aggregate():
    ag = academic_graph()
    model = HeteroGNN({t: ag.x[t].shape[1] for t in HETERO_TYPES}, HETERO_RELATIONS, 8, 3, n_layers=2).eval()
    store, handles = capture_relation_messages(model)
    with torch.no_grad():
        model({t: torch.as_tensor(v) for t, v in ag.x.items()}, {r: torch.as_tensor(e) for r, e in ag.edges.items()})
    assert len(store) == 2 * len(HETERO_RELATIONS)
    for (_, rel), d in store.items():
        dst = d["edge_index"][1]
        n = d["aggregate"].shape[0]
        total = torch.zeros_like(d["aggregate"]).index_add_(0, dst, d["messages"])
        count = torch.bincount(dst, minlength=n).clamp(min=1)[:, None]
        assert torch.allclose(total / count, d["aggregate"], atol=1e-5), rel  # SAGEConv aggregates by mean


def test_learned_adjacency_is_a_symmetric_probability_matrix():
    x, _, _ = feature_clusters(n=20)
    a = EdgeLearner(x.shape[1]).adjacency(torch.as_tensor(x)).detach()
    assert torch.allclose(a, a.T, atol=1e-6) and (a >= 0).all() and (a <= 1).all() and (torch.diag(a) == 0).all()
