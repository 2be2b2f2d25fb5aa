"""The generic fit loop and seeding: learning, logging, snapshots, progress, divergence."""

from __future__ import annotations

import random

import numpy as np
import pytest
import torch

from nnviz.core.loop import fit, load_arrays, state_arrays
from nnviz.core.seed import generator, seeded

TRUE_W = torch.tensor([[2.0, -3.0, 0.5]])
TRUE_B = torch.tensor([1.0])


def _regression(seed: int = 0):
    """A linear model, its optimiser, and batch/loss functions for y = 2a - 3b + 0.5c + 1."""
    torch.manual_seed(seed)
    model = torch.nn.Linear(3, 1)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    g = generator(seed)

    def batch_fn(step):
        x = torch.randn(32, 3, generator=g)
        return x, x @ TRUE_W.T + TRUE_B

    def loss_fn(model, batch):
        x, y = batch
        pred = model(x)
        return torch.nn.functional.mse_loss(pred, y), {"mae": (pred - y).abs().mean()}

    return model, opt, batch_fn, loss_fn


def test_fit_learns_linear_regression():
    model, opt, batch_fn, loss_fn = _regression()
    log = fit(model, opt, steps=100, batch_fn=batch_fn, loss_fn=loss_fn, log_every=10)
    loss = log.history["loss"]
    assert loss[-1] < 1e-3 < loss[0]
    assert loss[-1] < 0.01 * loss[0]
    torch.testing.assert_close(model.weight.detach(), TRUE_W, atol=0.02, rtol=0)
    torch.testing.assert_close(model.bias.detach(), TRUE_B, atol=0.02, rtol=0)
    assert log.steps_done == 100 and not log.diverged and log.diverged_step is None
    assert log.seconds > 0
    assert log.last("loss") == pytest.approx(float(loss[-1]))


def test_history_arrays_aligned_with_step():
    model, opt, batch_fn, loss_fn = _regression()
    log = fit(model, opt, steps=25, batch_fn=batch_fn, loss_fn=loss_fn, log_every=10, eval_fn=lambda m: {"w0": m.weight[0, 0]})
    h = log.history
    assert set(h) == {"step", "loss", "mae", "w0"}
    np.testing.assert_array_equal(h["step"], [10, 20, 25])  # every log_every steps and the last one
    assert h["step"].dtype == np.int64
    for name in ("loss", "mae", "w0"):
        assert h[name].shape == h["step"].shape and h[name].dtype == np.float64
    # the eval metric is the weight at that step, measured after the update
    assert h["w0"][-1] == pytest.approx(float(model.weight.detach()[0, 0]))


def test_eval_fn_runs_in_eval_mode_without_grad_and_training_resumes():
    seen = []

    class Probe(torch.nn.Linear):
        def forward(self, x):
            seen.append((self.training, torch.is_grad_enabled()))
            return super().forward(x)

    torch.manual_seed(0)
    model = Probe(3, 1)
    _, _, batch_fn, loss_fn = _regression()
    fit(
        model,
        torch.optim.SGD(model.parameters(), lr=0.1),
        steps=4,
        batch_fn=batch_fn,
        loss_fn=loss_fn,
        log_every=2,
        eval_fn=lambda m: {"out": m(torch.ones(1, 3)).sum()},
    )
    # step 1 train, step 2 train + eval, step 3 train, step 4 train + eval
    assert seen == [(True, True), (True, True), (False, False), (True, True), (True, True), (False, False)]


@pytest.mark.parametrize("steps, every, expected", [(20, 5, [0, 5, 10, 15, 20]), (23, 5, [0, 5, 10, 15, 20, 23]), (3, 1, [0, 1, 2, 3])])
def test_snapshots_every_k_steps_with_start_and_final(steps, every, expected):
    model, opt, batch_fn, loss_fn = _regression()
    log = fit(
        model,
        opt,
        steps=steps,
        batch_fn=batch_fn,
        loss_fn=loss_fn,
        snapshot_fn=lambda m, step: state_arrays(m),
        snapshot_every=every,
        log_every=5,
    )
    assert [s.step for s in log.snapshots] == expected
    first, last = log.snapshots[0], log.snapshots[-1]
    assert first.metrics == {}  # before training nothing is measured
    assert set(last.metrics) >= {"loss"}
    # the last snapshot holds the final weights, the first the initial ones; they are copies
    np.testing.assert_array_equal(last.data["weight"], model.weight.detach().numpy())
    assert not np.allclose(first.data["weight"], last.data["weight"])
    # a snapshot restores the model exactly
    fresh = torch.nn.Linear(3, 1)
    load_arrays(fresh, first.data)
    np.testing.assert_array_equal(fresh.weight.detach().numpy(), first.data["weight"])


