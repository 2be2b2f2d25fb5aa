"""The attention lab: it learns its task on a small budget, is deterministic, and draws every view."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from nnviz.data.sequences import ideal_attention
from nnviz.labs import attention as lab
from nnviz.labs.attention import Config
from nnviz.models.attention import VARIANTS, variant_mask


@pytest.fixture(scope="module")
def default_result():
    return lab.run(Config())


@pytest.fixture(scope="module")
def small_result():
    """Two layers, two heads, a short run: enough to exercise every view cheaply."""
    return lab.run(Config(n_layers=2, n_heads=2, steps=40))


@pytest.fixture(scope="module")
def variant_results():
    return [lab.run(c) for c in lab.variant_configs(Config(steps=20))]


def _assert_labelled(name: str, fig) -> None:
    """A title, and every panel's x and y axes labelled (small multiples may share one label per column/row)."""
    layout = fig.layout
    assert layout.title.text, f"{name}: no title"
    assert layout.xaxis.title.text or any(layout[k].title.text for k in layout if k.startswith("xaxis")), f"{name}: no x axis title at all"
    axes = {k: layout[k] for k in layout if k.startswith(("xaxis", "yaxis"))}
    for trace in fig.data:
        for letter in ("x", "y"):
            ref = getattr(trace, f"{letter}axis", None) or letter
            key = f"{letter}axis{ref[1:]}"
            axis = axes[key]
            if axis.title.text:
                continue
            # shared label: another axis of the same letter over the same span (same column for x, same row for y)
            same_span = [a for k, a in axes.items() if k.startswith(letter) and tuple(a.domain) == tuple(axis.domain)]
            assert any(a.title.text for a in same_span), f"{name}: {key} has no title and shares none"


# ----------------------------------------------------------------------------- learning


def test_default_learns_reverse(default_result):
    r = default_result
    s = r.summary()
    assert s["token_acc"] >= 0.95
    assert s["ideal_mass"] > 0.5
    assert s["steps"] == 300 and s["params"] == r.params > 0
    assert s["loss"] < 0.1
    assert not r.diverged and r.warning() is None
    loss = r.log.history["loss"]
    assert loss[-1] < 0.05 * loss[0]
    assert r.log.history["token_acc"][-1] == pytest.approx(r.token_acc, abs=0.02)


def test_ideal_mass_recomputed_from_internals(default_result):
    """Most attention mass of the best head lands on the anti-diagonal, computed here from scratch."""
    r = default_result
    attn = r.internals()["attn"]  # (L, N, H, T, T)
    n, t = r.examples.shape
    assert attn.shape == (1, n, 2, t, t)
    ideal = np.stack([ideal_attention("reverse", x) for x in r.examples])  # (N, T, T)
    np.testing.assert_array_equal(ideal[0], np.eye(t)[::-1])
    mass = (attn * ideal[None, :, None]).sum(-1).mean(axis=(1, 3))  # (L, H)
    assert mass.max() > 0.5
    assert mass.max() == pytest.approx(r.summary()["ideal_mass"], abs=0.1)  # 8 probes vs 512 held-out
    layer, head = np.unravel_index(mass.argmax(), mass.shape)
    best = attn[layer, :, head]  # (N, T, T)
    hits = best.argmax(-1) == (t - 1 - np.arange(t))
    assert hits.mean() >= 0.9  # the best head's strongest key is the mirrored position
    # and the model's predictions on the probes are the reversed inputs
    assert (r.internals()["pred"] == r.examples[:, ::-1]).mean() >= 0.95


def test_history_and_snapshots(default_result):
    log = default_result.log
    h = log.history
    assert {"step", "loss", "token_acc", "seq_acc", "ideal_mass"} <= set(h)
    assert all(len(v) == len(h["step"]) for v in h.values())
    assert h["step"][-1] == 300 and np.all(np.diff(h["step"]) > 0)
    steps = [s.step for s in log.snapshots]
    assert steps[0] == 0 and steps[-1] == 300 and steps == sorted(steps)
    assert 10 <= len(steps) <= 14
    view = default_result.snapshot_view()
    assert view.options == tuple(range(len(steps))) and view.default == len(steps) - 1
    assert view.labels == tuple(steps)


def test_result_is_read_only(default_result):
    with pytest.raises(dataclasses.FrozenInstanceError):
        default_result.token_acc = 0.0  # type: ignore[misc]


def test_progress_callback():
    calls = []
    r = lab.run(Config(steps=20), progress=lambda *a: calls.append(a))
    assert calls, "progress never called"
    assert all(total == 20 for _, total, _ in calls)
    assert calls[-1][0] == 20
    assert [c[0] for c in calls] == sorted(c[0] for c in calls)
    assert {"loss", "token_acc"} <= set(calls[-1][2])
    assert calls[-1][2]["loss"] == r.log.history["loss"][-1]


