"""The fake REST API's rate limits: per-route buckets, the global limit, injected faults, record.

Buckets work like Discord's as seen from outside: a fixed window that starts with the first
request after the last one ended, `limit` requests in it, per bucket *and* major parameter;
routes can be made to share a bucket (`share`). Every answer carries the real headers
(`X-RateLimit-Limit`, `-Remaining`, `-Reset`, `-Reset-After`, `-Bucket`). The global limit is
a sliding window over arrival times. A request that arrives while its bucket, the global window
or an injected 429 says no is a *violation*: recorded, and answered 429 with `retry_after` and
`X-RateLimit-Scope` (unless `enforce` is off). Tests inject 5xx and 429 answers with `fail_next`
and `rate_limit_next`.
"""

from __future__ import annotations

import hashlib
import math
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bot.testing.rest_routes import Reply

if TYPE_CHECKING:
    from bot.testing.rest_routes import Request, Route

__all__ = ["BucketSpec", "Limits", "RecordedRequest", "Verdict"]


@dataclass(frozen=True)
class BucketSpec:
    """`limit` requests per `window` seconds."""

    limit: int
    window: float


# Discord's global limit: 50 requests per second per bot.
# https://discord.com/developers/docs/topics/rate-limits#global-rate-limit
GLOBAL_LIMIT = 50
GLOBAL_PERIOD = 1.0
# What a route allows when not configured: Discord's create-message limit, 5 per 5 s, is the
# common case; the fake uses 5 per second so that tests stay quick.
DEFAULT_BUCKET = BucketSpec(limit=5, window=1.0)


@dataclass(frozen=True)
class RecordedRequest:
    """One request the fake served: arrival time (monotonic), route, answer, violation."""

    at: float
    method: str
    path: str
    route: str  # the template
    bucket: str  # the bucket's name
    major: str
    status: int = 0
    violation: str | None = None  # "bucket", "global" or "blocked" (inside a 429's retry_after)


@dataclass
class Verdict:
    """The limits' answer for one request: a reply to send instead, headers to add."""

    reply: Reply | None = None
    headers: dict[str, str] = field(default_factory=dict)
    violation: str | None = None
    bucket: str = ""


@dataclass
class _Window:
    count: int = 0
    reset_at: float = 0.0
    blocked_until: float = 0.0
    blocked_scope: str = "user"


@dataclass
class _Fault:
    remaining: int
    route: str | None
    status: int
    scope: str | None = None
    retry_after: float = 0.0


def _ceil_ms(seconds: float) -> float:
    # Rounded up, so a client that trusts the header is never early.
    return math.ceil(max(seconds, 0.0) * 1000) / 1000