def test_snapshot_metrics_match_logged_row():
    model, opt, batch_fn, loss_fn = _regression()
    log = fit(model, opt, steps=20, batch_fn=batch_fn, loss_fn=loss_fn, snapshot_fn=lambda m, s: {}, snapshot_every=10, log_every=10)
    for snap in log.snapshots[1:]:
        row = int(np.flatnonzero(log.history["step"] == snap.step)[0])
        assert snap.metrics["loss"] == log.history["loss"][row]
        assert snap.metrics["mae"] == log.history["mae"][row]


def test_no_snapshots_without_snapshot_every():
    model, opt, batch_fn, loss_fn = _regression()
    log = fit(model, opt, steps=5, batch_fn=batch_fn, loss_fn=loss_fn, snapshot_fn=lambda m, s: {"x": 1})
    assert log.snapshots == ()


def test_progress_called_with_step_total_metrics():
    calls = []
    model, opt, batch_fn, loss_fn = _regression()
    log = fit(model, opt, steps=25, batch_fn=batch_fn, loss_fn=loss_fn, log_every=10, progress=lambda *a: calls.append(a))
    assert [(s, t) for s, t, _ in calls] == [(10, 25), (20, 25), (25, 25)]
    for i, (_, _, metrics) in enumerate(calls):
        assert set(metrics) == {"loss", "mae"}
        assert all(isinstance(v, float) for v in metrics.values())
        assert metrics["loss"] == log.history["loss"][i]


def _nan_at(step_bad: int, value: float = float("nan")):
    model, opt, batch_fn, loss_fn = _regression()

    def bad_loss(model, batch):
        loss, metrics = loss_fn(model, batch[:2])
        if batch[2] >= step_bad:
            loss = loss + value
        return loss, metrics

    return model, opt, (lambda step: (*batch_fn(step), step)), bad_loss


@pytest.mark.parametrize("bad", [float("nan"), float("inf")])
def test_non_finite_loss_stops_run_without_raising(bad):
    model, opt, batch_fn, loss_fn = _nan_at(7, bad)
    calls = []
    log = fit(
        model,
        opt,
        steps=50,
        batch_fn=batch_fn,
        loss_fn=loss_fn,
        log_every=5,
        snapshot_fn=lambda m, s: state_arrays(m),
        snapshot_every=5,
        progress=lambda *a: calls.append(a[0]),
    )
    assert log.diverged is True
    assert log.diverged_step == 7
    assert log.steps_done == 6
    assert calls == [5]  # no progress after divergence
    assert log.history["step"][-1] == 7 and not np.isfinite(log.history["loss"][-1])
    assert len(log.history["loss"]) == len(log.history["step"]) == len(log.history["mae"])
    assert np.isnan(log.history["mae"][-1])  # the divergence row only has the loss
    assert log.last("loss") == log.history["loss"][-2]  # last() skips non-finite values
    assert [s.step for s in log.snapshots] == [0, 5]
    assert all(np.isfinite(s.data["weight"]).all() for s in log.snapshots)


def test_divergence_before_any_update_keeps_weights():
    model, opt, batch_fn, loss_fn = _nan_at(1)
    before = model.weight.detach().clone()
    log = fit(model, opt, steps=10, batch_fn=batch_fn, loss_fn=loss_fn)
    assert log.diverged and log.diverged_step == 1 and log.steps_done == 0
    torch.testing.assert_close(model.weight.detach(), before, rtol=0, atol=0)


