"""Which device labs train on: cuda > mps > cpu, or whatever NNVIZ_DEVICE names."""

from __future__ import annotations

import functools
import os

import torch


@functools.cache
def get_device() -> torch.device:
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
