"""Restart intensity (pure, injected time), backoff delays and child spec defaults."""

from __future__ import annotations

import math

import pytest

from supervisors import (
    Backoff,
    ChildSpec,
    ChildSpecError,
    ChildType,
    Restart,
    add_restart,
    restart_allowed,
)


def test_restarts_within_intensity_are_allowed() -> None:
    history: tuple[float, ...] = ()
    for now in (0.0, 1.0, 2.0):
        allowed, history = restart_allowed(history, now, intensity=3, period=5.0)
        assert allowed
    allowed, history = restart_allowed(history, 3.0, intensity=3, period=5.0)
    assert not allowed
    assert history == (0.0, 1.0, 2.0, 3.0)


def test_old_restarts_are_forgotten() -> None:
    history = (0.0, 1.0, 2.0)
    allowed, history = restart_allowed(history, 6.5, intensity=3, period=5.0)
    assert allowed
    assert history == (2.0, 6.5)


def test_restart_exactly_period_old_still_counts() -> None:
    # OTP keeps R >= Now - Period.
    assert add_restart((0.0,), 5.0, 5.0) == (0.0, 5.0)
    assert add_restart((0.0,), 5.01, 5.0) == (5.01,)


def test_intensity_zero_allows_no_restart() -> None:
    allowed, _ = restart_allowed((), 0.0, intensity=0, period=1.0)
    assert not allowed


def test_backoff_grows_to_cap_with_jitter_bounds() -> None:
    backoff = Backoff(initial=1.0, maximum=8.0, multiplier=2.0, jitter=0.25)
    assert [backoff.delay(n, 0.5) for n in range(5)] == [1.0, 2.0, 4.0, 8.0, 8.0]
    assert backoff.delay(0, 0.0) == pytest.approx(0.75)
    assert backoff.delay(0, 1.0) == pytest.approx(1.25)
    assert backoff.delay(10_000, 0.5) == 8.0
    assert backoff.reset_time == 8.0


def test_bad_backoff_is_refused() -> None:
    with pytest.raises(ChildSpecError):
        Backoff(initial=2.0, maximum=1.0)
    with pytest.raises(ChildSpecError):
        Backoff(jitter=2.0)


def test_child_spec_defaults_as_otp() -> None:
    worker = ChildSpec("w", lambda: None)
    assert worker.restart is Restart.PERMANENT
    assert worker.type is ChildType.WORKER
    assert worker.shutdown == 5.0
    assert worker.significant is False
    assert worker.backoff is None
    sup = ChildSpec("s", lambda: None, type=ChildType.SUPERVISOR)
    assert sup.shutdown == math.inf


def test_permanent_significant_child_is_refused() -> None:
    with pytest.raises(ChildSpecError):
        ChildSpec("w", lambda: None, significant=True)
    ChildSpec("w", lambda: None, restart=Restart.TRANSIENT, significant=True)