class Limits:
    """Rate-limit knobs, injected faults and the record of requests (thread-safe)."""

    def __init__(
        self,
        *,
        default: BucketSpec = DEFAULT_BUCKET,
        buckets: dict[str, BucketSpec] | None = None,
        global_limit: int = GLOBAL_LIMIT,
        global_period: float = GLOBAL_PERIOD,
        enforce: bool = True,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.default = default
        self.buckets: dict[str, BucketSpec] = dict(buckets or {})  # bucket name -> spec
        self.global_limit = global_limit
        self.global_period = global_period
        self.enforce = enforce
        self.clock = clock
        self._shared: dict[str, str] = {}  # "METHOD /template" -> bucket name
        self._lock = threading.Lock()
        self._windows: dict[tuple[str, str], _Window] = {}
        self._global: deque[float] = deque()
        self._global_blocked_until = 0.0
        self._faults: list[_Fault] = []
        self._record: list[RecordedRequest] = []

    # -- configuration -----------------------------------------------------------------------

    def set_bucket(self, route_or_bucket: str, limit: int, window: float) -> None:
        """Sets the limit of a bucket, named by one of its routes (`"POST /channels/..."`)."""
        with self._lock:
            name = self._shared.get(route_or_bucket, route_or_bucket)
            self.buckets[name] = BucketSpec(limit, window)

    def share(self, bucket: str, *routes: str) -> None:
        """Makes `routes` (`"METHOD /template"`) count against one bucket named `bucket`."""
        with self._lock:
            for route in routes:
                self._shared[route] = bucket

    def fail_next(self, count: int = 1, *, status: int = 500, route: str | None = None) -> None:
        """The next `count` requests (to `route`, `"METHOD /template"`, if given) get `status`."""
        with self._lock:
            self._faults.append(_Fault(count, route, status))

    def rate_limit_next(
        self,
        count: int = 1,
        *,
        scope: str = "user",
        retry_after: float = 0.1,
        route: str | None = None,
    ) -> None:
        """The next `count` requests get a 429 with `scope` (user, global or shared) and hold
        their bucket (or, for global, every route) for `retry_after`."""
        if scope not in ("user", "global", "shared"):
            raise ValueError(f"unknown scope {scope!r}")
        with self._lock:
            self._faults.append(_Fault(count, route, 429, scope, retry_after))

    # -- the record --------------------------------------------------------------------------

    def recorded(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._record)

    def violations(self) -> list[RecordedRequest]:
        with self._lock:
            return [r for r in self._record if r.violation is not None]

    def clear_record(self) -> None:
        with self._lock:
            self._record.clear()

    def record(self, request: Request, verdict: Verdict, at: float, status: int) -> None:
        entry = RecordedRequest(
            at,
            request.method,
            request.path,
            request.template,
            verdict.bucket,
            request.major,
            status,
            verdict.violation,
        )
        with self._lock:
            self._record.append(entry)

    # -- admission ---------------------------------------------------------------------------

    def bucket_name(self, route: Route) -> str:
        key = f"{route.method} {route.template}"
        return self._shared.get(key, route.bucket)

    def admit(
        self, request: Request, route: Route, now: float, *, global_limited: bool = True
    ) -> Verdict:
        """Counts one arriving request; says whether it broke a limit and what to answer.

        `global_limited` is False for interaction responses and follow-ups, which Discord
        exempts from the global limit.
        """
        key = f"{route.method} {route.template}"
        with self._lock:
            name = self._shared.get(key, route.bucket)
            spec = self.buckets.get(name, self.default)
            window = self._windows.setdefault((name, request.major), _Window())
            verdict = Verdict(bucket=name)
            violation, scope, retry_after = self._check(window, spec, now, global_limited)
            if violation is None:
                if now >= window.reset_at:
                    window.count, window.reset_at = 0, now + spec.window
                window.count += 1
                if global_limited:
                    self._global.append(now)
            verdict.headers = self._headers(name, window, spec, now)
            verdict.violation = violation
            if violation is not None and self.enforce:
                verdict.reply = self._too_many(scope, retry_after, verdict.headers)
                return verdict
            fault = self._take_fault(key)
            if fault is not None:
                verdict.reply = self._inject(fault, window, now, verdict.headers)
            return verdict

    def _check(
        self, window: _Window, spec: BucketSpec, now: float, global_limited: bool
    ) -> tuple[str | None, str, float]:
        if now < window.blocked_until:
            return "blocked", window.blocked_scope, window.blocked_until - now
        if global_limited:
            if now < self._global_blocked_until:
                return "blocked", "global", self._global_blocked_until - now
            while self._global and self._global[0] <= now - self.global_period:
                self._global.popleft()
            if len(self._global) >= self.global_limit:
                return "global", "global", self._global[0] + self.global_period - now
        if now < window.reset_at and window.count >= spec.limit:
            return "bucket", "user", window.reset_at - now
        return None, "", 0.0

    def _headers(self, name: str, window: _Window, spec: BucketSpec, now: float) -> dict[str, str]:
        reset_after = _ceil_ms(window.reset_at - now)
        return {
            "X-RateLimit-Limit": str(spec.limit),
            "X-RateLimit-Remaining": str(max(0, spec.limit - window.count)),
            "X-RateLimit-Reset": f"{time.time() + reset_after:.3f}",
            "X-RateLimit-Reset-After": f"{reset_after:.3f}",
            "X-RateLimit-Bucket": hashlib.sha1(name.encode()).hexdigest()[:16],
        }

    @staticmethod
    def _too_many(scope: str, retry_after: float, headers: dict[str, str]) -> Reply:
        retry_after = _ceil_ms(retry_after)
        body: dict[str, Any] = {
            "message": "You are being rate limited.",
            "retry_after": retry_after,
            "global": scope == "global",
            "code": 0,
        }
        extra = dict(headers)
        extra["Retry-After"] = str(math.ceil(retry_after))
        extra["X-RateLimit-Scope"] = scope
        # Discord's own 429s pass through Google's front end and say so; a 429 without `Via`
        # is Cloudflare's (a ban), and clients such as discord.py read it that way.
        extra["Via"] = "1.1 google"
        if scope == "global":
            extra["X-RateLimit-Global"] = "true"
            for name in list(extra):
                if name.startswith("X-RateLimit-") and name not in (
                    "X-RateLimit-Scope",
                    "X-RateLimit-Global",
                ):
                    del extra[name]
        return Reply(429, body, extra)

    def _take_fault(self, key: str) -> _Fault | None:
        for fault in self._faults:
            if fault.remaining > 0 and (fault.route is None or fault.route == key):
                fault.remaining -= 1
                if fault.remaining == 0:
                    self._faults.remove(fault)
                return fault
        return None

    def _inject(self, fault: _Fault, window: _Window, now: float, headers: dict[str, str]) -> Reply:
        if fault.status != 429:
            return Reply(fault.status, {"code": 0, "message": f"{fault.status}: injected"})
        assert fault.scope is not None
        until = now + fault.retry_after
        if fault.scope == "global":
            self._global_blocked_until = max(self._global_blocked_until, until)
        else:
            window.blocked_until = max(window.blocked_until, until)
            window.blocked_scope = fault.scope
        return self._too_many(fault.scope, fault.retry_after, headers)
