"""IDENTIFY pacing: buckets, 5 s windows and the session start limit, on a fake clock."""

from __future__ import annotations

import pytest

from bot.gateway.identify import IdentifyPacer, SessionStartLimit, SessionStartLimitError


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_one_identify_per_bucket_per_window():
    clock = Clock()
    pacer = IdentifyPacer(SessionStartLimit(max_concurrency=2), clock=clock)
    assert [pacer.reserve(shard) for shard in range(6)] == [0.0, 0.0, 5.0, 5.0, 10.0, 10.0]
    clock.now += 7.0
    assert pacer.reserve(6) == 8.0  # bucket 0 is booked until t+15
    clock.now += 20.0
    assert pacer.reserve(0) == 0.0


def test_session_start_limit_from_gateway_bot():
    limit = SessionStartLimit.from_dict(
        {"total": 1000, "remaining": 2, "reset_after": 60_000, "max_concurrency": 16}
    )
    assert limit == SessionStartLimit(1000, 2, 60.0, 16)


def test_a_start_that_would_exhaust_the_limit_is_refused():
    clock = Clock()
    pacer = IdentifyPacer(SessionStartLimit(1000, 2, 60.0, 1), clock=clock)
    with pytest.raises(SessionStartLimitError, match="3 session start") as info:
        pacer.check_start(3)
    assert (info.value.remaining, info.value.can_reconnect) == (2, False)
    pacer.check_start(2)
    pacer.reserve(0)
    pacer.reserve(1)
    with pytest.raises(SessionStartLimitError):
        pacer.reserve(2)
    clock.now += 61.0  # the daily window reset
    assert pacer.remaining == 1000
    pacer.reserve(2)
    assert pacer.remaining == 999


def test_zero_reset_after_never_gives_starts_back():
    clock = Clock()
    pacer = IdentifyPacer(SessionStartLimit(1000, 1, 0.0, 1), clock=clock)
    pacer.reserve(0)
    clock.now += 10_000
    with pytest.raises(SessionStartLimitError):
        pacer.check_start(1)
