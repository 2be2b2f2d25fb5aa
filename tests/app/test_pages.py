"""AppTest of every page: defaults, one changed setting, an extreme value, bad URLs, isolated sessions.

Pages come from the catalog, so a new lab is covered as soon as it is listed. Training runs in this
process; the runner's result cache (st.cache_resource) lives as long as the process, so after the
first test a page with the same settings is drawn from the cache.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from nnviz import catalog
from nnviz.core.params import ParamSpec, spec_map
from nnviz.ui.runner import ResultStore

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "app.py")
TIMEOUT = 120
LABS = catalog.LABS
LAB_IDS = [lab.name for lab in LABS]


# ----------------------------------------------------------------------------- helpers


def _open(lab: catalog.LabEntry | None = None, query: dict | None = None) -> AppTest:
    """A fresh session: the home page first (AppTest needs one run before switching), then the lab page."""
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    if lab is not None:
        for key, value in (query or {}).items():
            at.query_params[key] = value
        at.switch_page(lab.page).run()
    return at


def _specs(lab: catalog.LabEntry) -> dict[str, ParamSpec]:
    return spec_map(lab.load().Config)


def _first_slider(at: AppTest, lab: catalog.LabEntry):
    prefix = f"cfg.{lab.name}."
    sliders = [s for s in at.slider if s.key and s.key.startswith(prefix)]
    assert sliders, f"no settings slider on {lab.page}"
    return sliders[0], _specs(lab)[sliders[0].key[len(prefix) :]]


def _lr_field(lab: catalog.LabEntry) -> ParamSpec | None:
    """The learning-rate style field with the largest maximum, if the lab has one."""
    candidates = [s for s in _specs(lab).values() if s.kind == "float" and ("lr" in s.name.split("_") or "learning" in s.title.lower())]
    return max(candidates, key=lambda s: s.hi, default=None)


def _specs_of_charts(at: AppTest) -> list[dict]:
    return [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]


def _decode(value) -> np.ndarray:
    """Plotly sends numpy arrays as typed arrays ({dtype, bdata, shape}); lists stay lists."""
    if isinstance(value, dict) and "bdata" in value:
        arr = np.frombuffer(base64.b64decode(value["bdata"]), dtype=np.dtype(value["dtype"]))
        shape = value.get("shape")
        if shape:
            arr = arr.reshape([int(n) for n in str(shape).split(",")])
        return arr
    return np.asarray(value)


def _heads_chart(at: AppTest) -> dict:
    for spec in _specs_of_charts(at):
        title = spec["layout"].get("title", {}).get("text", "")
        if title.startswith("Layer") and "attention, example" in title:
            return spec
    raise AssertionError("no per-head attention heatmap on the page")


def _assert_healthy(at: AppTest) -> list[dict]:
    assert not at.exception, [e.value for e in at.exception]
    specs = _specs_of_charts(at)
    assert specs, "no plotly chart on the page"
    for spec in specs:
        assert spec["layout"].get("title", {}).get("text"), "a chart without a title"
    return specs


def _messages(elements) -> list[str]:
    return [str(e.value) for e in elements]


# ----------------------------------------------------------------------------- every lab page


def test_catalog_pages_exist():
    assert LABS, "the catalog lists no lab"
    for lab in LABS:
        assert (ROOT / lab.page).is_file(), lab.page


def test_home_has_one_card_per_lab():
    at = _open()
    assert not at.exception
    links = at.get("page_link")
    assert len(links) == len(LABS)
    assert {link.proto.page for link in links} == {lab.name for lab in LABS}
    text = " ".join(_messages(at.markdown))
    for lab in LABS:
        assert lab.title in text


@pytest.mark.parametrize("lab", LABS, ids=LAB_IDS)
def test_lab_page_defaults(lab):
    at = _open(lab)
    _assert_healthy(at)
    assert not at.error, _messages(at.error)
    assert at.title and at.title[0].value == lab.title
    assert dict(at.query_params) == {}  # defaults leave the URL clean
    config = at.session_state[f"_config.{lab.name}"]
    assert config == lab.load().Config()


@pytest.mark.parametrize("lab", LABS, ids=LAB_IDS)
def test_lab_page_changed_setting(lab):
    at = _open(lab)
    slider, spec = _first_slider(at, lab)
    current, step = slider.value, spec.step or 1
    value = spec.lo + round((current - spec.lo) / 2 / step) * step  # halfway towards the minimum
    if value == current:
        value = current + step
    value = type(current)(value)
    slider.set_value(value).run()
    _assert_healthy(at)
    assert not at.error, _messages(at.error)
    assert at.query_params.get(spec.name) == spec.format(value)  # the URL now carries the change
    assert getattr(at.session_state[f"_config.{lab.name}"], spec.name) == value


# Labs whose loss is bounded (capsule margin loss, spike-count cross-entropy): their largest learning
# rate trains badly but cannot diverge, so there is nothing to warn about.
BOUNDED_LOSS = {"spiking", "capsules"}


@pytest.mark.parametrize("lab", LABS, ids=LAB_IDS)
def test_lab_page_extreme_learning_rate(lab):
    spec = _lr_field(lab)
    if spec is None:
        pytest.skip(f"{lab.name} has no learning-rate setting")
    at = _open(lab)
    widget = at.select_slider(key=f"cfg.{lab.name}.{spec.name}") if spec.log else at.slider(key=f"cfg.{lab.name}.{spec.name}")
    widget.set_value(spec.hi).run()
    _assert_healthy(at)
    warnings = _messages(at.warning)
    if lab.name in BOUNDED_LOSS:
        assert not at.error, _messages(at.error)  # a bounded loss cannot blow up: the page just trains badly
    else:
        assert warnings, "an extreme learning rate gave no warning"
    if lab.name == "attention":
        assert any("diverged" in w and "learning rate" in w for w in warnings), warnings
    assert at.query_params.get(spec.name) == spec.format(spec.hi)


# ----------------------------------------------------------------------------- bad URLs and settings (attention)


ATTENTION = catalog.get("attention")


@pytest.mark.parametrize("bad", ["banana", "999"])
def test_bad_url_parameter_warns_and_uses_default(bad):
    at = _open(ATTENTION, {"seq_len": bad})
    _assert_healthy(at)
    warnings = _messages(at.warning)
    assert any("seq_len" in w for w in warnings), warnings
    assert at.session_state["cfg.attention.seq_len"] == 8
    assert at.session_state["_config.attention"].seq_len == 8
    assert "seq_len" not in at.query_params  # the URL is rewritten to what is shown
    assert len(_decode(_heads_chart(at)["data"][0]["z"])) == 8


def test_unknown_url_parameter_warns():
    at = _open(ATTENTION, {"colour": "red", "seq_len": "6"})
    _assert_healthy(at)
    assert any("colour" in w for w in _messages(at.warning))
    assert at.session_state["_config.attention"].seq_len == 6  # the good parameter still applies
    assert dict(at.query_params) == {"seq_len": "6"}


def test_invalid_combination_shows_error_and_keeps_page():
    at = _open(ATTENTION)
    at.slider(key="cfg.attention.d_model").set_value(48)
    at.slider(key="cfg.attention.n_heads").set_value(5)
    at.run()
    _assert_healthy(at)
    errors = _messages(at.error)
    assert any("n_heads" in e and "48" in e for e in errors), errors
    # the last valid settings stay on screen and in the URL
    assert at.session_state["_config.attention"] == ATTENTION.load().Config()
    assert "n_heads" not in at.query_params and "d_model" not in at.query_params
    # a valid combination clears the error (back to the defaults: drawn from the cache, no training)
    at.slider(key="cfg.attention.n_heads").set_value(2)
    at.slider(key="cfg.attention.d_model").set_value(32).run()
    _assert_healthy(at)
    assert not at.error, _messages(at.error)


def test_sessions_do_not_mix():
    def check(at: AppTest, tokens: int) -> None:
        _assert_healthy(at)
        heads = _heads_chart(at)
        assert _decode(heads["data"][0]["z"]).shape == (tokens, tokens)
        assert len(heads["layout"]["xaxis"]["ticktext"]) == tokens
        assert at.session_state["_config.attention"].seq_len == tokens

    six = _open(ATTENTION, {"seq_len": "6"})
    eight = _open(ATTENTION)
    check(six, 6)
    check(eight, 8)
    six.run()  # rerun each session after the other one drew
    check(six, 6)
    eight.run()
    check(eight, 8)
    assert six.query_params.get("seq_len") == "6" and "seq_len" not in eight.query_params


# ----------------------------------------------------------------------------- the shared result cache


def test_result_store_is_a_bounded_lru():
    store = ResultStore(max_entries=3)
    for i in range(3):
        store.put(("lab", i), f"result {i}")
    assert len(store) == 3
    assert store.get(("lab", 0)) == "result 0"  # touching 0 makes 1 the oldest
    store.put(("lab", 3), "result 3")
    assert len(store) == 3
    assert store.get(("lab", 1)) is None
    assert [store.get(("lab", i)) for i in (0, 2, 3)] == ["result 0", "result 2", "result 3"]
    for i in range(4, 10):
        store.put(("lab", i), i)
    assert len(store) == 3
    assert [store.get(("lab", i)) for i in (7, 8, 9)] == [7, 8, 9]
    assert store.get(("lab", 0)) is None
    store.put(("lab", 8), "again")  # overwriting keeps one entry and refreshes it
    assert len(store) == 3 and store.get(("lab", 8)) == "again"
    store.clear()
    assert len(store) == 0 and store.get(("lab", 9)) is None
