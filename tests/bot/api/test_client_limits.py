"""The client against the simulator's rate limits: no violations, timing, 429s, 5xx, caps."""

from __future__ import annotations

import io
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import structlog

from bot import log as bot_log
from bot.api import (
    Client,
    DiscordHTTPError,
    NotFound,
    RateLimitConfig,
    RateLimited,
    RateLimitWaitTooLong,
    ServerError,
    Unauthorized,
)
from bot.testing.rest import FakeRest
from bot.testing.rest_limits import Limits

POST = "POST /channels/{channel_id}/messages"
GET_HISTORY = "GET /channels/{channel_id}/messages"


def make_client(rest: FakeRest, **config: Any) -> Client:
    retries = config.pop("server_error_retries", 3)
    return Client(
        rest.token,
        base_url=rest.base_url,
        ratelimit_config=RateLimitConfig(**config),
        backoff_base=0.01,
        server_error_retries=retries,
        timeout=10.0,
    )


@pytest.fixture
def fast_rest() -> Iterator[FakeRest]:
    """Small windows, a global limit that does not bind."""
    with FakeRest(limits=Limits(global_limit=10_000)) as fake:
        yield fake


def channels(rest: FakeRest, count: int) -> list[int]:
    guild = rest.state.add_guild()
    return [int(rest.state.add_channel(guild["id"], f"c{i}")["id"]) for i in range(count)]


def warm(client: Client, rest: FakeRest, threads: int = 100) -> None:
    """Opens `threads` pooled connections first, so the timings measure the limits alone."""
    rest.limits.set_bucket("GET /users/@me", limit=10_000, window=1.0)
    with ThreadPoolExecutor(max_workers=threads) as pool:
        for future in [pool.submit(client.get_current_user) for _ in range(threads)]:
            future.result(timeout=30)
    rest.limits.clear_record()


def post_all(client: Client, targets: list[int]) -> float:
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=len(targets)) as pool:
        futures = [pool.submit(client.create_message, c, f"m{i}") for i, c in enumerate(targets)]
        for future in futures:
            future.result(timeout=30)
    return time.monotonic() - started


def test_100_threads_on_one_channel_cause_no_violation(fast_rest: FakeRest) -> None:
    fast_rest.limits.set_bucket(POST, limit=10, window=0.1)
    (channel,) = channels(fast_rest, 1)
    with make_client(fast_rest, global_limit=10_000) as client:
        warm(client, fast_rest)
        elapsed = post_all(client, [channel] * 100)
    assert fast_rest.violations == []
    assert len(fast_rest.state.messages[str(channel)]) == 100
    # 10 windows of 0.1 s: the first opens at once, so 0.9 s is the least the limit allows.
    assert 0.9 <= elapsed < 3.0, elapsed  # the upper bound leaves room for a loaded machine


def test_100_threads_on_ten_channels_run_the_channels_in_parallel(fast_rest: FakeRest) -> None:
    fast_rest.limits.set_bucket(POST, limit=5, window=0.2)
    targets = channels(fast_rest, 10)
    with make_client(fast_rest, global_limit=10_000) as client:
        warm(client, fast_rest)
        elapsed = post_all(client, targets * 10)
    assert fast_rest.violations == []
    assert all(len(fast_rest.state.messages[str(c)]) == 10 for c in targets)
    # 10 per channel at 5 per 0.2 s: one window boundary is the least the limits allow.
    assert elapsed >= 0.2, elapsed
    # In parallel, not one channel after another: the first requests served span channels
    # (serial buckets would serve one channel's 10, across its window, before the next).
    served = sorted((r for r in fast_rest.requests if r.method == "POST"), key=lambda r: r.at)
    assert len({r.major for r in served[:10]}) >= 2, [r.major for r in served[:10]]
    # ... and not much more than the limits allow (serial channels would need 2 s; this
    # bound only catches a hang or a global serialisation, with room for a loaded machine).
    assert elapsed < 5.0, elapsed


def test_global_limit_is_kept_without_violations() -> None:
    limits = Limits(global_limit=20, global_period=0.5)
    with FakeRest(limits=limits) as rest:
        targets = channels(rest, 60)
        with make_client(rest, global_limit=20, global_period=0.5) as client:
            elapsed = post_all(client, targets)
        assert rest.violations == []
        # 60 requests at 20 per 0.5 s: the first 20 at once, then two more windows.
        assert 1.0 <= elapsed < 3.5, elapsed


