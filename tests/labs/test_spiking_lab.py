"""The spiking lab learns digits, is repeatable, and draws every figure for every view and snapshot."""

from __future__ import annotations

import numpy as np
import pytest

from nnviz.labs import spiking as lab


@pytest.fixture(scope="module")
def result():
    return lab.run(lab.Config())


def test_default_learns_rate_coded_digits(result):
    s = result.summary()
    assert s["test_acc"] > 0.9  # ten classes: chance is 0.1
    assert 0.0 < s["hidden_rate"] < 0.5  # spikes are sparse


def test_energy_estimate_is_consistent(result):
    e = result.energy()
    assert e["macs"] == 64 * 64 + 64 * 10
    assert e["synops"] > 0 and e["snn_pj"] == pytest.approx(e["synops"] * lab.E_AC_PJ)
    short = lab.run(lab.Config(time_steps=5, steps=40))
    assert short.energy()["synops"] < e["synops"]  # fewer time steps, fewer spikes


def test_deterministic_for_a_seed():
    c = lab.Config(steps=30)
    a, b = lab.run(c), lab.run(c)
    np.testing.assert_array_equal(a.log.history["loss"], b.log.history["loss"])


def test_extreme_settings_run():
    r = lab.run(lab.Config(lr=1.0, threshold=4.0, beta=0.3, time_steps=4, steps=30))
    assert r.figures()["raster"].layout.title.text
    assert np.isfinite(r.summary()["loss"]) or r.diverged


def test_lif_figure_reports_the_analytic_count():
    fig = lab.lif_figure(beta=0.9, threshold=1.0, current=0.15)
    assert "predicted" in fig.layout.title.text
    n = fig.layout.title.text.split(": ")[1].split(" spikes")[0]
    assert n == fig.layout.title.text.split("predicted ")[1].rstrip(")")


def test_every_figure_has_title_and_axis_titles(result):
    for name, fig in result.figures().items():
        assert name in result.FIGURES and fig.layout.title.text, name
        layout = fig.to_plotly_json()["layout"]
        assert any(layout[a].get("title", {}).get("text") for a in layout if a.startswith("xaxis")), name
        assert any(layout[a].get("title", {}).get("text") for a in layout if a.startswith("yaxis")), name


def test_every_view_and_snapshot_builds(result):
    for v in result.views():
        for option in v.options:
            assert "raster" in result.figures(**{v.name: option})
    for s in range(len(result.log.snapshots)):
        assert "counts" in result.figures(snapshot=s)
