"""The pure rate-limit state: buckets, probes, shared hashes, global window, 429s, caps."""

from __future__ import annotations

import pytest

from bot.api.buckets import (
    Bucket,
    GlobalWindow,
    InvalidRequests,
    RateLimitInfo,
    parse_ratelimit_headers,
)
from bot.api.errors import InvalidRequestLimit, RatelimiterUnavailable, RateLimitWaitTooLong
from bot.api.ratelimits import Outcome, RateLimitConfig, RateLimits, Ticket
from bot.api.routes import Route


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def post(channel_id: int = 1) -> Route:
    return Route("POST", "/channels/{channel_id}/messages", channel_id=channel_id)


def headers(
    remaining: int, reset_after: float, bucket: str = "abc", limit: int = 5
) -> RateLimitInfo:
    return RateLimitInfo(limit=limit, remaining=remaining, reset_after=reset_after, bucket=bucket)


def acquire(state: RateLimits, route: Route) -> Ticket:
    ticket = Ticket(route)
    state.acquire(ticket)
    return ticket


def test_route_path_key_and_major() -> None:
    route = Route(
        "post", "/webhooks/{webhook_id}/{webhook_token}", webhook_id=5, webhook_token="t/k"
    )
    assert route.path == "/webhooks/5/t%2Fk"
    assert route.key == "POST /webhooks/{webhook_id}/{webhook_token}"
    assert route.major.startswith("5:sha256:") and "t/k" not in route.major
    other = Route("POST", route.template, webhook_id=5, webhook_token="x")
    assert other.major != route.major  # one bucket per token, still
    assert "t/k" not in repr(route)
    with pytest.raises(ValueError):
        Route("GET", "/channels/{channel_id}")


def test_no_webhook_token_in_a_grant_a_ticket_or_the_limiter_state() -> None:
    token = "webhook-token-that-is-a-secret"
    state = RateLimits(RateLimitConfig())
    template = "/webhooks/{webhook_id}/{webhook_token}"
    route = Route("POST", template, webhook_id=5, webhook_token=token)
    ticket = acquire(state, route)
    grant = ticket.grant
    assert grant is not None
    state.release(grant, Outcome(204))
    assert grant.major.startswith("5:sha256:")
    for text in (repr(grant), repr(ticket), repr(route), repr(state.buckets), repr(state)):
        assert token not in text


def test_headers_parse_in_any_case() -> None:
    info = parse_ratelimit_headers(
        {
            "X-RateLimit-Limit": "5",
            "x-ratelimit-remaining": "4",
            "X-RateLimit-Reset-After": "1.250",
            "X-RateLimit-Bucket": "h",
            "X-RateLimit-Scope": "shared",
            "Retry-After": "2",
        }
    )
    assert (info.limit, info.remaining, info.reset_after, info.bucket) == (5, 4, 1.25, "h")
    assert info.scope == "shared" and info.retry_after == 2.0 and not info.is_global


def test_unknown_bucket_sends_one_probe_then_spends_the_window() -> None:
    clock = Clock()
    state = RateLimits(clock=clock)
    first = acquire(state, post())
    second = acquire(state, post())
    assert first.grant is not None and first.grant.probe
    assert not second.done and second.deadline is None  # waits for the probe's answer
    state.release(first.grant, Outcome(200, headers(remaining=1, reset_after=1.0)))
    assert second.grant is not None and not second.grant.probe
    third = acquire(state, post())
    assert not third.done and third.deadline == pytest.approx(101.0)
    clock.now = 101.0
    state.wake()
    assert not third.done  # new window: waits until the old one has nothing in flight
    state.release(second.grant, Outcome(200, headers(remaining=0, reset_after=0.0)))
    assert third.grant is not None and third.grant.probe


def test_different_major_parameters_do_not_wait_for_each_other() -> None:
    state = RateLimits(clock=Clock())
    one = acquire(state, post(1))
    two = acquire(state, post(2))
    assert one.grant is not None and two.grant is not None


