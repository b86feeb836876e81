"""The REST rate limiter's state: buckets by route, the global window, and the callers in line.

`RateLimits` is single-threaded pure code with an injected clock; whoever owns it serialises the
calls (the `RatelimiterActor`, or `LocalLimiter`'s lock). Callers wait on their `Ticket`, which
the state grants, refuses or fails; it never blocks and never sleeps. The state outlives a
crash of the actor that drives it: `restart()` fails the callers in line and forgets what was
in flight, but keeps every learned window and bucket hash.

Buckets are keyed by Discord's `X-RateLimit-Bucket` hash once a route has answered (so routes
Discord groups share one bucket), else by the route's own key; both plus the major parameters.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

import structlog

from bot.api.buckets import Bucket, GlobalWindow, InvalidRequests, RateLimitInfo
from bot.api.errors import (
    DiscordHTTPError,
    InvalidRequestLimit,
    RatelimiterUnavailable,
    RateLimitWaitTooLong,
)
from bot.api.routes import Route

__all__ = [
    "DEFAULT_GLOBAL_LIMIT",
    "Grant",
    "Outcome",
    "RateLimitConfig",
    "RateLimits",
    "Ticket",
]

log = structlog.get_logger(__name__)

# 50 requests per second per bot. https://discord.com/developers/docs/topics/rate-limits#global-rate-limit
DEFAULT_GLOBAL_LIMIT = 50
DEFAULT_GLOBAL_PERIOD = 1.0
# 10,000 invalid (401, 403, 429) requests per 10 minutes, past which Cloudflare bans the IP.
# https://discord.com/developers/docs/topics/rate-limits#invalid-request-limit-aka-cloudflare-bans
INVALID_REQUEST_LIMIT = 10_000
INVALID_REQUEST_PERIOD = 600.0
# Idle buckets whose window ended this long ago are forgotten, so the table cannot grow forever.
BUCKET_IDLE_TTL = 300.0


@dataclass(frozen=True, slots=True)
class RateLimitConfig:
    """The limiter's knobs (all seconds). Defaults are Discord's limits."""

    global_limit: int = DEFAULT_GLOBAL_LIMIT
    global_period: float = DEFAULT_GLOBAL_PERIOD
    max_ratelimit_wait: float = 60.0
    invalid_limit: int = INVALID_REQUEST_LIMIT
    invalid_period: float = INVALID_REQUEST_PERIOD
    invalid_warn_share: float = 0.8  # log a warning once past this share of the limit
    invalid_refuse_share: float = 0.95  # refuse to send past this share of the limit


@dataclass(frozen=True, slots=True)
class Grant:
    """Permission to send one request; hand it back with the answer (`RateLimits.release`)."""

    ticket_id: int
    route_key: str
    major: str
    bucket: Bucket
    global_limited: bool
    probe: bool
    epoch: int


@dataclass(frozen=True, slots=True)
class Outcome:
    """What came back for a granted request: status (None if no answer) and its headers."""

    status: int | None
    info: RateLimitInfo | None = None


class Ticket:
    """One caller's place in line. The state resolves it once: grant, or error.

    The state also moves its `deadline` (when the caller should ask for a re-check); the
    caller sleeps in `wait_change` until either happens, so a nearer deadline is never missed.
    """

    __slots__ = (
        "_cond",
        "_done",
        "_version",
        "deadline",
        "enqueued_at",
        "error",
        "grant",
        "id",
        "max_wait",
        "route",
    )

    _ids = itertools.count(1)

    def __init__(self, route: Route, max_wait: float | None = None) -> None:
        self.id = next(Ticket._ids)
        self.route = route
        self.max_wait = max_wait
        """The most this caller may still wait (what is left of its call's budget); None:
        the config's `max_ratelimit_wait`."""
        self.grant: Grant | None = None
        self.error: DiscordHTTPError | None = None
        self.deadline: float | None = None
        self.enqueued_at = 0.0
        self._done = False
        self._version = 0
        self._cond = threading.Condition(threading.Lock())

    def __repr__(self) -> str:
        return f"<Ticket {self.id} {self.route!r} done={self._done}>"

    def resolve(self, grant: Grant | None, error: DiscordHTTPError | None = None) -> bool:
        """Sets the outcome once; False if it was already resolved (say, cancelled)."""
        with self._cond:
            if self._done:
                return False
            self.grant, self.error, self._done = grant, error, True
            self._cond.notify_all()
            return True

    def set_deadline(self, deadline: float | None) -> None:
        if deadline != self.deadline:
            with self._cond:
                self.deadline = deadline
                self._version += 1
                self._cond.notify_all()

    @property
    def done(self) -> bool:
        return self._done

    @property
    def version(self) -> int:
        return self._version

    def wait_change(self, seen_version: int, timeout: float) -> bool:
        """Sleeps until resolved, the deadline moves past `seen_version`, or `timeout`;
        returns whether it is resolved."""
        with self._cond:
            if not self._done and self._version == seen_version:
                self._cond.wait(timeout)
            return self._done


class RateLimits:
    """Every bucket, the global window, the invalid-request count, and the callers in line."""

    def __init__(
        self,
        config: RateLimitConfig | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.config = config or RateLimitConfig()
        self.clock = clock
        self.global_window = GlobalWindow(self.config.global_limit, self.config.global_period)
        self.invalid = InvalidRequests(self.config.invalid_limit, self.config.invalid_period)
        self.buckets: dict[str, Bucket] = {}
        self.hashes: dict[str, str] = {}  # route key -> X-RateLimit-Bucket
        self.epoch = 0
        self._waiting: deque[Ticket] = deque()
        self._invalid_warned = False
        self._last_sweep = clock()

    # -- the caller's side -------------------------------------------------------------------

    def acquire(self, ticket: Ticket) -> None:
        """Grants the ticket now, refuses it, or puts it in line (its `deadline` says when to
        call `wake`; None means an answer in flight will wake it)."""
        now = self.clock()
        ticket.enqueued_at = now
        refusal = self._refusal(ticket.route, now)
        if refusal is not None:
            ticket.resolve(None, refusal)
            return
        if not self._waiting and self._try_grant(ticket, now):
            return
        wait = self._ready_at(ticket.route, now)
        cap = self.config.max_ratelimit_wait
        if ticket.max_wait is not None:
            cap = min(cap, ticket.max_wait)
        if wait is not None and wait - now > cap:
            route = ticket.route.key
            ticket.resolve(None, RateLimitWaitTooLong(wait - now, cap, route=route))
            return
        self._waiting.append(ticket)
        self._pump(now)

    def release(self, grant: Grant, outcome: Outcome) -> None:
        """Records the answer to a granted request and lets the next callers through."""
        now = self.clock()
        counted = grant.epoch == self.epoch
        info = outcome.info
        status = outcome.status
        # Only a real answer teaches the window; a 5xx or a lost connection says nothing.
        teaches = status is not None and status < 500
        bucket = grant.bucket.current()  # another route's bucket, if it merged into one
        probe = grant.probe and bucket is grant.bucket  # a merged probe is not alone there
        bucket.done(now, info if teaches else None, probe, counted)
        if grant.global_limited:
            self.global_window.done(now, counted)
        if teaches and info is not None:
            if info.bucket and counted:
                self._learn_hash(grant, info.bucket)
            if status == 429:
                self._record_429(grant, info, now)
        if status is not None and InvalidRequests.counts(status, info.scope if info else None):
            self.invalid.record(now)
            self._check_invalid(now)
        self._pump(now)

    def wake(self) -> None:
        """Re-checks the line against the clock (a caller's deadline passed)."""
        self._pump(self.clock())

    def cancel(self, ticket: Ticket) -> bool:
        """Takes a waiting ticket out of line; False if it was already granted or refused."""
        if not ticket.resolve(None, RateLimitWaitTooLong(None, self.config.max_ratelimit_wait)):
            return False
        try:
            self._waiting.remove(ticket)
        except ValueError:
            pass
        return True

    def fail_all(self, error: DiscordHTTPError) -> int:
        """Fails every caller in line with `error`; returns how many there were."""
        failed = 0
        while self._waiting:
            if self._waiting.popleft().resolve(None, error):
                failed += 1
        return failed

    def restart(self) -> None:
        """For a restarted limiter: fails the line and forgets what was in flight.

        Answers to grants from before (`epoch` older) still teach their window but no longer
        count as in flight.
        """
        self.fail_all(RatelimiterUnavailable("rate limiter restarted"))
        self.epoch += 1
        for bucket in self.buckets.values():
            bucket.in_flight = 0
            bucket.probing = False
        self.global_window.forget_in_flight()

    @property
    def waiting(self) -> int:
        return len(self._waiting)

    # -- inside ------------------------------------------------------------------------------

    def _key(self, route_key: str, major: str) -> str:
        return f"{self.hashes.get(route_key, route_key)}|{major}"

    def bucket_for(self, route: Route) -> Bucket:
        key = self._key(route.key, route.major)
        bucket = self.buckets.get(key)
        if bucket is None:
            bucket = self.buckets[key] = Bucket()
        return bucket

    def _refusal(self, route: Route, now: float) -> DiscordHTTPError | None:
        refuse_at = int(self.config.invalid_limit * self.config.invalid_refuse_share)
        count = self.invalid.count(now)
        if count >= refuse_at:
            retry_after = self.invalid.frees_at(now, refuse_at) - now
            return InvalidRequestLimit(count, refuse_at, retry_after, route=route.key)
        return None

    def _try_grant(self, ticket: Ticket, now: float) -> bool:
        route = ticket.route
        bucket = self.bucket_for(route)
        if not bucket.admits(now):
            return False
        if route.global_limited and not self.global_window.admits(now):
            return False
        probe = bucket.take(now)
        if route.global_limited:
            self.global_window.take()
        grant = Grant(
            ticket.id, route.key, route.major, bucket, route.global_limited, probe, self.epoch
        )
        if not ticket.resolve(grant):
            # Cancelled meanwhile: hand the slot straight back.
            bucket.done(now, None, probe, True)
            if route.global_limited:
                self.global_window.in_flight -= 1
            return True
        return True

    def _ready_at(self, route: Route, now: float) -> float | None:
        """When `route` may be granted by the clock alone; None if it waits for an answer."""
        bucket_at = self.bucket_for(route).ready_at(now)
        if not route.global_limited or bucket_at is None:
            return bucket_at
        global_at = self.global_window.ready_at(now)
        return None if global_at is None else max(bucket_at, global_at)

    def _pump(self, now: float) -> None:
        if self._waiting:
            line, self._waiting = self._waiting, deque()
            for ticket in line:
                if ticket.done:
                    continue
                if not self._try_grant(ticket, now):
                    ticket.set_deadline(self._ready_at(ticket.route, now))
                    self._waiting.append(ticket)
        if now - self._last_sweep > BUCKET_IDLE_TTL:
            self._sweep(now)

    def _learn_hash(self, grant: Grant, bucket_hash: str) -> None:
        old_prefix = self.hashes.get(grant.route_key, grant.route_key)
        if old_prefix == bucket_hash:
            return
        self.hashes[grant.route_key] = bucket_hash
        if old_prefix == grant.route_key:
            # The hash holds for every major of the route (Discord's excludes them): all its
            # buckets move. One left behind with its probe in flight would get a fresh twin
            # under the hash, whose second probe's headers would be taken as the window.
            prefix = f"{old_prefix}|"
            majors = [key[len(prefix) :] for key in self.buckets if key.startswith(prefix)]
            if grant.major not in majors:
                majors.append(grant.major)
        else:
            # A changed hash: the old one may be shared by other routes; only this major moves.
            majors = [grant.major]
        for major in majors:
            answered = major == grant.major
            own = self.buckets.pop(f"{old_prefix}|{major}", grant.bucket if answered else None)
            if own is not None:
                self._move(own, f"{bucket_hash}|{major}", answered)
        log.debug("rest.bucket_learned", route=grant.route_key, bucket=bucket_hash)

    def _move(self, own: Bucket, new_key: str, answered: bool) -> None:
        """Files `own` under `new_key`, merging it into a bucket another route keeps there."""
        shared = self.buckets.get(new_key)
        if shared is None or shared is own:
            self.buckets[new_key] = own
            return
        # Another route knows this bucket. Its local count lacks an answered probe (whose
        # headers include it) and every request of `own` still in flight.
        spent = own.in_flight + (1 if answered else 0)
        known_before, local_left = shared.known, shared.remaining - spent
        shared.merge_from(own)
        if known_before:
            shared.remaining = max(0, min(local_left, shared.remaining))
        log.debug("rest.bucket_shared", bucket=new_key.partition("|")[0])

    def _record_429(self, grant: Grant, info: RateLimitInfo, now: float) -> None:
        retry_after = info.retry_after if info.retry_after is not None else 1.0
        if info.is_global or info.scope == "global":
            self.global_window.pause(now, retry_after)
        else:
            # user or shared scope: this bucket (with the hash just learned) waits it out.
            self.buckets.get(self._key(grant.route_key, grant.major), grant.bucket).block(
                now, retry_after
            )
        log.warning(
            "rest.rate_limited",
            route=grant.route_key,
            scope=info.scope or ("global" if info.is_global else "user"),
            retry_after=retry_after,
        )

    def _check_invalid(self, now: float) -> None:
        count = self.invalid.count(now)
        warn_at = int(self.config.invalid_limit * self.config.invalid_warn_share)
        if count >= warn_at and not self._invalid_warned:
            self._invalid_warned = True
            log.warning(
                "rest.invalid_requests_high",
                count=count,
                limit=self.config.invalid_limit,
                period=self.config.invalid_period,
            )
        elif count < warn_at:
            self._invalid_warned = False

    def _sweep(self, now: float) -> None:
        self._last_sweep = now
        stale = [
            key
            for key, bucket in self.buckets.items()
            if bucket.idle and now > max(bucket.reset_at, bucket.blocked_until) + BUCKET_IDLE_TTL
        ]
        waiting_keys = {self._key(t.route.key, t.route.major) for t in self._waiting}
        for key in stale:
            if key not in waiting_keys:
                del self.buckets[key]
