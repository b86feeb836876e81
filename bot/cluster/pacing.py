"""IDENTIFY pacing across nodes: one 5 s window per rate-limit bucket, and the shared start count.

Discord lets `max_concurrency` shards IDENTIFY per 5 s, one per bucket `shard_id %
max_concurrency` (gateway spec, "Sharding" / session_start_limit), and `session_start_limit.
remaining` sessions a day. Nodes that share a bot share both: a bucket's window is a Redis key
that lives 5 s (`scripts.IDENTIFY_TAKE` checks and takes it in one step), and the remaining
count is one counter every IDENTIFY decrements. A RESUME is no session start and skips this.
"""

from __future__ import annotations

from typing import NamedTuple

import redis

from bot.cluster import scripts
from bot.cluster.errors import translated
from bot.cluster.keys import Keys

__all__ = ["IDENTIFY_MARGIN", "IDENTIFY_WINDOW", "ClusterIdentify", "IdentifyAnswer"]

IDENTIFY_WINDOW = 5.0
"""Seconds one bucket waits between IDENTIFYs (Discord: max_concurrency per 5 seconds)."""
IDENTIFY_MARGIN = 0.25
"""Ours: added to the window. It starts when a node takes it, before its IDENTIFY reaches
Discord; another node's IDENTIFY may travel faster, so exactly 5 s could arrive as 4.999."""


class IdentifyAnswer(NamedTuple):
    """`granted`, else `wait` seconds before asking again; `exhausted` when no starts are left."""

    granted: bool
    wait: float
    remaining: int | None
    exhausted: bool = False


class ClusterIdentify:
    """The cluster-wide identify windows of one bot, asked by each node's IdentifyQueue."""

    def __init__(
        self,
        client: redis.Redis,
        keys: Keys,
        node: str,
        *,
        window: float = IDENTIFY_WINDOW + IDENTIFY_MARGIN,
    ) -> None:
        self.client = client
        self.keys = keys
        self.node = node
        self.window = window
        self._take = client.register_script(scripts.IDENTIFY_TAKE)

    def seed(self, remaining: int, reset_after: float) -> None:
        """Sets the shared start count from GET /gateway/bot unless a node already did."""
        with translated("identify_seed"):
            self.client.set(
                self.keys.session_starts(), remaining, nx=True, px=max(1, int(reset_after * 1000))
            )

    def try_identify(self, shard_id: int, max_concurrency: int) -> IdentifyAnswer:
        """Takes the window of `shard_id`'s bucket if it is free (and a start is left)."""
        bucket = shard_id % max(1, max_concurrency)
        with translated("identify_take"):
            state, value = self._take(
                keys=[self.keys.identify_window(bucket), self.keys.session_starts()],
                args=[self.node, int(self.window * 1000)],
            )
        if state == 1:
            return IdentifyAnswer(True, 0.0, None if value < 0 else int(value))
        if state == 2:
            return IdentifyAnswer(False, 0.0, 0, exhausted=True)
        return IdentifyAnswer(False, int(value) / 1000, None)
