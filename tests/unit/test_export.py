"""Figure export: self-contained HTML, the numbers in JSON/CSV, the zip bundle, PNG/SVG/PDF through kaleido."""

from __future__ import annotations

import csv
import io
import json
import os
import zipfile

import numpy as np
import plotly.graph_objects as go
import pytest
from plotly.offline import get_plotlyjs

from nnviz import export

UNAVAILABLE = "no browser here, test message"


def _line() -> go.Figure:
    fig = go.Figure(go.Scatter(x=[1, 2, 3], y=[0.5, 1.25, -3.75], name="loss"))
    fig.update_layout(title="Tiny line", xaxis_title="step", yaxis_title="loss", height=300)
    return fig


def _heat() -> go.Figure:
    fig = go.Figure(go.Heatmap(z=np.array([[0.125, 0.875], [0.625, 0.375]]), x=["a", "b"], y=["r0", "r1"], name="attn"))
    fig.update_layout(title="Tiny heatmap", xaxis_title="key", yaxis_title="query", height=300)
    return fig


@pytest.fixture
def no_static(monkeypatch):
    monkeypatch.setattr(export, "static_export_status", lambda: (False, UNAVAILABLE))


# ----------------------------------------------------------------------------- html / json / csv


def test_html_is_self_contained():
    html = export.to_bytes(_line(), "html").decode()
    assert "<html>" in html[:200] and html.rstrip().endswith("</html>")
    assert get_plotlyjs()[:2000] in html  # plotly.js itself is inlined
    assert '<script src="http' not in html and "<script src='http" not in html
    assert "Tiny line" in html
    assert '"displaylogo":false' in html.replace(" ", "")


def test_html_uses_slide_theme_but_leaves_figure_alone():
    fig = _line()
    before = fig.to_plotly_json()
    html = export.to_bytes(fig, "html").decode()
    assert '"width":1280' in html.replace(" ", "")  # the slide copy is wide
    assert fig.to_plotly_json() == before  # the on-screen figure is not modified
    raw = export.to_bytes(fig, "html", themed=False).decode()
    assert '"width":1280' not in raw.replace(" ", "")


def test_json_holds_trace_numbers():
    data = json.loads(export.to_bytes(_line(), "json"))
    assert data["title"] == "Tiny line"
    (trace,) = data["traces"]
    assert trace == {"index": 0, "type": "scatter", "name": "loss", "x": [1, 2, 3], "y": [0.5, 1.25, -3.75]}


def test_json_heatmap_matrix():
    data = json.loads(export.to_bytes(_heat(), "json"))
    (trace,) = data["traces"]
    assert trace["type"] == "heatmap" and trace["name"] == "attn"
    assert trace["z"] == [[0.125, 0.875], [0.625, 0.375]]
    assert trace["x"] == ["a", "b"] and trace["y"] == ["r0", "r1"]


def test_csv_line_rows():
    rows = list(csv.DictReader(io.StringIO(export.to_bytes(_line(), "csv").decode())))
    assert [(r["x"], r["y"]) for r in rows] == [("1", "0.5"), ("2", "1.25"), ("3", "-3.75")]
    assert {r["name"] for r in rows} == {"loss"} and {r["type"] for r in rows} == {"scatter"}


def test_csv_heatmap_one_row_per_cell():
    rows = list(csv.DictReader(io.StringIO(export.to_bytes(_heat(), "csv").decode())))
    cells = {(r["y"], r["x"]): float(r["z"]) for r in rows}
    assert cells == {("r0", "a"): 0.125, ("r0", "b"): 0.875, ("r1", "a"): 0.625, ("r1", "b"): 0.375}
    assert sorted((int(r["i"]), int(r["j"])) for r in rows) == [(0, 0), (0, 1), (1, 0), (1, 1)]


def test_csv_json_several_traces():
    fig = _line()
    fig.add_bar(x=["p", "q"], y=[7, 9], name="bars")
    data = json.loads(export.to_bytes(fig, "json"))
    assert [t["name"] for t in data["traces"]] == ["loss", "bars"]
    rows = list(csv.DictReader(io.StringIO(export.to_bytes(fig, "csv").decode())))
    assert [(r["trace"], r["x"], r["y"]) for r in rows][-2:] == [("1", "p", "7"), ("1", "q", "9")]
    assert len(rows) == 5