def test_max_loss_threshold_counts_as_divergence():
    model, opt, batch_fn, loss_fn = _nan_at(4, 1e6)  # finite but huge from step 4
    log = fit(model, opt, steps=20, batch_fn=batch_fn, loss_fn=loss_fn, max_loss=1e3)
    assert log.diverged and log.diverged_step == 4 and log.steps_done == 3
    assert log.history["loss"][-1] > 1e3 and np.isfinite(log.history["loss"][-1])
    # without the threshold the same run goes on
    model, opt, batch_fn, loss_fn = _nan_at(4, 1e6)
    log = fit(model, opt, steps=20, batch_fn=batch_fn, loss_fn=loss_fn)
    assert not log.diverged and log.steps_done == 20


class _Stop(BaseException):
    """Like Streamlit's StopException / RerunException: not an Exception subclass."""


@pytest.mark.parametrize("exc", [RuntimeError("stale run"), KeyboardInterrupt(), _Stop()])
def test_exceptions_from_progress_propagate(exc):
    model, opt, batch_fn, loss_fn = _regression()
    seen = []

    def progress(step, total, metrics):
        seen.append(step)
        if step == 10:
            raise exc

    with pytest.raises(type(exc)):
        fit(model, opt, steps=100, batch_fn=batch_fn, loss_fn=loss_fn, log_every=5, progress=progress)
    assert seen == [5, 10]  # nothing ran after the interruption


def test_grad_clip_limits_update():
    torch.manual_seed(0)
    model = torch.nn.Linear(1, 1, bias=False)
    model.weight.data.fill_(0.0)
    opt = torch.optim.SGD(model.parameters(), lr=1.0)
    x = torch.full((4, 1), 10.0)
    fit(model, opt, steps=1, batch_fn=lambda s: x, loss_fn=lambda m, b: (((m(b) - 100.0) ** 2).mean(), {}), grad_clip=0.5)
    assert abs(float(model.weight.detach())) == pytest.approx(0.5, rel=1e-5)


# ----------------------------------------------------------------------------- seeding


def test_seeded_same_seed_same_numbers():
    with seeded(123):
        a = torch.randn(5), np.random.rand(3), random.random()
    with seeded(123):
        b = torch.randn(5), np.random.rand(3), random.random()
    with seeded(124):
        c = torch.randn(5)
    torch.testing.assert_close(a[0], b[0], rtol=0, atol=0)
    np.testing.assert_array_equal(a[1], b[1])
    assert a[2] == b[2]
    assert not torch.equal(a[0], c)


def test_seeded_matches_manual_seed():
    torch.manual_seed(7)
    expected = torch.randn(4)
    with seeded(7):
        got = torch.randn(4)
    torch.testing.assert_close(got, expected, rtol=0, atol=0)


def test_seeded_restores_outer_rng_state():
    torch.manual_seed(99)
    np.random.seed(99)
    random.seed(99)
    expected = torch.randn(3), np.random.rand(3), random.random()

    torch.manual_seed(99)
    np.random.seed(99)
    random.seed(99)
    with seeded(5):
        torch.randn(100)
        np.random.rand(100)
        random.random()
    got = torch.randn(3), np.random.rand(3), random.random()
    torch.testing.assert_close(got[0], expected[0], rtol=0, atol=0)
    np.testing.assert_array_equal(got[1], expected[1])
    assert got[2] == expected[2]


def test_seeded_restores_state_on_error():
    torch.manual_seed(1)
    expected = torch.randn(3)
    torch.manual_seed(1)
    with pytest.raises(ZeroDivisionError), seeded(2):
        torch.randn(10)
        1 / 0  # noqa: B018
    torch.testing.assert_close(torch.randn(3), expected, rtol=0, atol=0)


def test_generator_is_independent_and_repeatable():
    a = torch.randint(0, 100, (10,), generator=generator(3))
    torch.manual_seed(0)
    torch.randn(50)  # global draws do not disturb a private generator
    b = torch.randint(0, 100, (10,), generator=generator(3))
    assert torch.equal(a, b)
    assert not torch.equal(a, torch.randint(0, 100, (10,), generator=generator(4)))
