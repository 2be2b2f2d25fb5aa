"""sklearn's 8x8 handwritten digits (shipped with sklearn, no download)."""

from __future__ import annotations

import functools

import numpy as np


@functools.cache
def _digits() -> tuple[np.ndarray, np.ndarray]:
    from sklearn.datasets import load_digits

    d = load_digits()
    return (d.images / 16.0).astype(np.float32), d.target.astype(np.int64)


def digits(*, seed: int = 0, test_fraction: float = 0.25, binarize: bool = False, classes: tuple[int, ...] | None = None):
    """(x_train, y_train, x_test, y_test): images (N, 8, 8) in [0, 1], labels 0-9, a seeded split.

    binarize: pixels > 0.5 become 1 (for PixelCNN-style models). classes: keep only these digits.
    """
    x, y = _digits()
    if classes is not None:
        keep = np.isin(y, classes)
        x, y = x[keep], y[keep]
    if binarize:
        x = (x > 0.5).astype(np.float32)
    order = np.random.default_rng(seed).permutation(len(x))
    n_test = int(round(len(x) * test_fraction))
    test, train = order[:n_test], order[n_test:]
    return x[train], y[train], x[test], y[test]