def test_routes_with_the_same_bucket_hash_share_one_window() -> None:
    clock = Clock()
    state = RateLimits(clock=clock)
    get = Route("GET", "/channels/{channel_id}/messages", channel_id=1)
    a = acquire(state, post())
    assert a.grant is not None
    state.release(a.grant, Outcome(200, headers(remaining=2, reset_after=5.0, bucket="same")))
    b = acquire(state, get)
    assert b.grant is not None and b.grant.probe
    state.release(b.grant, Outcome(200, headers(remaining=1, reset_after=5.0, bucket="same")))
    assert state.bucket_for(get) is state.bucket_for(post())
    c = acquire(state, post())
    assert c.grant is not None
    d = acquire(state, get)
    assert not d.done and d.deadline == pytest.approx(105.0)


def test_a_429_blocks_the_bucket_and_a_global_429_blocks_everything() -> None:
    clock = Clock()
    state = RateLimits(clock=clock)
    a = acquire(state, post(1))
    assert a.grant is not None
    info = RateLimitInfo(
        limit=5, remaining=0, reset_after=2.0, bucket="x", scope="user", retry_after=2.0
    )
    state.release(a.grant, Outcome(429, info))
    assert acquire(state, post(1)).deadline == pytest.approx(102.0)
    other = acquire(state, post(2))
    assert other.grant is not None
    global_info = RateLimitInfo(scope="global", is_global=True, retry_after=3.0)
    state.release(other.grant, Outcome(429, global_info))
    third = acquire(state, post(3))
    assert not third.done and third.deadline == pytest.approx(103.0)
    clock.now = 103.0
    state.wake()
    assert third.grant is not None


def test_interaction_routes_ignore_the_global_limit() -> None:
    state = RateLimits(RateLimitConfig(global_limit=1), clock=Clock())
    assert acquire(state, post(1)).grant is not None
    assert not acquire(state, post(2)).done
    callback = Route(
        "POST",
        "/interactions/{interaction_id}/{interaction_token}/callback",
        interaction_id=1,
        interaction_token="t",
        global_limited=False,
    )
    assert acquire(state, callback).grant is not None


def test_global_window_holds_a_slot_until_period_after_the_answer() -> None:
    window = GlobalWindow(limit=2, period=1.0)
    window.take()
    window.take()
    assert not window.admits(0.0) and window.ready_at(0.0) is None
    window.done(0.5, counted=True)
    assert not window.admits(1.49) and window.ready_at(1.0) == pytest.approx(1.5)
    assert window.admits(1.5)


def test_wait_past_the_cap_is_refused_at_once() -> None:
    clock = Clock()
    state = RateLimits(RateLimitConfig(max_ratelimit_wait=1.0), clock=clock)
    a = acquire(state, post())
    assert a.grant is not None
    state.release(a.grant, Outcome(200, headers(remaining=0, reset_after=30.0)))
    refused = acquire(state, post())
    assert isinstance(refused.error, RateLimitWaitTooLong)
    assert refused.error.wait == pytest.approx(30.0)


def test_invalid_requests_warn_then_refuse() -> None:
    clock = Clock()
    config = RateLimitConfig(invalid_limit=10, invalid_refuse_share=0.5, invalid_period=60.0)
    state = RateLimits(config, clock=clock)
    for _ in range(5):
        ticket = acquire(state, Route("GET", "/channels/{channel_id}", channel_id=clock.now))
        assert ticket.grant is not None
        state.release(ticket.grant, Outcome(403, None))
    refused = acquire(state, post())
    assert isinstance(refused.error, InvalidRequestLimit)
    assert refused.error.retry_after == pytest.approx(60.0)
    clock.now += 60.0
    assert acquire(state, post()).grant is not None
    assert InvalidRequests.counts(429, "user") and not InvalidRequests.counts(429, "shared")