# ----------------------------------------------------------------------------- determinism


def test_same_seed_same_run_other_seed_other_run():
    a = lab.run(Config(steps=20, seed=3))
    b = lab.run(Config(steps=20, seed=3))
    c = lab.run(Config(steps=20, seed=4))
    assert a.log.history.keys() == b.log.history.keys()
    for k in a.log.history:
        np.testing.assert_array_equal(a.log.history[k], b.log.history[k])
    np.testing.assert_array_equal(a.examples, b.examples)
    for sa, sb in zip(a.log.snapshots, b.log.snapshots):
        for name in sa.data:
            np.testing.assert_array_equal(sa.data[name], sb.data[name])
    assert a.token_acc == b.token_acc
    assert not np.array_equal(a.log.history["loss"], c.log.history["loss"])
    assert not np.array_equal(a.examples, c.examples)


# ----------------------------------------------------------------------------- divergence


def test_huge_learning_rate_diverges_with_message():
    r = lab.run(Config(lr=10.0, steps=100))
    assert r.diverged is True
    assert r.log.diverged_step is not None and r.log.diverged_step <= 100
    message = r.warning()
    assert message and f"step {r.log.diverged_step}" in message and "learning rate" in message
    figs = r.figures()
    assert {"heads", "step", "curves", "mask", "scaling"} <= set(figs)
    for name, fig in figs.items():
        _assert_labelled(name, fig)


# ----------------------------------------------------------------------------- figures and views


def test_every_figure_is_titled_and_labelled(default_result):
    figs = default_result.figures()
    assert list(figs) == ["heads", "step", "curves", "formation", "overview", "mask", "scaling"]
    for name, fig in figs.items():
        _assert_labelled(name, fig)
        assert name in lab.AttentionResult.FIGURES  # every figure has a caption for the page


def test_heads_figure_shows_the_internals(default_result):
    r = default_result
    heads = r.figures(example=2)["heads"]
    assert len(heads.data) == 2 + 1  # one panel per head, then the ideal pattern
    attn = r.internals()["attn"]
    for h in range(2):
        np.testing.assert_allclose(np.asarray(heads.data[h].z), attn[0, 2, h], atol=1e-6)
    np.testing.assert_array_equal(np.asarray(heads.data[-1].z), ideal_attention("reverse", r.examples[2]))
    keys = list(heads.layout.xaxis.ticktext)
    assert keys == [f"{j}:{tok}" for j, tok in enumerate(r.examples[2])]


def test_views_describe_the_config(small_result):
    views = {v.name: v for v in small_result.views()}
    assert set(views) == {"example", "layer", "head", "query"}
    assert views["layer"].options == (0, 1) and views["layer"].default == 1
    assert views["head"].options == (0, 1)
    assert views["query"].options == tuple(range(8))
    assert views["example"].label_of(0) == " ".join(map(str, small_result.examples[0]))
    default = small_result.default_view()
    assert set(default) == {"example", "layer", "head", "query", "snapshot"}
    assert set(small_result.figures(**default)) >= {"heads", "overview"}


