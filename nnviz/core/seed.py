"""Repeatable runs: every training happens inside ``seeded(seed)``.

Model initialisation and dropout draw from torch's global generator, so two runs in two threads
(two browser sessions) would mix their random streams. ``seeded`` takes one process-wide lock,
forks the generators and seeds them, which makes each run a pure function of its Config. On two
cores running them one after another costs nothing: a single small training already uses both.
"""

from __future__ import annotations

import contextlib
import random
import threading

import numpy as np
import torch

RUN_LOCK = threading.RLock()


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed % (2**32))
    torch.manual_seed(seed)


@contextlib.contextmanager
def seeded(seed: int):
    with RUN_LOCK:
        devices = list(range(torch.cuda.device_count())) if torch.cuda.is_available() else []
        with torch.random.fork_rng(devices=devices):
            state = random.getstate(), np.random.get_state()
            seed_everything(seed)
            try:
                yield
            finally:
                random.setstate(state[0])
                np.random.set_state(state[1])


def generator(seed: int, device: torch.device | str = "cpu") -> torch.Generator:
    g = torch.Generator(device=device)
    g.manual_seed(seed)
    return g
