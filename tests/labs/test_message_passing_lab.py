"""Message passing lab: it learns from few labels, is deterministic, marks divergence and draws every view."""

import numpy as np
import pytest

from nnviz.labs import message_passing as lab


@pytest.fixture(scope="module")
def result():
    return lab.run(lab.Config())


def test_default_gcn_learns_karate_from_few_labels(result):
    assert result.train_mask.sum() == 4  # 2 labelled nodes per club
    assert result.test_acc >= 0.9  # on the 30 unlabelled nodes
    assert not result.diverged


def test_deterministic_for_a_seed(result):
    again = lab.run(lab.Config())
    assert again.test_acc == result.test_acc
    np.testing.assert_array_equal(again.log.history["loss"], result.log.history["loss"])


def test_divergence_is_marked_not_raised():
    r = lab.run(lab.Config(lr=10.0, dropout=0.0, epochs=50))
    assert r.diverged and "diverged" in r.warning()
    assert r.figures()["graph"].layout.title.text  # still drawable


def test_invalid_heads_names_the_field():
    with pytest.raises(lab.ConfigError, match="heads"):
        lab.Config(kind="gat", hidden=16, heads=3)


def _check_titles(figs):
    for name, fig in figs.items():
        assert fig.layout.title.text, name
        axes = [k for k in fig.layout.to_plotly_json() if k.startswith(("xaxis", "yaxis"))]
        assert axes and any(fig.layout[k].title.text for k in axes), name


def test_every_figure_has_title_and_axis_titles(result):
    figs = result.figures()
    assert set(figs) == set(lab.MessagePassingResult.FIGURES)
    _check_titles(figs)


def test_every_view_and_snapshot_builds(result):
    views = {v.name: v.options for v in result.views()}
    for node in views["node"][::5]:
        result.figures(node=node)
    for layer in views["layer"]:
        result.figures(layer=layer, node=0)
    snaps = result.snapshot_view().options
    for s in (snaps[0], snaps[len(snaps) // 2], snaps[-1]):
        _check_titles(result.figures(snapshot=s, node=33, layer=1))


@pytest.mark.parametrize("kind", ["sage", "gat", "gin"])
def test_other_layers_learn_and_draw(kind):
    r = lab.run(lab.Config(kind=kind, heads=4, epochs=150))
    assert r.test_acc >= 0.8
    figs = r.figures(layer=1, head=r.views()[2].options[-1])
    _check_titles(figs)
    if kind == "gat":  # one attention panel per head
        assert len([a for a in figs["attention"].layout.annotations if a.text.startswith("head")]) == 4


def test_depth_sweep_shows_oversmoothing():
    shallow, deep = lab.run(lab.Config(n_layers=2)), lab.run(lab.Config(n_layers=8))
    assert deep.similarity > 0.95 > shallow.similarity
    assert deep.test_acc < shallow.test_acc
    assert "depth_sweep" in lab.depth_figures([shallow, deep])


def test_sbm_sliders_change_the_graph():
    r = lab.run(lab.Config(dataset="sbm", blocks=4, block_size=8, epochs=50))
    assert r.graph.n == 32 and r.graph.n_classes == 4