def test_restart_fails_the_line_and_forgets_in_flight_but_keeps_windows() -> None:
    clock = Clock()
    state = RateLimits(clock=clock)
    a = acquire(state, post())
    waiting = acquire(state, post())
    assert a.grant is not None and not waiting.done
    state.restart()
    assert isinstance(waiting.error, RatelimiterUnavailable)
    fresh = acquire(state, post())
    assert fresh.grant is not None  # the old probe no longer blocks
    state.release(a.grant, Outcome(200, headers(remaining=3, reset_after=1.0)))
    assert state.bucket_for(post()).in_flight == 1  # the old grant is not counted twice


def test_bucket_without_headers_becomes_unlimited() -> None:
    bucket = Bucket()
    assert bucket.take(0.0)
    bucket.done(0.0, RateLimitInfo(), probe=True, counted=True)
    assert bucket.unlimited and bucket.admits(0.0)


def test_cancel_takes_a_ticket_out_of_line() -> None:
    state = RateLimits(clock=Clock())
    a = acquire(state, post())
    waiting = acquire(state, post())
    assert state.cancel(waiting) and state.waiting == 0
    assert a.grant is not None and not state.cancel(a)


def granted(tickets: list[Ticket]) -> list[Ticket]:
    return [t for t in tickets if t.grant is not None]


def test_a_hash_learned_on_one_channel_keeps_the_other_channels_probes() -> None:
    # Two channels probe the same route at once. Channel 1's answer teaches the route's hash;
    # channel 2's bucket, its probe still in flight, must move under the hash with it. Left
    # behind, a fresh bucket under the hash sends a second probe, and when Discord serves that
    # one first its `Remaining` is one too high: 6 requests in a window of 5.
    clock = Clock()
    state = RateLimits(clock=clock)
    one = acquire(state, post(1))
    two = acquire(state, post(2))
    assert one.grant is not None and two.grant is not None and two.grant.probe
    state.release(one.grant, Outcome(200, headers(remaining=4, reset_after=1.0, bucket="h")))
    line = [acquire(state, post(2)) for _ in range(5)]
    assert granted(line) == [] and all(t.deadline is None for t in line)  # the probe is alone
    assert state.bucket_for(post(2)) is two.grant.bucket
    # Discord served channel 2's probe first of its window: 4 left, and the client sends 4.
    clock.now += 0.05
    state.release(two.grant, Outcome(200, headers(remaining=4, reset_after=1.0, bucket="h")))
    assert len(granted(line)) == 4
    assert line[-1].deadline == pytest.approx(101.05)
    assert set(state.buckets) == {"h|1", "h|2"}


def test_a_bucket_merged_while_its_probe_flies_takes_that_probes_answer() -> None:
    # POST knows hash "same" on channel 1; GET (unknown) probes channels 1 and 2. Channel 2's
    # answer says GET shares "same": GET's channel-1 bucket, probe in flight, merges into
    # POST's, which counts that probe against its window and later takes its answer.
    clock = Clock()
    state = RateLimits(clock=clock)
    first = acquire(state, post(1))
    assert first.grant is not None
    state.release(first.grant, Outcome(200, headers(remaining=3, reset_after=1.0, bucket="same")))
    get1 = acquire(state, Route("GET", "/channels/{channel_id}/messages", channel_id=1))
    get2 = acquire(state, Route("GET", "/channels/{channel_id}/messages", channel_id=2))
    assert get1.grant is not None and get2.grant is not None
    state.release(get2.grant, Outcome(200, headers(remaining=4, reset_after=1.0, bucket="same")))
    shared = state.bucket_for(post(1))
    assert get1.grant.bucket.current() is shared
    assert shared.remaining == 2 and shared.in_flight == 1  # GET's probe counted
    posts = [acquire(state, post(1)) for _ in range(3)]
    assert len(granted(posts)) == 2 and shared.in_flight == 3
    state.release(get1.grant, Outcome(200, headers(remaining=0, reset_after=0.9, bucket="same")))
    assert shared.in_flight == 2 and shared.remaining == 0
    assert posts[-1].deadline == pytest.approx(101.0)
