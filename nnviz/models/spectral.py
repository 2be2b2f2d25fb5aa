"""Spectral graph theory in a few dense lines: the normalised Laplacian, its eigenbasis (the graph
Fourier basis), filters applied in that basis, and Chebyshev polynomial filters that need no
eigendecomposition. Small graphs only (dense N x N); checked against scipy and PyG's ChebConv in
tests/unit/test_spectral.py.
"""

from __future__ import annotations

import numpy as np


def normalized_laplacian(adj: np.ndarray) -> np.ndarray:
    """L = I - D^{-1/2} A D^{-1/2} (isolated nodes get L_ii = 0, as in scipy). Eigenvalues lie in [0, 2]."""
    deg = adj.sum(1)
    inv = np.where(deg > 0, 1.0 / np.sqrt(np.maximum(deg, 1e-12)), 0.0)
    lap = -inv[:, None] * adj * inv[None, :]
    lap[np.diag_indices_from(lap)] = np.where(deg > 0, 1.0, 0.0)
    return lap


def eigh(lap: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(eigenvalues ascending (N,), eigenvectors as columns (N, N)), each vector's sign fixed so its
    largest entry is positive (eigenvectors are only defined up to sign)."""
    lam, u = np.linalg.eigh(lap)
    flip = np.sign(u[np.abs(u).argmax(0), np.arange(u.shape[1])])
    return np.clip(lam, 0.0, 2.0), u * np.where(flip == 0, 1.0, flip)


def spectral_filter(u: np.ndarray, lam: np.ndarray, x: np.ndarray, response) -> np.ndarray:
    """U h(Λ) Uᵀ x: transform to the Fourier basis, scale each frequency by h(λ), transform back."""
    return u @ (response(lam) * (u.T @ x))


def chebyshev_basis(t: np.ndarray, order: int) -> np.ndarray:
    """(order+1, len(t)) T_0..T_K at t in [-1, 1]: T_0 = 1, T_1 = t, T_k = 2 t T_{k-1} - T_{k-2}."""
    out = [np.ones_like(t), t]
    for _ in range(2, order + 1):
        out.append(2 * t * out[-1] - out[-2])
    return np.array(out[: order + 1])


def chebyshev_fit(response, order: int, lam_max: float = 2.0, samples: int = 400) -> np.ndarray:
    """θ_0..θ_K with Σ θ_k T_k(2λ/λ_max - 1) ≈ h(λ) in least squares on [0, λ_max]."""
    lam = np.linspace(0, lam_max, samples)
    basis = chebyshev_basis(2 * lam / lam_max - 1, order)  # (K+1, S)
    theta, *_ = np.linalg.lstsq(basis.T, response(lam), rcond=None)
    return theta


def chebyshev_response(theta: np.ndarray, lam: np.ndarray, lam_max: float = 2.0) -> np.ndarray:
    return theta @ chebyshev_basis(2 * np.asarray(lam) / lam_max - 1, len(theta) - 1)


def chebyshev_apply(lap: np.ndarray, x: np.ndarray, theta: np.ndarray, lam_max: float = 2.0) -> np.ndarray:
    """Σ θ_k T_k(L̃) x with L̃ = 2L/λ_max - I, by the recurrence: K sparse products, no eigenvectors.
    A K-th order filter mixes only nodes at most K hops apart."""
    lt = 2 * lap / lam_max - np.eye(len(lap))
    t_prev, t_cur = x, lt @ x
    out = theta[0] * t_prev + (theta[1] * t_cur if len(theta) > 1 else 0)
    for k in range(2, len(theta)):
        t_prev, t_cur = t_cur, 2 * lt @ t_cur - t_prev
        out = out + theta[k] * t_cur
    return out
