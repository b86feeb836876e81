"""Discord's REST rate limits as pure accounting: one bucket, the global window, invalid requests.

No threads and no clock of their own: every method takes `now` (monotonic seconds). The
limiter (`bot.api.ratelimits`) drives them; the tests drive them with a fake clock.

How a bucket stays inside Discord's limit without ever being told it in advance:
- An unknown bucket (no headers seen yet) lets one request through, the *probe*, and holds the
  rest until the probe's answer carries `X-RateLimit-Limit/Remaining/Reset-After`.
- In a known window it spends `remaining` locally, one per request sent.
- When the window has expired, the next window starts with a probe again, sent only once no
  request of the old window is still in flight: its headers count any request of the old window
  that reached Discord after Discord's reset, so the new window is never overspent.
https://discord.com/developers/docs/topics/rate-limits
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass

__all__ = [
    "Bucket",
    "GlobalWindow",
    "InvalidRequests",
    "RateLimitInfo",
    "parse_ratelimit_headers",
]


@dataclass(frozen=True, slots=True)
class RateLimitInfo:
    """The rate-limit headers of one response (and the body's `retry_after` on a 429)."""

    limit: int | None = None
    remaining: int | None = None
    reset_after: float | None = None
    bucket: str | None = None
    scope: str | None = None  # on 429 only: "user", "global" or "shared"
    is_global: bool = False
    retry_after: float | None = None

    @property
    def has_bucket(self) -> bool:
        return self.remaining is not None and self.reset_after is not None


def _number(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        return float(value)
    except ValueError:
        return None


def parse_ratelimit_headers(
    headers: Mapping[str, str], body_retry_after: float | None = None
) -> RateLimitInfo:
    """Reads `X-RateLimit-*` and `Retry-After` from `headers` (keys in any case)."""
    lower = {key.lower(): value for key, value in headers.items()}
    limit = _number(lower.get("x-ratelimit-limit"))
    remaining = _number(lower.get("x-ratelimit-remaining"))
    retry_after = body_retry_after
    if retry_after is None:
        retry_after = _number(lower.get("retry-after"))
    return RateLimitInfo(
        limit=None if limit is None else int(limit),
        remaining=None if remaining is None else int(remaining),
        reset_after=_number(lower.get("x-ratelimit-reset-after")),
        bucket=lower.get("x-ratelimit-bucket"),
        scope=lower.get("x-ratelimit-scope"),
        is_global=lower.get("x-ratelimit-global", "").lower() == "true",
        retry_after=retry_after,
    )


class Bucket:
    """One rate-limit window of one bucket (route hash + major parameters), client side."""

    __slots__ = (
        "blocked_until",
        "in_flight",
        "known",
        "limit",
        "merged_into",
        "probing",
        "remaining",
        "reset_at",
        "unlimited",
    )

    def __init__(self) -> None:
        self.known = False  # a window's headers have been seen
        self.unlimited = False  # the route answered without bucket headers
        self.probing = False  # a probe is in flight; the others wait for its headers
        self.limit = 1
        self.remaining = 0
        self.reset_at = 0.0
        self.in_flight = 0
        self.blocked_until = 0.0  # from a 429 on this bucket
        self.merged_into: Bucket | None = None  # set once absorbed by a shared bucket

    def __repr__(self) -> str:
        return (
            f"<Bucket known={self.known} remaining={self.remaining} reset_at={self.reset_at:.3f}"
            f" in_flight={self.in_flight} probing={self.probing}>"
        )

    def admits(self, now: float) -> bool:
        """Whether a request may be sent now."""
        if now < self.blocked_until:
            return False
        if self.unlimited:
            return True
        if self.known and now < self.reset_at:
            return self.remaining > 0
        # Unknown, or a new window: one probe, once the old window has nothing in flight.
        return not self.probing and self.in_flight == 0

    def take(self, now: float) -> bool:
        """Spends one request (call only after `admits`); returns whether it is the probe."""
        self.in_flight += 1
        if self.unlimited:
            return False
        if self.known and now < self.reset_at:
            self.remaining -= 1
            return False
        self.probing = True
        return True

    def ready_at(self, now: float) -> float | None:
        """When `admits` may turn true by the clock alone; None when it waits for an answer."""
        if now < self.blocked_until:
            return self.blocked_until
        if self.unlimited:
            return now
        if self.known and now < self.reset_at:
            return now if self.remaining > 0 else self.reset_at
        return None if (self.probing or self.in_flight) else now

    def done(self, now: float, info: RateLimitInfo | None, probe: bool, counted: bool) -> None:
        """Records the answer to a request taken from this bucket.

        `counted` is False for a grant from before a limiter restart, whose in-flight count
        was already dropped; its headers still teach the window.
        """
        if counted:
            self.in_flight = max(0, self.in_flight - 1)
            if probe:
                self.probing = False
        if info is None:
            return
        if info.has_bucket:
            assert info.remaining is not None and info.reset_after is not None
            reset_at = now + info.reset_after
            if probe or not self.known or self.unlimited:
                # The probe was alone in flight: its headers are the window, exactly.
                self.known, self.unlimited = True, False
                self.remaining = info.remaining
                self.reset_at = reset_at
            else:
                self.remaining = min(self.remaining, info.remaining)
                self.reset_at = max(self.reset_at, reset_at)
            if info.limit is not None:
                self.limit = info.limit
        elif probe and info.retry_after is None:
            self.unlimited = True

    def block(self, now: float, retry_after: float) -> None:
        """A 429 on this bucket: nothing goes out before `now + retry_after`."""
        self.blocked_until = max(self.blocked_until, now + retry_after)
        self.remaining = 0
        self.reset_at = max(self.reset_at, self.blocked_until)

    def current(self) -> Bucket:
        """The bucket that now holds this one's state (itself unless merged away)."""
        bucket = self
        while bucket.merged_into is not None:
            bucket = bucket.merged_into
        return bucket

    def merge_from(self, other: Bucket) -> None:
        """Absorbs a bucket learned to be the same as this one (same `X-RateLimit-Bucket`).

        Answers to requests still in flight from `other` are recorded here (`current`).
        """
        other.merged_into = self
        self.in_flight += other.in_flight
        self.blocked_until = max(self.blocked_until, other.blocked_until)
        if other.known and not self.known:
            self.known, self.limit = True, other.limit
            self.remaining, self.reset_at = other.remaining, other.reset_at
        elif other.known:
            self.remaining = min(self.remaining, other.remaining)
            self.reset_at = max(self.reset_at, other.reset_at)

    @property
    def idle(self) -> bool:
        """Nothing in flight, nothing blocked: the bucket may be forgotten once its window ends."""
        return self.in_flight == 0 and not self.probing


class GlobalWindow:
    """The global limit: at most `limit` requests in any `period` seconds.

    A request holds its slot from being sent until `period` after its answer came back: Discord
    saw it somewhere in between, so the next request on that slot reaches Discord at least
    `period` after it, however the network reorders them.
    """

    __slots__ = ("_answered", "in_flight", "limit", "paused_until", "period")

    def __init__(self, limit: int, period: float) -> None:
        if limit < 1 or period <= 0:
            raise ValueError("global limit needs limit >= 1 and period > 0")
        self.limit = limit
        self.period = period
        self.in_flight = 0
        self.paused_until = 0.0  # from a global 429
        self._answered: deque[float] = deque()

    def _expire(self, now: float) -> None:
        answered = self._answered
        while answered and answered[0] + self.period <= now:
            answered.popleft()

    def used(self, now: float) -> int:
        self._expire(now)
        return self.in_flight + len(self._answered)

    def admits(self, now: float) -> bool:
        return now >= self.paused_until and self.used(now) < self.limit

    def take(self) -> None:
        self.in_flight += 1

    def done(self, now: float, counted: bool) -> None:
        if counted:
            self.in_flight = max(0, self.in_flight - 1)
            self._answered.append(now)

    def ready_at(self, now: float) -> float | None:
        """When a slot frees by the clock alone; None when every slot is in flight."""
        if now < self.paused_until:
            return self.paused_until
        if self.used(now) < self.limit:
            return now
        return self._answered[0] + self.period if self._answered else None

    def pause(self, now: float, retry_after: float) -> None:
        self.paused_until = max(self.paused_until, now + retry_after)

    def forget_in_flight(self) -> None:
        self.in_flight = 0


class InvalidRequests:
    """Counts 401, 403 and 429 answers (not 429 with scope "shared") over a sliding window.

    Discord bans an IP for a while past 10,000 of them in 10 minutes.
    https://discord.com/developers/docs/topics/rate-limits#invalid-request-limit-aka-cloudflare-bans
    """

    __slots__ = ("_times", "limit", "period")

    def __init__(self, limit: int, period: float) -> None:
        self.limit = limit
        self.period = period
        self._times: deque[float] = deque()

    @staticmethod
    def counts(status: int, scope: str | None) -> bool:
        return status in (401, 403) or (status == 429 and scope != "shared")

    def record(self, now: float) -> None:
        self._times.append(now)

    def count(self, now: float) -> int:
        times = self._times
        while times and times[0] + self.period <= now:
            times.popleft()
        return len(times)

    def frees_at(self, now: float, keep_below: int) -> float:
        """When the count drops below `keep_below` by expiry alone."""
        excess = self.count(now) - keep_below
        if excess < 0:
            return now
        return self._times[excess] + self.period
