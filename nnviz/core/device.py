"""Which device labs train on: cuda > mps > cpu, or whatever NNVIZ_DEVICE names."""

from __future__ import annotations

import functools
import os

import torch


def configure_threads() -> int:
    """Intra-op threads for torch on the CPU: NNVIZ_THREADS, default 1.

    The models here are tiny, so a second thread buys little, while OpenMP thread teams spinning
    against other processes (another session's figures, a test run) on a small machine can make a
    one-second training take a minute (measured on 2 loaded cores: attention defaults 2.1-2.9 s
    with one thread, 12-27 s with two).
    """
    n = max(1, int(os.environ.get("NNVIZ_THREADS", "1")))
    if torch.get_num_threads() != n:
        torch.set_num_threads(n)
    return n


@functools.cache
def get_device() -> torch.device:
    configure_threads()
    wanted = os.environ.get("NNVIZ_DEVICE", "").strip().lower()
    if wanted:
        dev = torch.device(wanted)  # raises on nonsense, which is what a typo deserves
        if dev.type == "cuda" and not torch.cuda.is_available():
            return torch.device("cpu")
        return dev
    if torch.cuda.is_available():
        return torch.device("cuda")
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def describe_device() -> str:
    """One line for the sidebar: the CUDA device's name, or CPU with its thread count."""
    dev = get_device()
    forced = " (set by NNVIZ_DEVICE)" if os.environ.get("NNVIZ_DEVICE") else ""
    if dev.type == "cuda":
        return f"CUDA: {torch.cuda.get_device_name(dev)}{forced}"
    if dev.type == "mps":
        return f"Apple MPS{forced}"
    n = torch.get_num_threads()
    return f"CPU, {n} thread{'s' if n != 1 else ''}{forced}"
