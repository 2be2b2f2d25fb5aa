"""GNN applications lab: R-GCN + DistMult ranks held-out family facts far above popularity; GCN + GRU
forecasts traffic better than the last value and than the same GRU without the graph; deterministic,
divergence marked, every figure, view and snapshot draws."""

import numpy as np
import pytest

from nnviz.labs import gnn_applications as lab


@pytest.fixture(scope="module")
def kg():
    return lab.run(lab.Config())


@pytest.fixture(scope="module")
def traffic():
    return lab.run(lab.Config(task="traffic"))


def test_kg_model_beats_popularity(kg):
    m = kg.kg_metrics()
    assert m["mrr"] >= 0.6 and m["hits10"] >= 0.9
    assert m["mrr"] > kg.baseline["mrr"] + 0.4
    assert kg.summary()["mrr"] == pytest.approx(kg.log.history["mrr"][-1])  # the curves end where the snapshot says


def test_gcn_gru_beats_last_value_and_the_graphless_gru(traffic):
    s = traffic.summary()
    assert s["mae_gcn"] < s["mae_gru"] - 0.3 < s["mae_last"] - 0.6
    mae = traffic.traffic_mae()
    assert mae["GCN + GRU"][0] < mae["GRU (no graph)"][0]  # the graph helps most one reading ahead
    assert s["mae_last"] == pytest.approx(traffic.baseline["mae"], abs=1e-4)


def test_deterministic_for_a_seed(kg, traffic):
    assert lab.run(lab.Config()).summary() | {"train_seconds": 0} == kg.summary() | {"train_seconds": 0}
    again = lab.run(lab.Config(task="traffic"))
    assert np.array_equal(again.log.history["mae_gcn"], traffic.log.history["mae_gcn"])


@pytest.mark.parametrize("task", lab.TASKS)
def test_divergence_is_marked_not_raised(task):
    r = lab.run(lab.Config(task=task, lr=10.0))
    assert r.diverged and "diverged" in r.warning()
    assert all(f.layout.title.text for f in r.figures().values())


def test_config_checks_window_against_horizon():
    with pytest.raises(lab.ConfigError, match="window"):
        lab.Config(task="traffic", window=2, horizon=8)


def _check(figs, names):
    assert set(figs) == set(names)
    for name, fig in figs.items():
        assert fig.layout.title.text, name
        axes = [k for k in fig.layout.to_plotly_json() if k.startswith(("xaxis", "yaxis"))]
        assert any(fig.layout[k].title.text for k in axes), name


def test_every_figure_view_and_snapshot(kg, traffic):
    assert set(lab.AppResult.FIGURES) >= {"kg_graph", "kg_query", "kg_ranks", "kg_relations", "road", "series", "horizon", "curves"}
    snaps = kg.snapshot_view().options
    for snap in (snaps[0], snaps[len(snaps) // 2], snaps[-1]):
        for q in kg.views()[0].options[::37]:
            _check(kg.figures(query=q, snapshot=snap), ["kg_graph", "kg_query", "kg_ranks", "kg_relations", "curves"])
    node, time, ahead = traffic.views()
    for snap in (traffic.snapshot_view().options[0], traffic.snapshot_view().options[-1]):
        for n, t, a in zip(node.options[::11], time.options[::60], ahead.options):
            _check(traffic.figures(node=n, time=t, ahead=a, snapshot=snap), ["road", "series", "horizon", "curves"])
    _check(traffic.figures(node=node.options[-1], time=time.options[-1], ahead=ahead.options[-1]), ["road", "series", "horizon", "curves"])
