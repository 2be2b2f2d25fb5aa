"""Family knowledge graph, DistMult, filtered ranks, congestion waves and the GCN + GRU forecaster."""

import networkx as nx
import numpy as np
import pytest
import torch
from torch_geometric.nn import GCNConv
from torch_geometric.nn.kge import DistMult

from nnviz.data.graph_apps import INVERSE, RELATIONS, congestion, family_graph, road_grid, traffic
from nnviz.labs.gnn_applications import filtered_ranks, popularity_scores, rank_metrics
from nnviz.models.graph_apps import KGModel, TrafficModel, distmult


def test_distmult_is_the_trilinear_product():
    h, r, t = torch.tensor([1.0, 2.0, -1.0]), torch.tensor([0.5, -1.0, 3.0]), torch.tensor([2.0, 1.0, 1.0])
    assert distmult(h, r, t).item() == pytest.approx(1 * 0.5 * 2 + 2 * -1 * 1 + -1 * 3 * 1)


def test_distmult_matches_pyg_kge():
    torch.manual_seed(0)
    pyg = DistMult(7, 3, 5)
    heads, rels, tails = torch.tensor([0, 3, 6]), torch.tensor([0, 2, 1]), torch.tensor([4, 4, 1])
    ours = distmult(pyg.node_emb(heads), pyg.rel_emb(rels), pyg.node_emb(tails))
    assert torch.allclose(ours, pyg(heads, rels, tails))


@pytest.mark.parametrize("layers", [0, 1, 2])
def test_kg_model_scores_every_candidate_with_distmult(layers):
    torch.manual_seed(0)
    m = KGModel(6, 3, dim=8, layers=layers)
    ei, et = torch.tensor([[0, 1, 2], [1, 2, 3]]), torch.tensor([0, 1, 2])
    heads, rels = torch.tensor([0, 5]), torch.tensor([2, 1])
    with torch.no_grad():
        z = m.encode(ei, et)
        s = m(ei, et, heads, rels)
        assert s.shape == (2, 6)
        assert torch.allclose(s[1, 3], distmult(z[5], m.relation.weight[1], z[3]))
        if layers == 0:
            assert torch.equal(z, m.entity.weight)


def test_filtered_rank_by_hand():
    # query (0, r0, ?) with true answer 2; entity 1 is another known answer and is filtered out
    scores = np.array([[0.1, 0.9, 0.5, 0.7, 0.5]])
    known = {(0, 0, 2), (0, 0, 1)}
    rank = filtered_ranks(scores, np.array([[0, 0, 2]]), known)[0]
    assert rank == 1 + 1 + 0.5  # entity 3 is higher, entity 4 ties (half), entity 1 filtered
    assert filtered_ranks(scores, np.array([[0, 0, 1]]), known)[0] == 1  # answer 2 is filtered out of answer 1's ranking
    m = rank_metrics(np.array([1.0, 2.0, 4.0]))
    assert m["mrr"] == pytest.approx((1 + 0.5 + 0.25) / 3) and m["hits1"] == pytest.approx(1 / 3) and m["hits3"] == pytest.approx(2 / 3)


def test_popularity_counts_answers_per_relation():
    train = np.array([[0, 1, 2], [1, 1, 2], [3, 0, 2], [0, 1, 4]])
    s = popularity_scores(train, np.array([[5, 1, 0]]), 6, 2)
    assert s.tolist() == [[0, 0, 2, 0, 1, 0]]


def test_family_graph_facts_are_consistent():
    kg = family_graph(3, 3, seed=0)
    facts = {tuple(x) for x in kg.triples.tolist()}
    for h, r, t in facts:
        assert (t, INVERSE[r], h) in facts, (h, RELATIONS[r], t)  # every fact has its inverse
        assert h != t
    parent = {(h, t) for h, r, t in facts if r == 0}
    for h, r, t in facts:
        if r == 4:  # grandparent = parent of a parent
            assert any((h, m) in parent and (m, t) in parent for m in range(kg.n))
    key = kg.pair_key()
    assert len(np.unique(key)) * 2 == len(key)  # every id is shared by exactly one fact and its inverse (or mirror)


def test_wave_travels_along_roads_with_its_delay():
    road = road_grid(4, 5)
    g = nx.Graph(road.edges.tolist())
    source, t0, delay = 7, 3, 2
    inj = np.zeros((40, road.n))
    inj[t0, source] = 1.0
    c = congestion(road.n, road.edges, inj, delay=delay, hop_decay=0.8, self_decay=0.5)
    hops = nx.single_source_shortest_path_length(g, source)
    for v in range(road.n):
        arrive = t0 + delay * hops[v]
        assert np.all(c[:arrive, v] == 0), v  # nothing before the wave gets there
        assert c[arrive, v] == pytest.approx(0.8 ** hops[v]), v  # then exactly hop_decay per road segment


def test_traffic_is_seeded_and_in_range():
    a, b = traffic(4, 4, steps=200, seed=3), traffic(4, 4, steps=200, seed=3)
    assert np.array_equal(a.speed, b.speed)
    assert a.speed.shape == (200, 16) and 0 <= a.jam.min() and a.jam.max() <= 1
    assert traffic(4, 4, steps=200, jams_per_day=0.0, seed=3).jam.max() == 0


@pytest.mark.parametrize("graph", [True, False])
def test_traffic_model_shapes_and_graph_use(graph):
    torch.manual_seed(0)
    road = road_grid(3, 3)
    ei = torch.tensor(road.edge_index())
    m = TrafficModel(3, hidden=8, horizon=4, graph=graph)
    x = torch.randn(5, 6, road.n, 3)
    y = m(x, ei)
    assert y.shape == (5, road.n, 4)
    x2 = x.clone()
    x2[:, :, 1] += 1.0  # change intersection 1 only
    changed = (m(x2, ei) - y).abs().sum((0, 2)) > 1e-6
    assert changed[1]
    assert changed[0] == graph  # its neighbour 0 notices only through the graph
    assert not changed[8]  # 8 is three hops away: one graph convolution cannot reach it


def test_gcn_layer_is_pygs_gcnconv_per_time_step():
    torch.manual_seed(0)
    road = road_grid(3, 3)
    ei = torch.tensor(road.edge_index())
    m = TrafficModel(3, hidden=8, horizon=2)
    x = torch.randn(2, 4, road.n, 3)
    conv = GCNConv(3, 8)
    conv.load_state_dict(m.spatial.state_dict())
    assert torch.allclose(m.spatial(x, ei)[1, 2], conv(x[1, 2], ei), atol=1e-6)
