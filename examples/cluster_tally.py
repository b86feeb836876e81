"""A consumer for cluster demos and tests: tallies each simulator message it handles in Redis.

Every node runs it; each MESSAGE_CREATE numbered N (`content = "message N"`) of shard S adds 1
to field `S:N` of the hash `TALLY_KEY`, so a checker counts lost (0) and duplicated (> 1)
messages over all nodes. It also counts events that crossed nodes (published by another node)
and redeliveries. Where: `SHARDLINE_TALLY_REDIS` (a redis:// URL) and `SHARDLINE_TALLY_KEY`; the
node's name is `SHARDLINE_CLUSTER__NODE` (which also sets `[cluster] node`).
"""

from __future__ import annotations

import os
import threading
from typing import Any

import redis

from bot import Consumer, Event

__all__ = ["TALLY_KEY_ENV", "TALLY_REDIS_ENV", "Tally", "message_number"]

TALLY_REDIS_ENV = "SHARDLINE_TALLY_REDIS"
TALLY_KEY_ENV = "SHARDLINE_TALLY_KEY"
NODE_ENV = "SHARDLINE_CLUSTER__NODE"  # the node's name, also read by the config loader


def message_number(event: Event) -> int | None:
    """N of a simulator message `message N`, else None."""
    content = getattr(event.data, "content", "") or ""
    head, _, tail = content.partition(" ")
    return int(tail) if head == "message" and tail.isdigit() else None


class Tally(Consumer):
    """Counts every simulator message it handles, by shard and number, in Redis."""

    events = frozenset({"MESSAGE_CREATE"})

    _clients: dict[str, Any] = {}
    _lock = threading.Lock()

    def handle_event(self, event: Event) -> None:
        number = message_number(event)
        if number is None:
            return
        url = os.environ[TALLY_REDIS_ENV]
        key = os.environ[TALLY_KEY_ENV]
        with Tally._lock:
            client = Tally._clients.get(url)
            if client is None:
                client = Tally._clients[url] = redis.Redis.from_url(url)
        # One transaction: counted wholly or not at all, even if Redis dies mid-way (a handler
        # whose reply was lost raises, and its redelivery is counted as such).
        pipe = client.pipeline(transaction=True)
        pipe.hincrby(key, f"{event.shard.id}:{number}", 1)
        pipe.hincrby(f"{key}:stats", "handled", 1)
        origin = getattr(event, "origin", None)
        if origin is not None and origin != os.environ.get(NODE_ENV):
            pipe.hincrby(f"{key}:stats", "cross_node", 1)
        if event.redelivered:
            pipe.hincrby(f"{key}:stats", "redelivered", 1)
        pipe.execute()
