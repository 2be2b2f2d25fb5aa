"""Toy sequence tasks: targets on a hand example, ideal attention consistent with the targets."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from nnviz.core.seed import generator
from nnviz.data.sequences import TASKS, ideal_attention, make_batch, targets

X = torch.tensor([[3, 1, 2, 0], [5, 5, 1, 4]])


@pytest.mark.parametrize(
    "task, expected",
    [
        ("copy", [[3, 1, 2, 0], [5, 5, 1, 4]]),
        ("reverse", [[0, 2, 1, 3], [4, 1, 5, 5]]),
        ("shift", [[0, 3, 1, 2], [4, 5, 5, 1]]),  # y_i = x_(i-1), wrapping
        ("sort", [[0, 1, 2, 3], [1, 4, 5, 5]]),
    ],
)
def test_targets_hand_example(task, expected):
    y = targets(task, X)
    assert y.tolist() == expected
    assert X.tolist() == [[3, 1, 2, 0], [5, 5, 1, 4]]  # the input is not modified


@pytest.mark.parametrize(
    "task, expected",
    [
        ("copy", np.eye(4)),
        ("reverse", np.eye(4)[::-1]),
        ("shift", [[0, 0, 0, 1], [1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0]]),
        # x = 5 5 1 4, sorted 1 4 5 5: the two 5s share the weight of rows 2 and 3
        ("sort", [[0, 0, 1, 0], [0, 0, 0, 1], [0.5, 0.5, 0, 0], [0.5, 0.5, 0, 0]]),
    ],
)
def test_ideal_attention_hand_example(task, expected):
    np.testing.assert_array_equal(ideal_attention(task, np.array([5, 5, 1, 4])), np.asarray(expected, dtype=float))


def _onehot(seq, vocab):
    return np.eye(vocab)[np.asarray(seq)]


@pytest.mark.parametrize("task", TASKS)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_ideal_attention_reads_the_targets(task, seed):
    """Attending with the ideal pattern to one-hot inputs reproduces the one-hot targets exactly."""
    x, y = make_batch(task, n=6, length=7, vocab=4, generator=generator(seed))  # small vocab: many duplicates
    for xi, yi in zip(x.numpy(), y.numpy()):
        ideal = ideal_attention(task, xi)
        assert ideal.shape == (7, 7)
        np.testing.assert_allclose(ideal.sum(-1), np.ones(7))
        assert (ideal >= 0).all()
        np.testing.assert_allclose(ideal @ _onehot(xi, 4), _onehot(yi, 4), atol=1e-12)


@pytest.mark.parametrize("task", TASKS)
def test_make_batch_seeded_and_consistent(task):
    x1, y1 = make_batch(task, n=5, length=6, vocab=9, generator=generator(42))
    x2, y2 = make_batch(task, n=5, length=6, vocab=9, generator=generator(42))
    x3, _ = make_batch(task, n=5, length=6, vocab=9, generator=generator(43))
    assert torch.equal(x1, x2) and torch.equal(y1, y2)
    assert not torch.equal(x1, x3)
    assert x1.shape == y1.shape == (5, 6)
    assert x1.dtype == torch.int64
    assert int(x1.min()) >= 0 and int(x1.max()) < 9
    assert torch.equal(y1, targets(task, x1))


def test_make_batch_successive_draws_differ():
    g = generator(0)
    a, _ = make_batch("copy", n=4, length=8, vocab=10, generator=g)
    b, _ = make_batch("copy", n=4, length=8, vocab=10, generator=g)
    assert not torch.equal(a, b)


def test_make_batch_does_not_touch_global_rng():
    torch.manual_seed(0)
    expected = torch.randn(3)
    torch.manual_seed(0)
    make_batch("reverse", n=4, length=8, vocab=10, generator=generator(5))
    torch.testing.assert_close(torch.randn(3), expected, rtol=0, atol=0)


@pytest.mark.parametrize("fn", [lambda: targets("rotate", X), lambda: ideal_attention("rotate", np.arange(3))])
def test_unknown_task_raises(fn):
    with pytest.raises(ValueError, match="unknown task 'rotate'"):
        fn()
