"""Recommendation lab: LightGCN finds held-out interactions better than popularity and than matrix
factorisation, deterministic, divergence marked, every figure, view and snapshot draws."""

import numpy as np
import pytest
import torch

from nnviz.labs import gnn_recommend as lab


@pytest.fixture(scope="module")
def result():
    return lab.run(lab.Config())


def test_lightgcn_recovers_held_out_interactions(result):
    assert result.metrics["auc"] >= 0.75
    assert result.metrics["recall"] > result.popularity["recall"] + 0.3


def test_propagation_beats_matrix_factorisation(result):
    mf = lab.run(lab.Config(n_layers=0))
    assert result.metrics["auc"] > mf.metrics["auc"]


def test_scores_are_lightgcn_dot_products(result):
    c = result.config
    edges, _, _, test = lab._data(c)
    model = lab.LightGCN(c.users + c.items, c.dim, c.n_layers)
    lab.load_arrays(model, result.log.snapshots[-1].data)
    ei = lab._edge_index(edges[~test], c.users)
    pairs = torch.tensor([[0, 5, 7], [c.users + 1, c.users + 2, c.users + 9]])
    with torch.no_grad():
        pyg = model(ei, pairs).numpy()
    assert np.allclose(result.internals()["scores"][pairs[0], pairs[1] - c.users], pyg, atol=1e-5)


def test_evaluate_by_hand():
    edges = np.array([[0, 0], [0, 1], [1, 1]])
    test = np.array([False, True, False])  # user 0's item 1 is hidden
    scores = np.array([[9.0, 5.0, 1.0], [0.0, 9.0, 2.0]])
    m = lab.evaluate(scores, edges, test, k=1)
    assert m["recall"] == 1.0  # item 0 is seen, so item 1 tops user 0's list
    assert m["auc"] == 1.0  # the hidden pair outscores every unseen non-edge


def test_deterministic_for_a_seed(result):
    again = lab.run(lab.Config())
    assert again.metrics == result.metrics


def test_divergence_is_marked_not_raised():
    r = lab.run(lab.Config(lr=10.0))
    assert r.diverged and "diverged" in r.warning()
    assert r.figures()["scores"].layout.title.text


def test_every_figure_view_and_snapshot(result):
    figs = result.figures()
    assert set(figs) == set(lab.RecommendResult.FIGURES)
    snaps = result.snapshot_view().options
    for snap in (snaps[0], snaps[-1]):
        for user in result.views()[0].options[::13]:
            for name, fig in result.figures(user=user, snapshot=snap).items():
                assert fig.layout.title.text, name
                axes = [k for k in fig.layout.to_plotly_json() if k.startswith(("xaxis", "yaxis"))]
                assert any(fig.layout[k].title.text for k in axes), name
