"""2-D point clouds, generated and seeded: moons, circles, swiss roll, spiral, ring of Gaussians.

One signature for all (TF Playground's dataset.ts): points(name, n=..., noise=..., seed=...)
returns (x (n, 2) float32, y (n,) int64 labels or component ids).
"""

from __future__ import annotations

import numpy as np

POINT_SETS = ("moons", "circles", "swiss_roll", "spiral", "ring", "blobs")


def points(name: str, *, n: int = 512, noise: float = 0.05, seed: int = 0, modes: int = 8, radius: float = 2.0):
    rng = np.random.default_rng(seed)
    if name == "moons":
        from sklearn.datasets import make_moons

        x, y = make_moons(n_samples=n, noise=noise, random_state=seed)
        x = (x - np.array([0.5, 0.25])) * 1.5
    elif name == "circles":
        from sklearn.datasets import make_circles

        x, y = make_circles(n_samples=n, noise=noise, factor=0.5, random_state=seed)
        x = x * 2
    elif name == "swiss_roll":
        t = 1.5 * np.pi * (1 + 2 * rng.random(n))
        x = np.stack([t * np.cos(t), t * np.sin(t)], 1) / 5.0
        x = x + noise * 2 * rng.standard_normal(x.shape)
        y = (t > np.median(t)).astype(int)
    elif name == "spiral":
        k = n // 2
        t = np.sqrt(rng.random(k)) * 3 * np.pi
        arm = np.stack([t * np.cos(t), t * np.sin(t)], 1) / (1.5 * np.pi)
        x = np.concatenate([arm, -arm]) + noise * rng.standard_normal((2 * k, 2))
        y = np.concatenate([np.zeros(k, int), np.ones(k, int)])
    elif name == "ring":
        y = rng.integers(0, modes, n)
        angle = 2 * np.pi * y / modes
        x = radius * np.stack([np.cos(angle), np.sin(angle)], 1) + noise * rng.standard_normal((n, 2))
    elif name == "blobs":
        centers = np.array([[-1.5, -1.0], [1.5, -1.0], [0.0, 1.5]])
        y = rng.integers(0, len(centers), n)
        x = centers[y] + (0.2 + noise) * rng.standard_normal((n, 2))
    else:
        raise ValueError(f"unknown point set {name!r}; sets: {', '.join(POINT_SETS)}")
    return np.asarray(x, dtype=np.float32), np.asarray(y, dtype=np.int64)


def ring_centers(modes: int = 8, radius: float = 2.0) -> np.ndarray:
    angle = 2 * np.pi * np.arange(modes) / modes
    return radius * np.stack([np.cos(angle), np.sin(angle)], 1)
