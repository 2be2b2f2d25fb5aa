"""Expressiveness and spectra lab: GIN beats GCN where 1-WL says it should, nobody wins where 1-WL is blind,
deterministic, divergence marked, every figure and view draws."""

import numpy as np
import pytest

from nnviz.labs import gnn_spectra as lab


@pytest.fixture(scope="module")
def result():
    return lab.run(lab.Config())


def test_gin_learns_regular_graphs_gcn_cannot(result):
    assert result.acc["gin"] >= 0.95
    assert result.acc["gcn"] <= 0.7  # chance level: it sees no difference between 2- and 3-regular graphs


def test_wl_blind_task_defeats_both():
    r = lab.run(lab.Config(task="cycles", epochs=60))
    assert r.acc["gin"] <= 0.75 and r.acc["gcn"] <= 0.75


def test_deterministic_for_a_seed(result):
    again = lab.run(lab.Config())
    assert again.acc == result.acc
    np.testing.assert_array_equal(again.log.history["loss"], result.log.history["loss"])


def test_divergence_is_marked_not_raised():
    r = lab.run(lab.Config(lr=10.0, epochs=30))
    assert r.diverged and "diverged" in r.warning()
    assert r.figures()["accuracy"].layout.title.text


def test_low_pass_recovers_the_communities(result):
    s = result._spectrum()
    wrong = lambda x: np.mean(np.sign(x) != s["clean"])  # noqa: E731
    assert wrong(s["low"]) < wrong(s["signal"]) and wrong(s["cheb"]) < wrong(s["signal"])


def _check_titles(figs):
    for name, fig in figs.items():
        assert fig.layout.title.text, name
        axes = [k for k in fig.layout.to_plotly_json() if k.startswith(("xaxis", "yaxis"))]
        assert axes and any(fig.layout[k].title.text for k in axes), name


def test_every_figure_view_and_snapshot(result):
    figs = result.figures()
    assert set(figs) == set(lab.SpectraResult.FIGURES)
    _check_titles(figs)
    views = {v.name: v.options for v in result.views()}
    snaps = result.snapshot_view().options
    for p in views["pair"]:  # the figures a pair changes, at the first and last snapshot
        _check_titles({"wl": result._fig_wl(p), "pair": result._fig_pair(p, snaps[0], 0), "last": result._fig_pair(p, snaps[-1], 0)})
    for start in views["eig_start"][1:]:
        _check_titles({"eig": result._fig_eigenvectors(start)})
    _check_titles(result.figures(snapshot=snaps[0], pair=views["pair"][-1], eig_start=views["eig_start"][-1]))


@pytest.mark.parametrize("name", ["ring", "grid", "sbm", "davis"])
def test_other_spectral_graphs_draw(name):
    r = lab.SpectraResult(config=lab.Config(spectral_graph=name, cheb_order=12), log=None, acc={"gcn": 0.5, "gin": 0.5})
    _check_titles({k: getattr(r, f"_fig_{k}")() for k in ("eigenvalues", "filters", "fourier")})
