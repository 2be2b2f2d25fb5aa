"""Live training with a shared, bounded cache of results.

Results are keyed by (lab, frozen Config) and shared by every session of the server, so a class
opening the defaults trains once. The store keeps at most NNVIZ_CACHE_ENTRIES results (default 24)
and drops the least recently used, which bounds memory however often settings change.

While a run trains, a progress bar and a growing loss curve are drawn. Moving a slider reruns the
script; Streamlit then raises inside the next progress update, which ends the stale run.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections import OrderedDict

import pandas as pd
import streamlit as st

from nnviz.core.seed import RUN_LOCK

log = logging.getLogger("nnviz")


class ResultStore:
    """A thread-safe LRU map from (lab, Config) to a finished, read-only Result."""

    def __init__(self, max_entries: int):
        self.max_entries = max_entries
        self._data: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            if key in self._data:
                self._data.move_to_end(key)
                return self._data[key]
        return None

    def put(self, key, value) -> None:
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > self.max_entries:
                self._data.popitem(last=False)

    def __len__(self) -> int:
        return len(self._data)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()


@st.cache_resource
def store() -> ResultStore:
    return ResultStore(int(os.environ.get("NNVIZ_CACHE_ENTRIES", "24")))


class _LivePanel:
    """Progress bar + loss curve, redrawn at most every 0.25 s."""

    def __init__(self, title: str):
        self.box = st.container(border=True)
        self.box.markdown(f"**{title}**")
        self.bar = self.box.progress(0.0, text="starting…")
        self.chart = self.box.empty()
        self.rows: list[dict] = []
        self.last_draw = 0.0

    def __call__(self, step: int, total: int, metrics: dict) -> None:
        self.rows.append({"step": step, "loss": metrics.get("loss")})
        self.bar.progress(min(1.0, step / max(total, 1)), text=f"step {step} / {total} · loss {metrics.get('loss', float('nan')):.4f}")
        now = time.perf_counter()
        if now - self.last_draw > 0.25 or step == total:
            self.chart.line_chart(pd.DataFrame(self.rows).set_index("step"), height=180, x_label="step", y_label="loss")
            self.last_draw = now

    def clear(self) -> None:
        self.box.empty()


def train(lab_module, config, *, label: str | None = None):
    """The Result for this config: from the shared cache, or trained now with a live panel.

    Returns None (after showing a message) if training raised an unexpected error.
    """
    key = (lab_module.NAME, config)
    cache = store()
    result = cache.get(key)
    if result is not None:
        return result
    waiting = None
    while not RUN_LOCK.acquire(timeout=0.2):
        if waiting is None:
            waiting = st.info("Waiting for another training run on this server to finish…", icon=":material/hourglass_top:")
        else:
            waiting.info("Waiting for another training run on this server to finish…", icon=":material/hourglass_top:")
    try:
        if waiting is not None:
            waiting.empty()
        result = cache.get(key)
        if result is not None:
            return result
        holder = st.empty()
        with holder.container():
            panel = _LivePanel(label or "Training")
            try:
                result = lab_module.run(config, progress=panel)
            except Exception as err:  # a real bug: say so plainly, keep the page alive, log the trace
                log.exception("training failed for %s", config)
                holder.empty()
                st.error(f"Training failed: {type(err).__name__}: {err}. Try other settings; the page stays usable.")
                return None
        holder.empty()
        cache.put(key, result)
        return result
    finally:
        RUN_LOCK.release()
