"""RatelimiterActor: one limiter for many threads, found by name, failing fast when it dies."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import pykka
import pytest

import supervisors
from actors.messages import ReleaseRate
from actors.ratelimiter import RATELIMITER_NAME, ActorLimiter, RatelimiterActor
from bot.api import Client, RateLimitConfig, RatelimiterUnavailable
from bot.api.ratelimits import RateLimits, Ticket
from bot.testing.rest import FakeRest
from bot.testing.rest_limits import Limits
from supervisors.lifeline import lifeline_of

POST = "POST /channels/{channel_id}/messages"


class WatchedRateLimits(RateLimits):
    """`RateLimits` that notifies `changed` after each `acquire`, so a test waits for the line."""

    def __init__(self, config: RateLimitConfig) -> None:
        super().__init__(config)
        self.changed = threading.Condition()

    def acquire(self, ticket: Ticket) -> None:
        with self.changed:
            super().acquire(ticket)
            self.changed.notify_all()

    def wait_for_line(self, length: int, timeout: float) -> bool:
        """Wait until `length` callers are in line (True) or `timeout` passes (False)."""
        with self.changed:
            return self.changed.wait_for(lambda: self.waiting == length, timeout)


@pytest.fixture
def rest() -> Iterator[FakeRest]:
    with FakeRest(limits=Limits(global_limit=10_000)) as fake:
        yield fake


@pytest.fixture
def tree() -> Iterator[tuple[pykka.ActorRef[Any], supervisors.Names, WatchedRateLimits]]:
    names = supervisors.Names()
    state = WatchedRateLimits(RateLimitConfig(global_limit=10_000, max_ratelimit_wait=30.0))
    supervisor = supervisors.Supervisor.start(
        children=[RatelimiterActor.child_spec(state)], names=names, intensity=10
    )
    yield supervisor, names, state
    supervisor.stop(timeout=10)


def client_for(rest: FakeRest, names: supervisors.Names, state: RateLimits) -> Client:
    limiter = ActorLimiter.from_names(names, state)
    return Client(rest.token, base_url=rest.base_url, ratelimiter=limiter, timeout=10.0)


def channels(rest: FakeRest, count: int) -> list[int]:
    guild = rest.state.add_guild()
    return [int(rest.state.add_channel(guild["id"], f"c{i}")["id"]) for i in range(count)]


def run_all(client: Client, targets: list[int]) -> tuple[list[Future[Any]], float]:
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=len(targets)) as pool:
        futures = [pool.submit(client.create_message, c, "m") for c in targets]
        for future in futures:
            future.exception(timeout=30)
    return futures, time.monotonic() - started


def test_100_threads_through_the_actor_cause_no_violation(
    rest: FakeRest, tree: tuple[Any, supervisors.Names, RateLimits]
) -> None:
    _, names, state = tree
    rest.limits.set_bucket(POST, limit=10, window=0.1)
    one = channels(rest, 1)
    ten = channels(rest, 10)
    with client_for(rest, names, state) as client:
        futures, elapsed_one = run_all(client, one * 100)
        assert [f.exception() for f in futures if f.exception()] == []
        futures, elapsed_ten = run_all(client, ten * 10)
        assert [f.exception() for f in futures if f.exception()] == []
    assert rest.violations == []
    assert 0.9 <= elapsed_one < 3.0, elapsed_one
    assert elapsed_ten < elapsed_one, (elapsed_ten, elapsed_one)


def test_a_crash_fails_every_waiting_caller_at_once_and_the_restart_serves(
    rest: FakeRest, tree: tuple[Any, supervisors.Names, WatchedRateLimits]
) -> None:
    _, names, state = tree
    rest.limits.set_bucket(POST, limit=2, window=5.0)
    channel, other = channels(rest, 2)
    first = names.get(RATELIMITER_NAME)
    with client_for(rest, names, state) as client, ThreadPoolExecutor(20) as pool:
        client.create_message(channel, "teaches the window")
        client.create_message(channel, "spends it")
        futures = [pool.submit(client.create_message, channel, "waits") for _ in range(20)]
        assert state.wait_for_line(20, timeout=10)
        crashed_at = time.monotonic()
        first.tell(ReleaseRate(None, None))  # a malformed message: the actor crashes
        for future in futures:
            assert isinstance(future.exception(timeout=5), RatelimiterUnavailable)
        assert time.monotonic() - crashed_at < 2.0  # at once, not at the wait cap (30 s)
        # The crashed actor ends just after failing its line; the supervisor then restarts it.
        assert lifeline_of(first).wait(5)
        assert names.get(RATELIMITER_NAME, timeout=5) is not first
        assert client.create_message(other, "served by the restarted limiter").content
    assert rest.violations == []


def test_a_stopped_limiter_refuses_new_requests_clearly(rest: FakeRest) -> None:
    state = RateLimits()
    ref = RatelimiterActor.start(state)
    limiter = ActorLimiter(lambda: ref, max_ratelimit_wait=5.0)
    (channel,) = channels(rest, 1)
    with Client(rest.token, base_url=rest.base_url, ratelimiter=limiter) as client:
        assert client.create_message(channel, "ok").content == "ok"
        ref.stop()
        with pytest.raises(RatelimiterUnavailable):
            client.create_message(channel, "no limiter")
    assert [r.status for r in rest.requests] == [200]


def test_one_call_through_the_actor_waits_at_most_max_ratelimit_wait_in_all(
    rest: FakeRest, tree: tuple[pykka.ActorRef[Any], supervisors.Names, WatchedRateLimits]
) -> None:
    from bot.api import RateLimited

    _supervisor, names, _state = tree
    # the actor keeps its own state (a 30 s cap); the limiter the client uses caps at 1.5 s
    state = RateLimits(RateLimitConfig(global_limit=10_000, max_ratelimit_wait=1.5))
    (channel,) = channels(rest, 1)
    rest.limits.rate_limit_next(6, scope="user", retry_after=1.0, route=POST)
    with client_for(rest, names, state) as client:
        started = time.monotonic()
        with pytest.raises(RateLimited):
            client.create_message(channel, "m")
        elapsed = time.monotonic() - started
    assert [r.status for r in rest.requests] == [429, 429]
    assert elapsed < 1.5 + 0.25, elapsed