def test_unknown_format_raises():
    with pytest.raises(ValueError, match="unknown format 'bmp'"):
        export.to_bytes(_line(), "bmp")


def test_format_is_case_insensitive():
    assert json.loads(export.to_bytes(_line(), "JSON"))["title"] == "Tiny line"


# ----------------------------------------------------------------------------- bundle


def test_bundle_holds_every_figure_and_the_recipe():
    figs = {"curve": _line(), "attn": _heat()}
    config = {"seq_len": 6, "lr": 0.01}
    command = "python -m nnviz export attention --out x --set seq_len=6 --set lr=0.01"
    data, notes = export.bundle(figs, config=config, command=command, formats=("html", "csv", "json"), summary={"acc": 0.5})
    assert notes == []
    zf = zipfile.ZipFile(io.BytesIO(data))
    names = set(zf.namelist())
    expected = {f"{n}.{f}" for n in figs for f in ("html", "csv", "json")}
    assert expected | {"config.json", "reproduce.sh", "README.txt", "summary.json"} == names
    assert json.loads(zf.read("config.json")) == config
    assert json.loads(zf.read("summary.json")) == {"acc": 0.5}
    assert command in zf.read("reproduce.sh").decode()
    assert zf.read("reproduce.sh").decode().startswith("#!/bin/sh")
    readme = zf.read("README.txt").decode()
    assert "curve" in readme and "attn" in readme
    # the files are the same bytes a single export gives
    assert zf.read("attn.json") == export.to_bytes(figs["attn"], "json")
    assert zf.read("curve.csv") == export.to_bytes(figs["curve"], "csv")


def test_bundle_without_browser_skips_static_formats_with_a_note(no_static):
    data, notes = export.bundle({"curve": _line()}, config={}, command="cmd")  # default formats include png/svg/pdf
    assert notes == [UNAVAILABLE]
    zf = zipfile.ZipFile(io.BytesIO(data))
    assert {n.rsplit(".", 1)[-1] for n in zf.namelist() if n.startswith("curve.")} == {"html", "csv", "json"}
    assert UNAVAILABLE in zf.read("README.txt").decode()
    assert "summary.json" not in zf.namelist()


def test_write_without_browser(tmp_path, no_static):
    written, notes = export.write({"curve": _line()}, str(tmp_path / "out"), ("png", "json"))
    assert notes == [UNAVAILABLE]
    assert [os.path.basename(p) for p in written] == ["curve.json"]
    assert json.loads((tmp_path / "out" / "curve.json").read_text())["title"] == "Tiny line"


# ----------------------------------------------------------------------------- static formats


@pytest.mark.parametrize("fmt", export.STATIC_FORMATS)
def test_static_formats_raise_plainly_without_browser(fmt, no_static):
    with pytest.raises(RuntimeError, match=UNAVAILABLE):
        export.to_bytes(_line(), fmt)


def test_status_message_without_browser(monkeypatch):
    monkeypatch.setattr(export, "find_browser", lambda: None)
    ok, message = export.static_export_status()
    assert ok is False
    assert "Chrome or Chromium" in message and "HTML" in message


def test_static_export_renders():
    """PNG, SVG and PDF through kaleido on one small figure (a few seconds: kaleido starts a browser)."""
    ok, message = export.static_export_status()
    if not ok:
        with pytest.raises(RuntimeError) as info:
            export.to_bytes(_line(), "png")
        assert str(info.value) == message
        if os.environ.get("CI") == "true":
            pytest.fail(f"static export must work in CI: {message}")
        pytest.skip(f"static export unavailable here: {message}")
    fig = _line()
    png = export.to_bytes(fig, "png")
    svg = export.to_bytes(fig, "svg")
    pdf = export.to_bytes(fig, "pdf")
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 1000
    assert b"<svg" in svg[:500] and b"Tiny line" in svg
    assert pdf.startswith(b"%PDF") and len(pdf) > 500
    # the PNG is rendered at scale 2 of the slide size (1280 wide)
    width = int.from_bytes(png[16:20], "big")
    assert width == 2 * 1280
