"""Shared test setup.

torch runs one intra-op thread in tests. The models are tiny, so a second thread buys little, and on
a two-core machine shared with other torch processes (another test run, the app, a benchmark)
OpenMP's spinning thread teams oversubscribe the cores and a one-second training can take a minute.
Set NNVIZ_TEST_THREADS to change it.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
import torch

torch.set_num_threads(int(os.environ.get("NNVIZ_TEST_THREADS", "1")))

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `pytest` as well as `python -m pytest` finds nnviz (it is not installed)
    sys.path.insert(0, str(ROOT))


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return ROOT
