"""A consumer for the multi-node REST test: each node process sends messages to one channel.

Listed in `[cluster] broadcast`, so every node's copy sees the guilds arrive; on its first
READY or guild event each node (once per process) waits at a barrier in Redis until all `NODES`
nodes are there, then sends `COUNT` messages to `CHANNEL` from `THREADS` threads at once, and counts
the messages sent (and any error) in a Redis hash. Settings: `SHARDLINE_SENDER_*` variables.
"""

from __future__ import annotations

import os
import threading
import time
from typing import Any

import redis

from bot import Consumer, Event

__all__ = ["Sender"]

BARRIER_TIMEOUT = 20.0
THREADS = 3


def setting(name: str) -> str:
    return os.environ[f"SHARDLINE_SENDER_{name}"]


class Sender(Consumer):
    """Sends its node's share of messages once, in step with the other nodes."""

    events = frozenset({"READY", "GUILD_AVAILABLE", "GUILD_CREATE"})

    _lock = threading.Lock()
    _started = False

    def handle_event(self, event: Event) -> None:
        with Sender._lock:
            if Sender._started:
                return
            Sender._started = True
        client: Any = redis.Redis.from_url(setting("REDIS"))
        key, node = setting("KEY"), os.environ["SHARDLINE_CLUSTER__NODE"]
        try:
            client.incr(f"{key}:barrier")
            deadline = time.monotonic() + BARRIER_TIMEOUT
            pause = threading.Event()
            while int(client.get(f"{key}:barrier") or 0) < int(setting("NODES")):
                if time.monotonic() > deadline:
                    client.hset(f"{key}:errors", node, "barrier timed out")
                    return
                pause.wait(0.02)  # the other nodes are other processes: nothing to wait on
            self._send_all(client, key, node)
        finally:
            client.close()

    def _send_all(self, client: Any, key: str, node: str) -> None:
        channel, count = int(setting("CHANNEL")), int(setting("COUNT"))

        def send(part: int) -> None:
            for number in range(part, count, THREADS):
                try:
                    self.api.create_message(channel, content=f"{node} {number}")
                    client.hincrby(f"{key}:sent", node, 1)
                except Exception as exc:
                    client.hset(f"{key}:errors", f"{node} {number}", repr(exc)[:200])

        threads = [threading.Thread(target=send, args=(part,)) for part in range(THREADS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