def test_every_snapshot_draws(small_result):
    r = small_result
    snaps = r.log.snapshots
    assert [s.step for s in snaps][:3] == [0, 3, 6] and snaps[-1].step == 40
    options = r.snapshot_view().options
    for i in options:  # every snapshot loads and gives proper attention
        attn = r.internals(i)["attn"]
        assert attn.shape == (2, 8, 2, 8, 8)
        np.testing.assert_allclose(attn.sum(-1), 1.0, atol=1e-5)
    for i in (0, 1, len(options) // 2, len(options) - 1):  # figures for a few (plotly is the slow part)
        figs = r.figures(snapshot=i)
        assert f"step {snaps[i].step}" in figs["heads"].layout.title.text
        np.testing.assert_allclose(np.asarray(figs["heads"].data[0].z), r.internals(i)["attn"][1, 0, 0], atol=1e-6)
    # weights really change over training: the first and last snapshot differ
    assert not np.allclose(r.internals(0)["attn"], r.internals(len(snaps) - 1)["attn"])


@pytest.mark.parametrize("layer", [0, 1])
@pytest.mark.parametrize("head", [0, 1])
def test_every_layer_and_head_draws(small_result, layer, head):
    figs = small_result.figures(layer=layer, head=head, example=5, query=7)
    assert figs["step"].layout.title.text.startswith(f"Layer {layer}, head {head}, query 7")
    assert figs["heads"].layout.title.text.startswith(f"Layer {layer} attention, example 5")
    assert figs["formation"].layout.title.text.startswith(f"Layer {layer}, head {head}")
    assert len(figs["overview"].data) == 2 * 2
    inner = small_result.internals()["layers"][layer]
    w = [t for t in figs["step"].data if t.name == "softmax weight"][0]
    np.testing.assert_allclose(np.asarray(w.y), inner["weights"][5, head, 7], atol=1e-6)
    for name, fig in figs.items():
        _assert_labelled(name, fig)


def test_out_of_range_views_are_clipped(small_result):
    figs = small_result.figures(layer=9, head=9, example=99, query=99, snapshot=999)
    assert figs["step"].layout.title.text.startswith("Layer 1, head 1, query 7")
    figs = small_result.figures(layer=-3, head=-1, snapshot=-5)
    assert figs["step"].layout.title.text.startswith("Layer 0, head 0")
    assert "step 0" in figs["heads"].layout.title.text


def test_relative_variant_adds_bias_figure():
    r = lab.run(Config(variant="relative", steps=20, seq_len=6))
    figs = r.figures()
    assert "relative_bias" in figs
    fig = figs["relative_bias"]
    _assert_labelled("relative_bias", fig)
    assert len(fig.data) == 2  # one curve per head
    np.testing.assert_array_equal(np.asarray(fig.data[0].x), np.arange(-5, 6))
    bias = r.internals()["rel_bias"][0]  # (H, 2 * max_len - 1); max_len = seq_len
    np.testing.assert_allclose(np.asarray(fig.data[1].y), bias[1], atol=1e-6)
    assert "relative_bias" not in lab.run(Config(steps=20, seq_len=6)).figures()


def test_mask_figure_matches_variant_mask():
    r = lab.run(Config(variant="local", window=1, steps=20))
    z = np.asarray(r.figures()["mask"].data[0].z)
    np.testing.assert_array_equal(z, variant_mask("local", 8, window=1).numpy().astype(float))
    attn = r.internals()["attn"]
    assert (attn[..., z == 0] == 0).all()  # masked keys get exactly zero weight in the trained model


# ----------------------------------------------------------------------------- comparing variants


def test_variant_table(variant_results):
    rows = lab.variant_table(variant_results)
    assert [row["variant"] for row in rows] == [lab.VARIANT_LABELS[v] for v in VARIANTS]
    for row, r in zip(rows, variant_results):
        assert 0 <= row["token accuracy"] <= 1 and 0 <= row["attention on ideal"] <= 1
        assert row["parameters"] == r.params and row["diverged"] is False
        assert row["time per step (ms)"] >= 0
    params = {r.config.variant: r.params for r in variant_results}
    assert params["scaled"] == params["dot"] == params["local"] == params["sparse"]
    assert params["additive"] > params["scaled"] and params["relative"] > params["scaled"]


def test_variant_figures(variant_results):
    figs = lab.variant_figures(variant_results, example=1)
    assert set(figs) == {"variant_scores", "variant_masks", "variant_attention"}
    for name, fig in figs.items():
        _assert_labelled(name, fig)
    c = variant_results[0].config
    for trace, v in zip(figs["variant_masks"].data, VARIANTS):
        expected = variant_mask(v, c.seq_len, window=c.window, stride=c.stride).numpy().astype(float)
        np.testing.assert_array_equal(np.asarray(trace.z), expected)
    for trace, r in zip(figs["variant_attention"].data, variant_results):
        z = np.asarray(trace.z)
        np.testing.assert_allclose(z, r.internals()["attn"][-1, 1].mean(0), atol=1e-6)
        np.testing.assert_allclose(z.sum(-1), 1.0, atol=1e-5)
    bars = figs["variant_scores"].data[0]
    np.testing.assert_allclose(bars.y, [r.token_acc for r in variant_results])


def test_variant_configs_change_only_the_variant():
    base = Config(seq_len=6, lr=0.01)
    configs = lab.variant_configs(base)
    assert [c.variant for c in configs] == list(VARIANTS)
    assert all(c.replace(variant="scaled") == base for c in configs)


# ----------------------------------------------------------------------------- the scaling demo


def test_scaling_stats_show_why_we_scale():
    s = lab.scaling_stats(8)
    d = s["d_k"]
    assert d[-1] == 512
    unscaled, scaled = s["entropy_unscaled"], s["entropy_scaled"]
    assert np.all(np.diff(unscaled) < 0)  # without scaling the softmax sharpens as d_k grows
    assert unscaled[-1] < 0.3
    assert np.ptp(scaled) < 0.15  # with 1/sqrt(d_k) the entropy stays put
    assert np.all(scaled <= math.log(8) + 1e-6)
    assert scaled[-1] - unscaled[-1] > 1.0  # a clear gap at d_k = 512
    assert s["max_unscaled"][-1] > 0.9 and s["max_scaled"][-1] < 0.5
    assert np.all(np.diff(s["max_unscaled"]) > 0)


def test_scaling_figure_is_cached_but_copied():
    a = lab.scaling_figure(8)
    a.update_layout(title="changed")
    b = lab.scaling_figure(8)
    assert b.layout.title.text != "changed"
    assert len(b.data) == 4
