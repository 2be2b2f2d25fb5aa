"""Page timings for the benchmark: `python -m nnviz.ui.bench LAB` prints one JSON line.

It lives in ui/ because it drives the page script through Streamlit's AppTest; the CLI
(nnviz/__main__.py) runs it as a separate process and never imports streamlit itself.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from pathlib import Path

from nnviz import catalog

ROOT = Path(__file__).resolve().parents[2]


def page_timings(name: str) -> dict:
    """First visit (trains and draws) and a revisit of the same settings (served from the cache)."""
    logging.getLogger("streamlit").setLevel(logging.ERROR)
    from streamlit.testing.v1 import AppTest

    entry = catalog.get(name)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
    at.run()
    at.switch_page(entry.page)
    t0 = time.perf_counter()
    at.run()
    first = time.perf_counter() - t0
    t0 = time.perf_counter()
    at.run()
    revisit = time.perf_counter() - t0
    return {"page_first_s": first, "page_revisit_s": revisit, "page_errors": [str(e.value) for e in at.exception]}


if __name__ == "__main__":
    print(json.dumps(page_timings(sys.argv[1])))
