"""Probing classifiers and the information plane, on arrays of hidden states (no torch, no plotting).

probe_accuracy fits an sklearn probe on one layer's states and scores it on held-out rows.
control_labels builds Hewitt & Liang's control task: each input *type* (a token, or a cluster of
images) gets a random label, so a probe can only solve it by memorising types, not by reading out
the property. selectivity = accuracy(property) − accuracy(control).
binned_information estimates I(X;T) and I(T;Y) by discretising T (Shwartz-Ziv & Tishby): for a
deterministic network every distinct input is its own X, so I(X;T) = H(T_binned).
"""

from __future__ import annotations

import warnings

import numpy as np

# probe capacity ladder: weak to strong; (kind, size) with size = inverse L2 strength C or hidden units
CAPACITIES = (("linear", 0.001), ("linear", 0.01), ("linear", 0.1), ("linear", 10.0), ("mlp", 16), ("mlp", 64), ("mlp", 256))


def capacity_label(kind: str, size: float) -> str:
    return f"linear C={size:g}" if kind == "linear" else f"MLP {int(size)}"


def make_probe(kind: str = "linear", size: float = 1.0, seed: int = 0):
    from sklearn.linear_model import LogisticRegression
    from sklearn.neural_network import MLPClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    if kind == "linear":
        return make_pipeline(StandardScaler(), LogisticRegression(C=size, max_iter=100, tol=1e-3))
    # 60 epochs of Adam at lr 0.01: enough for a wide MLP to memorise most of a control task, in well under a second
    mlp = MLPClassifier((int(size),), max_iter=60, batch_size=256, learning_rate_init=0.01, random_state=seed)
    return make_pipeline(StandardScaler(), mlp)


def probe_accuracy(h_train, y_train, h_test, y_test, kind: str = "linear", size: float = 1.0, seed: int = 0) -> float:
    """Held-out accuracy of a probe trained to read y from the states h (rows are examples)."""
    if len(np.unique(y_train)) < 2:
        return float(np.mean(y_test == y_train[0]))
    probe = make_probe(kind, size, seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence warnings on the weakest / strongest probes
        probe.fit(h_train, y_train)
    return float(probe.score(h_test, y_test))


def control_labels(types: np.ndarray, n_classes: int, seed: int = 0) -> np.ndarray:
    """Hewitt & Liang's control task: a fixed random label in [0, n_classes) for each distinct type."""
    kinds = np.unique(types)
    table = dict(zip(kinds, np.random.default_rng(seed).integers(0, n_classes, size=len(kinds))))
    return np.array([table[t] for t in types], dtype=np.int64)


def majority_accuracy(y_train, y_test) -> float:
    values, counts = np.unique(y_train, return_counts=True)
    return float(np.mean(y_test == values[counts.argmax()]))


def entropy_of_rows(codes: np.ndarray) -> float:
    """Shannon entropy (bits) of the empirical distribution of the rows of an integer array."""
    _, counts = np.unique(codes, axis=0, return_counts=True)
    p = counts / counts.sum()
    return float(-(p * np.log2(p)).sum())


def binned_information(t: np.ndarray, y: np.ndarray, n_bins: int = 30) -> tuple[float, float]:
    """(I(X;T), I(T;Y)) in bits with T binned into n_bins equal bins over its own range.

    I(X;T) = H(T) (deterministic map, each sample its own x); I(T;Y) = H(T) − Σ_y p(y) H(T | Y = y)."""
    lo, hi = float(t.min()), float(t.max())
    codes = np.floor((t - lo) / max(hi - lo, 1e-12) * n_bins).clip(0, n_bins - 1).astype(np.int32)
    h_t = entropy_of_rows(codes)
    h_t_given_y = sum(np.mean(y == c) * entropy_of_rows(codes[y == c]) for c in np.unique(y))
    return h_t, h_t - h_t_given_y
