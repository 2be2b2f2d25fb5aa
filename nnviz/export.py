"""Figures -> PNG / SVG / PDF / HTML / CSV / JSON, and a zip bundle of a whole page.

Used by the UI's export menus and by ``python -m nnviz export``. Every export is in the light
slide theme. PNG, SVG and PDF go through kaleido 1.x, which drives a Chrome or Chromium found on
the machine; where none is found, ``static_export_status`` says so and HTML / data still work.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import threading
import warnings
import zipfile
from collections.abc import Mapping

import numpy as np
import plotly.graph_objects as go

from nnviz.viz.theme import slide

STATIC_FORMATS = ("png", "svg", "pdf")
FORMATS = (*STATIC_FORMATS, "html", "csv", "json")
MIME = {
    "png": "image/png",
    "svg": "image/svg+xml",
    "pdf": "application/pdf",
    "html": "text/html",
    "csv": "text/csv",
    "json": "application/json",
    "zip": "application/zip",
}
_BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")
_kaleido_lock = threading.Lock()
_kaleido_started = False


def find_browser() -> str | None:
    path = os.environ.get("BROWSER_PATH")
    if path and os.path.exists(path):
        return path
    for name in _BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    return None


def static_export_status() -> tuple[bool, str]:
    """(available, message) for PNG / SVG / PDF export."""
    browser = find_browser()
    if browser is None:
        return False, (
            "PNG, SVG and PDF export need Chrome or Chromium on this machine (kaleido draws through it); none was "
            "found. HTML and data export work, and the camera icon on each chart saves a PNG from your browser. "
            "On Debian/Ubuntu: apt-get install chromium."
        )
    return True, f"static export through {browser}"


def _ensure_kaleido() -> None:
    """Start kaleido's persistent browser once: the first export pays ~1 s, later ones ~0.1 s."""
    global _kaleido_started
    if _kaleido_started:
        return
    import kaleido

    os.environ.setdefault("BROWSER_PATH", find_browser() or "")
    try:
        kaleido.start_sync_server(silence_warnings=True)
    except Exception:  # already running (another thread) or unsupported: fall back to one-shot calls
        pass
    _kaleido_started = True


def to_bytes(fig: go.Figure, fmt: str, *, themed: bool = True) -> bytes:
    """One figure in one format. Raises RuntimeError with a plain message when it cannot."""
    fmt = fmt.lower()
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; formats: {', '.join(FORMATS)}")
    out = slide(fig) if themed else fig
    if fmt == "html":
        return out.to_html(include_plotlyjs=True, full_html=True, config={"displaylogo": False}).encode()
    if fmt == "json":
        return json.dumps(figure_data(fig), indent=1, default=_json_default).encode()
    if fmt == "csv":
        return figure_csv(fig).encode()
    ok, message = static_export_status()
    if not ok:
        raise RuntimeError(message)
    import plotly.io as pio

    with _kaleido_lock, warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="The kopts argument is ignored")
        _ensure_kaleido()
        return pio.to_image(out, format=fmt, width=out.layout.width, height=out.layout.height, scale=2 if fmt == "png" else 1)


def _json_default(o):
    if isinstance(o, np.ndarray):
        return o.tolist()
    if isinstance(o, (np.floating, np.integer)):
        return o.item()
    return str(o)


def _array(value):
    if value is None:
        return None
    try:
        arr = np.asarray(value)
    except Exception:
        return None
    if arr.dtype == object and arr.ndim == 0:
        return None
    return arr


def figure_data(fig: go.Figure) -> dict:
    """The numbers behind a figure: per trace its name, type and x / y / z arrays."""
    traces = []
    for i, tr in enumerate(fig.data):
        entry = {"index": i, "type": tr.type, "name": getattr(tr, "name", None)}
        for axis in ("x", "y", "z"):
            arr = _array(getattr(tr, axis, None))
            if arr is not None and arr.size:
                entry[axis] = arr.tolist()
        traces.append(entry)
    title = fig.layout.title.text if fig.layout.title else None
    return {"title": title, "traces": traces}


def figure_csv(fig: go.Figure) -> str:
    """Long-format table of every trace: trace, name, type, row, col, x, y, z."""
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["trace", "name", "type", "i", "j", "x", "y", "z"])
    for entry in figure_data(fig)["traces"]:
        name, kind = entry.get("name") or "", entry["type"]
        x, y, z = entry.get("x"), entry.get("y"), entry.get("z")
        if z is not None:
            z = np.atleast_2d(np.asarray(z, dtype=object))
            for i in range(z.shape[0]):
                for j in range(z.shape[1]):
                    xi = x[j] if x is not None and j < len(x) else j
                    yi = y[i] if y is not None and i < len(y) else i
                    w.writerow([entry["index"], name, kind, i, j, xi, yi, z[i, j]])
        else:
            n = max(len(x or []), len(y or []))
            for i in range(n):
                xi = x[i] if x is not None and i < len(x) else ""
                yi = y[i] if y is not None and i < len(y) else ""
                w.writerow([entry["index"], name, kind, i, "", xi, yi, ""])
    return buf.getvalue()


def bundle(
    figures: Mapping[str, go.Figure],
    *,
    config: dict,
    command: str,
    formats: tuple[str, ...] = ("html", "csv", "json", "png", "svg", "pdf"),
    summary: dict | None = None,
) -> tuple[bytes, list[str]]:
    """A zip with every figure in every format, config.json, the reproducing command and a README.

    Returns (zip bytes, notes); a note says which formats were skipped and why.
    """
    notes = []
    static_ok, message = static_export_status()
    if not static_ok and any(f in STATIC_FORMATS for f in formats):
        notes.append(message)
        formats = tuple(f for f in formats if f not in STATIC_FORMATS)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, fig in figures.items():
            for fmt in formats:
                zf.writestr(f"{name}.{fmt}", to_bytes(fig, fmt))
        zf.writestr("config.json", json.dumps(config, indent=2, default=_json_default))
        if summary is not None:
            zf.writestr("summary.json", json.dumps(summary, indent=2, default=_json_default))
        zf.writestr("reproduce.sh", f"#!/bin/sh\n# Recreate these figures from the command line:\n{command}\n")
        readme = "Exported by nnviz.\n\nFigures: " + ", ".join(figures) + f"\nFormats: {', '.join(formats)}\n"
        if notes:
            readme += "\nNotes:\n" + "\n".join(notes) + "\n"
        zf.writestr("README.txt", readme)
    return buf.getvalue(), notes


def write(figures: Mapping[str, go.Figure], out_dir: str, formats: tuple[str, ...]) -> tuple[list[str], list[str]]:
    """Write each figure in each format into out_dir. Returns (paths written, notes)."""
    os.makedirs(out_dir, exist_ok=True)
    written, notes = [], []
    static_ok, message = static_export_status()
    if not static_ok and any(f in STATIC_FORMATS for f in formats):
        notes.append(message)
        formats = tuple(f for f in formats if f not in STATIC_FORMATS)
    for name, fig in figures.items():
        for fmt in formats:
            path = os.path.join(out_dir, f"{name}.{fmt}")
            with open(path, "wb") as fh:
                fh.write(to_bytes(fig, fmt))
            written.append(path)
    return written, notes
