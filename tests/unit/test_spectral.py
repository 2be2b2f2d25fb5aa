"""Spectral pieces and expressiveness against trusted peers: scipy's Laplacian, PyG's ChebConv,
networkx's Weisfeiler-Lehman hash, and the GIN / GCN separation that 1-WL predicts."""

import networkx as nx
import numpy as np
import pytest
import torch
from scipy.sparse.csgraph import laplacian
from torch_geometric.nn import ChebConv

from nnviz.data.graphs import PAIRS, graph, pair, wl_colours
from nnviz.labs.gnn_spectra import to_batch
from nnviz.models.gnn import GraphGNN
from nnviz.models.spectral import chebyshev_apply, chebyshev_fit, chebyshev_response, eigh, normalized_laplacian, spectral_filter


@pytest.mark.parametrize("name", ["karate", "florentine", "ring", "grid"])
def test_laplacian_matches_scipy_and_spectrum_is_in_0_2(name):
    a = graph(name).adjacency()
    lap = normalized_laplacian(a)
    assert np.allclose(lap, laplacian(a, normed=True), atol=1e-12)
    lam, u = eigh(lap)
    assert np.all(np.diff(lam) >= -1e-12) and lam[0] == pytest.approx(0, abs=1e-9) and lam[-1] <= 2 + 1e-9
    assert np.allclose(u.T @ u, np.eye(len(lam)), atol=1e-9)
    assert np.allclose(u @ np.diag(lam) @ u.T, lap, atol=1e-9)


def test_ring_spectrum_is_cosines():
    lam, _ = eigh(normalized_laplacian(graph("ring").adjacency()))
    n = 24
    expected = np.sort(1 - np.cos(2 * np.pi * np.arange(n) / n))
    assert np.allclose(lam, expected, atol=1e-9)


def test_all_pass_filter_is_identity():
    lap = normalized_laplacian(graph("karate").adjacency())
    lam, u = eigh(lap)
    x = np.random.default_rng(0).standard_normal(len(lam))
    assert np.allclose(spectral_filter(u, lam, x, np.ones_like), x)


@pytest.mark.parametrize("order", [1, 3, 6])
def test_chebyshev_filter_equals_pyg_chebconv(order):
    g = graph("karate")
    lap = normalized_laplacian(g.adjacency())
    theta = chebyshev_fit(lambda lam: np.exp(-2 * lam), order)
    x = np.random.default_rng(1).standard_normal(g.n)
    conv = ChebConv(1, 1, K=order + 1, normalization="sym", bias=False)
    with torch.no_grad():
        for k, lin in enumerate(conv.lins):
            lin.weight.fill_(float(theta[k]))
        ours = chebyshev_apply(lap, x, theta)
        pyg = conv(torch.tensor(x, dtype=torch.float32)[:, None], torch.tensor(g.edge_index()), lambda_max=2.0)[:, 0].numpy()
    assert np.allclose(ours, pyg, atol=1e-4)
    # and in the eigenbasis the same filter multiplies each frequency by its response
    lam, u = eigh(lap)
    assert np.allclose(ours, spectral_filter(u, lam, x, lambda v: chebyshev_response(theta, v)), atol=1e-8)


@pytest.mark.filterwarnings("ignore:The hashes produced")
@pytest.mark.parametrize("name", list(PAIRS))
def test_wl_refinement_agrees_with_networkx(name):
    a, b, wl_separates = pair(name)
    cols = wl_colours([a, b], 4)
    differ = any(not np.array_equal(np.bincount(ca, minlength=99), np.bincount(cb, minlength=99)) for ca, cb in cols)
    assert differ == wl_separates
    assert differ == (nx.weisfeiler_lehman_graph_hash(a) != nx.weisfeiler_lehman_graph_hash(b))


def _readouts(kind, name, seed):
    torch.manual_seed(seed)
    model = GraphGNN(1, 16, 2, n_layers=3, kind=kind).eval()
    a, b, _ = pair(name)
    batch = to_batch([a, b])
    with torch.no_grad():
        return model(batch.x, batch.edge_index, batch.batch, return_embedding=True)[1].numpy()


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_gin_separates_a_pair_gcn_cannot(seed):
    # 8-ring vs cube: same size, 2- vs 3-regular. 1-WL separates them at round 1.
    gcn = _readouts("gcn", "8-ring vs cube (2- vs 3-regular)", seed)
    gin = _readouts("gin", "8-ring vs cube (2- vs 3-regular)", seed)
    assert np.allclose(gcn[0], gcn[1], atol=1e-5)  # any weights: normalised aggregation keeps regular graphs constant
    assert np.linalg.norm(gin[0] - gin[1]) > 1e-3


@pytest.mark.parametrize("kind", ["gcn", "gin"])
def test_no_gnn_separates_what_wl_cannot(kind):
    r = _readouts(kind, "decalin vs bicyclopentyl", 0)
    assert np.allclose(r[0], r[1], atol=1e-4)