def test_unknown_global_limit_is_learned_from_429s() -> None:
    # The client thinks 1000/s is fine; Discord (the fake) says 10 per 0.3 s.
    with FakeRest(limits=Limits(global_limit=10, global_period=0.3)) as rest:
        targets = channels(rest, 30)
        with make_client(rest, global_limit=1000) as client:
            post_all(client, targets)
        statuses = [r.status for r in rest.requests]
        assert statuses.count(200) == 30 and 429 in statuses


@pytest.mark.parametrize("scope", ["user", "shared", "global"])
def test_429_of_each_scope_is_waited_out_and_retried(fast_rest: FakeRest, scope: str) -> None:
    (channel,) = channels(fast_rest, 1)
    fast_rest.limits.rate_limit_next(scope=scope, retry_after=0.3, route=POST)
    with make_client(fast_rest) as client:
        started = time.monotonic()
        message = client.create_message(channel, "after 429")
        elapsed = time.monotonic() - started
        invalid = client.ratelimiter.state.invalid.count(time.monotonic())  # type: ignore[attr-defined]
    assert message.content == "after 429"
    assert [r.status for r in fast_rest.requests] == [429, 200]
    assert fast_rest.violations == []
    assert elapsed >= 0.3
    first, second = fast_rest.requests
    assert second.at - first.at >= 0.3
    assert invalid == (0 if scope == "shared" else 1)


def test_global_429_holds_every_route(fast_rest: FakeRest) -> None:
    a, b = channels(fast_rest, 2)
    fast_rest.limits.rate_limit_next(scope="global", retry_after=0.4, route=POST)
    with make_client(fast_rest) as client:
        client.create_message(a, "first")  # 429 global, then retried
        fast_rest.limits.clear_record()
        client.create_message(b, "second")
    assert fast_rest.violations == []


def test_shared_buckets_are_learned_and_kept(fast_rest: FakeRest) -> None:
    fast_rest.limits.share("messages", POST, GET_HISTORY)
    fast_rest.limits.set_bucket("messages", limit=4, window=0.2)
    (channel,) = channels(fast_rest, 1)
    with make_client(fast_rest, global_limit=10_000) as client:
        client.create_message(channel, "learn post")
        client.get_messages(channel)
        state = client.ratelimiter.state  # type: ignore[attr-defined]
        assert state.hashes[POST] == state.hashes[GET_HISTORY]
        started = time.monotonic()
        with ThreadPoolExecutor(max_workers=20) as pool:
            jobs = [
                pool.submit(client.create_message, channel, "x")
                if i % 2
                else pool.submit(client.get_messages, channel)
                for i in range(20)
            ]
            for job in jobs:
                job.result(timeout=30)
        elapsed = time.monotonic() - started
    assert fast_rest.violations == []
    # 22 requests at 4 per 0.2 s in one shared bucket: at least 5 window boundaries.
    assert elapsed >= 0.8, elapsed


def test_5xx_is_retried_for_safe_requests_only(fast_rest: FakeRest) -> None:
    (channel,) = channels(fast_rest, 1)
    with make_client(fast_rest) as client:
        fast_rest.limits.fail_next(2, status=502)
        assert client.get_channel(channel).id == channel
        assert [r.status for r in fast_rest.requests] == [502, 502, 200]
        fast_rest.limits.clear_record()
        fast_rest.limits.fail_next(1, status=500)
        with pytest.raises(ServerError) as caught:
            client.create_message(channel, "not retried")
        assert caught.value.status == 500
        assert [r.status for r in fast_rest.requests] == [500]
        fast_rest.limits.clear_record()
        fast_rest.limits.fail_next(10, status=503)
        with pytest.raises(ServerError):
            client.get_channel(channel)
        assert [r.status for r in fast_rest.requests] == [503] * 4  # 1 + 3 retries


