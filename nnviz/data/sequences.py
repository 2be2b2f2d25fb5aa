"""Toy sequence tasks whose ideal attention pattern is known in advance.

Each output position i must produce one token of the input; the ideal attention of query i is the
input position(s) that hold that token:

    copy     y_i = x_i                 diagonal
    reverse  y_i = x_(T-1-i)           anti-diagonal
    shift    y_i = x_(i-1 mod T)       sub-diagonal (wrapping to the corner)
    sort     y_i = i-th smallest of x  the position(s) holding that value
"""

from __future__ import annotations

import numpy as np
import torch

TASKS = ("copy", "reverse", "sort", "shift")


def targets(task: str, x: torch.Tensor) -> torch.Tensor:
    """(B, T) inputs -> (B, T) targets for the task."""
    if task == "copy":
        return x.clone()
    if task == "reverse":
        return x.flip(-1)
    if task == "shift":
        return x.roll(1, dims=-1)
    if task == "sort":
        return x.sort(dim=-1).values
    raise ValueError(f"unknown task {task!r}; tasks: {', '.join(TASKS)}")


def make_batch(
    task: str, *, n: int, length: int, vocab: int, generator: torch.Generator, device: torch.device | str = "cpu"
) -> tuple[torch.Tensor, torch.Tensor]:
    """n random sequences of `length` tokens from 0..vocab-1 and their targets, both (n, length)."""
    x = torch.randint(0, vocab, (n, length), generator=generator)
    return x.to(device), targets(task, x).to(device)


def ideal_attention(task: str, x: np.ndarray) -> np.ndarray:
    """(T,) input -> (T, T) ideal attention: row i spreads 1 over the positions holding y_i."""
    x = np.asarray(x)
    t = len(x)
    ideal = np.zeros((t, t))
    if task == "copy":
        ideal[np.arange(t), np.arange(t)] = 1
    elif task == "reverse":
        ideal[np.arange(t), t - 1 - np.arange(t)] = 1
    elif task == "shift":
        ideal[np.arange(t), (np.arange(t) - 1) % t] = 1
    elif task == "sort":
        y = np.sort(x)
        for i in range(t):
            hits = x == y[i]
            ideal[i, hits] = 1.0 / hits.sum()
    else:
        raise ValueError(f"unknown task {task!r}; tasks: {', '.join(TASKS)}")
    return ideal
