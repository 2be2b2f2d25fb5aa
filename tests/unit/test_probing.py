"""Probing tools: control tasks, the binning estimator of mutual information, probes on known signals."""

from __future__ import annotations

import numpy as np
import pytest

from nnviz.models import probing as P


def test_control_labels_are_a_function_of_the_type():
    types = np.array([3, 1, 3, 2, 1, 3])
    c = P.control_labels(types, 4, seed=0)
    assert c[0] == c[2] == c[5] and c[1] == c[4]
    assert c.min() >= 0 and c.max() < 4
    np.testing.assert_array_equal(c, P.control_labels(types, 4, seed=0))


def test_entropy_of_rows_matches_scipy():
    from scipy.stats import entropy

    codes = np.array([[0, 1], [0, 1], [1, 1], [2, 0]])
    assert P.entropy_of_rows(codes) == pytest.approx(entropy([2, 1, 1], base=2))


def test_binned_information_bounds_and_extremes():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 4, 400)
    # T copies Y (one unit, value = label): I(X;T) = I(T;Y) = H(Y)
    h_y = P.entropy_of_rows(y[:, None])
    ixt, ity = P.binned_information(y[:, None].astype(float), y, n_bins=4)
    assert ixt == pytest.approx(h_y) and ity == pytest.approx(h_y)
    # T independent of Y and unique per row: I(X;T) = log2 N, I(T;Y) <= H(Y)
    t = rng.normal(size=(400, 16))
    ixt, ity = P.binned_information(t, y, n_bins=30)
    assert ixt == pytest.approx(np.log2(400))
    assert 0 <= ity <= h_y + 1e-9
    # a constant layer carries nothing
    assert P.binned_information(np.zeros((50, 3)), y[:50]) == (0.0, 0.0)


@pytest.mark.parametrize("kind,size", [("linear", 1.0), ("mlp", 32)])
def test_probe_reads_a_linear_signal_but_not_noise(kind, size):
    rng = np.random.default_rng(1)
    h = rng.normal(size=(600, 8))
    y = (h[:, 0] + 0.5 * h[:, 1] > 0).astype(int)
    noise = rng.integers(0, 2, 600)
    assert P.probe_accuracy(h[:400], y[:400], h[400:], y[400:], kind, size) > 0.9
    assert P.probe_accuracy(h[:400], noise[:400], h[400:], noise[400:], kind, size) < 0.65
