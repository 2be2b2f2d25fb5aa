"""Tabular sets that ship with sklearn: iris, wine, breast cancer. Standardised, seeded split."""

from __future__ import annotations

import functools

import numpy as np

DATASETS = ("iris", "wine", "breast_cancer")


@functools.cache
def _load(name: str):
    from sklearn import datasets

    loader = {"iris": datasets.load_iris, "wine": datasets.load_wine, "breast_cancer": datasets.load_breast_cancer}[name]
    d = loader()
    return d.data.astype(np.float32), d.target.astype(np.int64), tuple(d.feature_names), tuple(map(str, d.target_names))


def tabular(name: str, *, seed: int = 0, test_fraction: float = 0.25) -> dict:
    """dict(x_train, y_train, x_test, y_test, feature_names, class_names, mean, std).

    Features are standardised with the training split's mean and std (kept, to undo for display).
    """
    if name not in DATASETS:
        raise ValueError(f"unknown dataset {name!r}; datasets: {', '.join(DATASETS)}")
    x, y, features, classes = _load(name)
    order = np.random.default_rng(seed).permutation(len(x))
    n_test = int(round(len(x) * test_fraction))
    test, train = order[:n_test], order[n_test:]
    mean, std = x[train].mean(0), x[train].std(0) + 1e-8
    return dict(
        x_train=(x[train] - mean) / std,
        y_train=y[train],
        x_test=(x[test] - mean) / std,
        y_test=y[test],
        feature_names=features,
        class_names=classes,
        mean=mean,
        std=std,
    )
