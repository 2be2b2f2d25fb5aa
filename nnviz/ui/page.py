"""The standard frame of a lab page: settings, live training, views, timeline, figures, pin & compare,
explain panel and the page export. A page script stays short:

    page = LabPage("attention")
    result = page.train(page.controls())
    if result:
        figs = page.figures(result)
        page.show(result, figs, ["heads", "step"])
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import streamlit as st

from nnviz import catalog, export
from nnviz.core.params import diff
from nnviz.ui import controls, display, runner
from nnviz.viz import curves as vc

ROOT = Path(__file__).resolve().parents[2]


def explain_text(lab: str) -> str:
    path = ROOT / "assets" / "explain" / f"{lab}.md"
    return path.read_text(encoding="utf-8") if path.exists() else ""


class LabPage:
    def __init__(self, name: str):
        self.entry = catalog.get(name)
        self.lab = self.entry.load()
        self.name = name

    # --- header and settings

    def header(self, intro: str) -> None:
        st.title(self.entry.title)
        st.markdown(intro)

    def controls(self):
        return controls.config_controls(self.name, self.lab.Config, getattr(self.lab, "PRESETS", None))

    # --- training

    def train(self, config, label: str | None = None):
        result = runner.train(self.lab, config, label=label or f"Training {self.entry.title.lower()}")
        if result is None:
            return None
        message = result.warning()
        if message:
            st.warning(message, icon=":material/warning:")
        return result

    # --- views and timeline (never retrain)

    def views(self, result, container=None) -> dict:
        box = container or st
        view = {}
        items = result.views()
        if items:
            cols = box.columns(len(items))
            for col, v in zip(cols, items):
                key = f"view.{self.name}.{v.name}"
                if key in st.session_state and st.session_state[key] not in v.options:
                    del st.session_state[key]
                view[v.name] = col.selectbox(
                    v.label, v.options, index=v.options.index(v.default), key=key, help=v.help, format_func=v.label_of
                )
        snap = result.snapshot_view()
        if snap is not None:
            key = f"view.{self.name}.snapshot"
            if key in st.session_state and st.session_state[key] not in snap.options:
                del st.session_state[key]
            view["snapshot"] = box.select_slider(
                "Timeline: training step",
                options=snap.options,
                value=snap.default,
                key=key,
                format_func=snap.label_of,
                help=snap.help,
            )
        return view

    def figures(self, result, view: dict | None = None) -> dict:
        return result.figures_cached(**(view or {}))

    def show(self, result, figures: dict, names: list[str] | None = None, key: str = "main") -> None:
        display.show_all(result, figures, names, key=f"{self.name}.{key}")

    # --- explain

    def explain(self, container=None) -> None:
        text = explain_text(self.name)
        if text:
            (container or st).markdown(text)

    # --- page export

    def export_page(self, result, figures: dict) -> None:
        config = result.config
        command = f"python -m nnviz export {self.name} --out {self.name}-figures {config.cli_args()}".strip()
        st.download_button(
            "Export page (zip)",
            data=lambda: export.bundle(figures, config=config.to_dict(), command=command, summary=result.summary())[0],
            file_name=f"nnviz-{self.name}.zip",
            mime=export.MIME["zip"],
            on_click="ignore",
            icon=":material/folder_zip:",
            key=f"zip.{self.name}",
            help="Every figure (PNG, SVG, PDF where a browser is available; HTML, CSV, JSON), config.json and the CLI command",
        )
        st.caption(f"Reproduce from the command line: `{command}`")

    # --- pin & compare

    def compare(self, result, view: dict) -> None:
        pin_key = f"_pinned.{self.name}"
        pinned = st.session_state.get(pin_key)
        c1, c2 = st.columns(2)
        if c1.button(
            "Pin this run",
            icon=":material/push_pin:",
            key=f"pin.{self.name}",
            help="Keep this run; then change settings to compare side by side",
        ):
            st.session_state[pin_key] = pinned = result
        if pinned is not None and c2.button("Unpin", key=f"unpin.{self.name}"):
            st.session_state.pop(pin_key, None)
            pinned = None
        if pinned is None:
            st.caption("Pin a run, change any setting, and the two runs appear here side by side.")
            return
        changes = diff(pinned.config, result.config)
        if not changes:
            st.info("The pinned run has the same settings as the current one: change a setting to compare.")
            return
        st.markdown("**Settings that differ**")
        st.dataframe(pd.DataFrame([{"setting": n, "pinned": str(a), "current": str(b)} for n, a, b in changes]), hide_index=True)
        sa, sb = pinned.summary(), result.summary()
        st.dataframe(pd.DataFrame([{"metric": k, "pinned": sa[k], "current": sb.get(k)} for k in sa]), hide_index=True)
        ha, hb = pinned.log.history, result.log.history
        overlay = vc.curves(
            {"pinned": ha["step"], "current": hb["step"]},
            {"pinned": ha.get("loss", []), "current": hb.get("loss", [])},
            title="Loss: pinned vs current",
            x_title="training step",
            y_title="loss",
            log_y=True,
            dash={"pinned": "dash"},
        )
        display.show(overlay, "compare_loss", key=f"{self.name}.cmp.loss")
        figs_b = result.figures_cached(**view)
        pin_view = {k: v for k, v in view.items() if k != "snapshot"}
        try:
            figs_a = pinned.figures_cached(**pin_view)
        except Exception:  # views differ in shape (e.g. fewer heads): fall back to the pinned run's defaults
            figs_a = pinned.figures_cached()
        common = [n for n in figs_b if n in figs_a]
        name = st.selectbox("Figure to compare", common, key=f"cmpfig.{self.name}")
        left, right = st.columns(2)
        with left:
            st.markdown("**Pinned**")
            display.show(figs_a[name], f"pinned_{name}", key=f"{self.name}.cmp.a")
        with right:
            st.markdown("**Current**")
            display.show(figs_b[name], f"current_{name}", key=f"{self.name}.cmp.b")

    def summary_metrics(self, result, labels: dict[str, str]) -> None:
        s = result.summary()
        cols = st.columns(len(labels))
        for col, (k, label) in zip(cols, labels.items()):
            col.metric(label, _fmt_metric(s.get(k)))

    @staticmethod
    def dataframe(rows: list[dict]) -> None:
        st.dataframe(pd.DataFrame(rows), hide_index=True)


def _fmt_metric(value) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, (int, float)) and float(value).is_integer() and abs(value) >= 10:
        return f"{int(value):,}"
    if isinstance(value, float):
        return f"{value:.3g}"
    return str(value)


def json_dumps(obj) -> str:
    return json.dumps(obj, indent=2, default=str)
