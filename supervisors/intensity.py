"""Restart intensity as a pure function (OTP's rule), tested without threads or clocks.

OTP `supervisor:add_restart/1`: each restart is recorded with the time it happened; restarts older
than `period` seconds are forgotten; if more than `intensity` remain, the supervisor gives up.
So with intensity 3 and period 5, a fourth restart within 5 s stops the supervisor, and intensity
0 means no restart at all.
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["add_restart", "restart_allowed"]


def add_restart(history: Sequence[float], now: float, period: float) -> tuple[float, ...]:
    """The restart history after one more restart at `now`, with entries older than `period` gone.

    An entry exactly `period` old still counts (OTP keeps `R >= Now - Period`).
    """
    threshold = now - period
    return (*(t for t in history if t >= threshold), now)


def restart_allowed(
    history: Sequence[float], now: float, intensity: int, period: float
) -> tuple[bool, tuple[float, ...]]:
    """Whether one more restart at `now` is within `intensity` restarts per `period` seconds.

    Returns (allowed, new history). The new history includes this restart either way.
    """
    new_history = add_restart(history, now, period)
    return len(new_history) <= intensity, new_history
