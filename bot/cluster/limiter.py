"""`ClusterLimiter`: a REST `Limiter` that also asks the cluster's shared limits first.

It wraps the node's own limiter (`bot.api.limiter.Limiter`; in a bot the `RatelimiterActor`'s
`ActorLimiter`): once the node's limiter grants a request, the cluster's bucket for the route
(`route key | major`) and the global limit are taken in Redis (`ClusterRestLimits`, one script
each), waiting in the caller's thread when they say so (never past `max_ratelimit_wait`).
Before any node has an answer for a bucket one request of the cluster goes to learn it (a
probe, held at most `PROBE_TTL_MS`); the others wait for its answer. Each
answer's headers are written back; a global 429 pauses every node. If Redis cannot be reached
the node's own limiter still paces it (logged, `cluster.rest_limits_unavailable`).

Buckets are shared by route and major parameter; routes that Discord groups under one bucket
hash are only merged within a node (by its own limiter).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import structlog

from bot.api.errors import RateLimitWaitTooLong
from bot.api.limiter import Limiter
from bot.api.ratelimits import Grant, Outcome
from bot.api.routes import Route
from bot.cluster.errors import ClusterUnavailable
from bot.cluster.rest_limits import ClusterRestLimits

__all__ = ["ClusterLimiter"]

log = structlog.get_logger(__name__)

TOO_MANY_REQUESTS = 429


class ClusterLimiter:
    """The node's `Limiter`, with the cluster's shared buckets and global limit in front."""

    def __init__(
        self,
        inner: Limiter,
        limits: ClusterRestLimits,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.inner = inner
        self.limits = limits
        self.clock = clock
        self._pause = threading.Event()  # never set: what a caller waits on

    @property
    def max_ratelimit_wait(self) -> float:
        return self.inner.max_ratelimit_wait

    def acquire(self, route: Route, max_wait: float | None = None) -> Grant:
        """Waits for the node's limiter, then for the cluster's global limit and bucket, at
        most `max_wait` seconds in all (None: `max_ratelimit_wait`).

        The node's grant comes first: a caller waiting in the node's line has not yet spent the
        cluster's count, so one taken before that wait could not reflect the answers that
        arrive during it.
        """
        cap = self.max_ratelimit_wait
        if max_wait is not None:
            cap = min(cap, max_wait)
        deadline = self.clock() + cap
        grant = self.inner.acquire(route, cap)
        key = f"{route.key}|{route.major}"
        while True:
            try:
                wait = self.limits.take_global() if route.global_limited else 0.0
                if wait <= 0:
                    wait = self.limits.take(key)
            except ClusterUnavailable as exc:
                log.warning("cluster.rest_limits_unavailable", route=route.key, reason=exc.reason)
                return grant
            if wait <= 0:
                return grant
            if self.clock() + wait > deadline:
                self.inner.release(grant, Outcome(None))  # not sent: nothing to learn
                raise RateLimitWaitTooLong(wait, cap, route=route.key)
            self._pause.wait(wait)

    def release(self, grant: Grant, outcome: Outcome) -> None:
        """Hands the answer to the node's limiter and writes its headers to the cluster."""
        self.inner.release(grant, outcome)
        info = outcome.info
        if info is None or outcome.status is None or outcome.status >= 500:
            return
        key = f"{grant.route_key}|{grant.major}"
        try:
            if outcome.status == TOO_MANY_REQUESTS and (info.is_global or info.scope == "global"):
                self.limits.pause_global(info.retry_after or 1.0)
            elif outcome.status == TOO_MANY_REQUESTS:
                self.limits.update(key, 0, info.retry_after or 1.0)
            elif info.remaining is not None and info.reset_after is not None:
                self.limits.update(key, info.remaining, info.reset_after, info.limit)
        except ClusterUnavailable as exc:
            log.warning("cluster.rest_limits_unavailable", route=grant.route_key, reason=exc.reason)
