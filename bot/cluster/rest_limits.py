"""REST rate limits across nodes: bucket state and the global limit kept in Redis.

Each node's rate limiter asks `take(bucket)` before a request (for an unknown bucket: one request
of the whole cluster goes first, to learn it) and reports the response headers
with `update(bucket, remaining, reset_after)`; both are one Lua script each, so two nodes on one
bucket share its `remaining` and never both spend the last request (no 429). `take_global()`
counts the bot's requests per second across nodes, and `pause_global(retry_after)` after a
global 429 makes every node wait (Discord docs, topics/rate-limits: the global limit is per bot).
"""

from __future__ import annotations

import time
from collections.abc import Callable

import redis

from bot.cluster import scripts
from bot.cluster.errors import translated
from bot.cluster.keys import Keys

__all__ = ["ClusterRestLimits"]


SELF_STARTED_MARGIN_MS = 250
"""Added to a bucket window the cluster starts on its own (scripts.REST_TAKE): the request's
way to Discord and the time Reset-After leaves out, so the next window is not started before
Discord's current one ended."""


PROBE_TTL_MS = 2000
"""How long the first request of an unknown bucket holds the others back at most (if its
answer never comes, another node's request learns the bucket after it)."""
PROBE_POLL_MS = 25
"""How soon a request held back by a probe asks again."""


def _now_ms() -> int:
    return int(time.time() * 1000)


class ClusterRestLimits:
    """Shared REST buckets and global limit; every method answers seconds to wait (0: go)."""

    def __init__(
        self,
        client: redis.Redis,
        keys: Keys,
        global_limit: int,
        *,
        clock_ms: Callable[[], int] = _now_ms,
    ) -> None:
        self.client = client
        self.keys = keys
        self.global_limit = global_limit
        self.clock_ms = clock_ms
        self._take = client.register_script(scripts.REST_TAKE)
        self._update = client.register_script(scripts.REST_UPDATE)
        self._global = client.register_script(scripts.GLOBAL_TAKE)

    def take(self, bucket: str) -> float:
        """Takes one request of `bucket`: 0, or seconds until its reset (ask again then)."""
        with translated("rest_take"):
            wait = self._take(
                keys=[self.keys.rest_bucket(bucket), self.keys.rest_probe(bucket)],
                args=[self.clock_ms(), SELF_STARTED_MARGIN_MS, PROBE_TTL_MS, PROBE_POLL_MS],
            )
        return int(wait) / 1000

    def update(
        self, bucket: str, remaining: int, reset_after: float, limit: int | None = None
    ) -> None:
        """Records a response's X-RateLimit-Remaining, -Reset-After and -Limit."""
        now = self.clock_ms()
        reset_after_ms = int(reset_after * 1000)
        with translated("rest_update"):
            self._update(
                keys=[self.keys.rest_bucket(bucket)],
                args=[
                    remaining,
                    now + reset_after_ms,
                    now,
                    "" if limit is None else limit,
                    reset_after_ms,
                ],
            )

    def take_global(self) -> float:
        """Counts one request against the global limit: 0, or seconds to wait."""
        with translated("rest_global"):
            wait = self._global(
                keys=[self.keys.rest_global()], args=[self.clock_ms(), self.global_limit, 0]
            )
        return int(wait) / 1000

    def pause_global(self, retry_after: float) -> None:
        """A global 429: every node waits `retry_after` seconds."""
        with translated("rest_global_pause"):
            self._global(
                keys=[self.keys.rest_global()],
                args=[self.clock_ms(), self.global_limit, max(1, int(retry_after * 1000))],
            )