def test_wait_past_max_ratelimit_wait_is_a_clear_error(fast_rest: FakeRest) -> None:
    fast_rest.limits.set_bucket(POST, limit=1, window=30.0)
    (channel,) = channels(fast_rest, 1)
    with make_client(fast_rest, max_ratelimit_wait=0.5) as client:
        client.create_message(channel, "one")
        started = time.monotonic()
        with pytest.raises(RateLimitWaitTooLong) as caught:
            client.create_message(channel, "two")
        assert time.monotonic() - started < 0.5
        assert caught.value.cap == 0.5 and caught.value.wait is not None
        assert caught.value.wait > 29
        fast_rest.limits.rate_limit_next(scope="user", retry_after=5.0, route=GET_HISTORY)
        with pytest.raises(RateLimited) as limited:
            client.get_messages(channel)
        assert limited.value.retry_after == 5.0 and limited.value.scope == "user"
    assert fast_rest.violations == []


def test_the_waits_of_one_call_add_up_to_at_most_max_ratelimit_wait(fast_rest: FakeRest) -> None:
    # The case (retry_after 15 s, max_ratelimit_wait 20 s: five retries, 75.7 s) scaled
    # down: whole seconds, since the fake's Retry-After header is rounded up to one.
    (channel,) = channels(fast_rest, 1)
    fast_rest.limits.rate_limit_next(6, scope="user", retry_after=1.0, route=POST)
    with make_client(fast_rest, max_ratelimit_wait=1.5) as client:
        started = time.monotonic()
        with pytest.raises(RateLimited) as limited:
            client.create_message(channel, "429 after 429")
        elapsed = time.monotonic() - started
    # one wait of 1 s fits in 1.5 s; the second would not: raised at once, not waited
    assert [r.status for r in fast_rest.requests] == [429, 429]
    assert limited.value.retry_after == 1.0
    assert 1.0 <= elapsed < 1.5 + 0.25, elapsed  # the waits, plus two local round trips
    assert fast_rest.violations == []


def test_wait_cap_also_ends_a_wait_of_unknown_length(fast_rest: FakeRest) -> None:
    # A probe whose answer never comes back in time: the others give up at the cap.
    fast_rest.limits.set_bucket(POST, limit=1, window=30.0)
    (channel,) = channels(fast_rest, 1)
    with make_client(fast_rest, max_ratelimit_wait=0.3) as client:
        limiter = client.ratelimiter
        from bot.api.routes import Route

        route = Route("POST", "/channels/{channel_id}/messages", channel_id=channel)
        probe = limiter.acquire(route)
        started = time.monotonic()
        with pytest.raises(RateLimitWaitTooLong):
            client.create_message(channel, "waits for the probe")
        assert 0.3 <= time.monotonic() - started < 2.0
        from bot.api.ratelimits import Outcome

        limiter.release(probe, Outcome(None))


def test_no_token_in_logs_reprs_or_errors(rest: FakeRest) -> None:
    stream = io.StringIO()
    saved = structlog.get_config()
    bot_log.configure(level="debug", format="json", stream=stream)
    errors: list[DiscordHTTPError] = []
    try:
        guild = rest.state.add_guild()
        channel = int(rest.state.add_channel(guild["id"])["id"])
        rest.limits.fail_next(1, status=502, route="GET /channels/{channel_id}")
        rest.limits.rate_limit_next(scope="user", retry_after=0.05, route=POST)
        with make_client(rest) as client:
            texts = [repr(client), str(client), repr(client.ratelimiter)]
            client.create_message(channel, "hello")
            client.get_channel(channel)
            for call in (
                lambda: client.get_channel(1),
                lambda: client.create_message(channel, "x" * 3000),
            ):
                try:
                    call()
                except DiscordHTTPError as exc:
                    errors.append(exc)
        with Client("wrong-" + rest.token, base_url=rest.base_url) as bad:
            try:
                bad.get_current_user()
            except Unauthorized as exc:
                errors.append(exc)
    finally:
        structlog.configure(**saved)
    assert {type(e) for e in errors} >= {NotFound, Unauthorized}
    texts += [str(e) for e in errors] + [repr(e) for e in errors]
    texts += [repr(e.__dict__) for e in errors]
    logged = stream.getvalue()
    assert "rest.rate_limited" in logged and "rest.retrying" in logged
    for text in [*texts, logged]:
        assert rest.token not in text
