"""Helpers of the groups tests: a recording member, and Groups backends to run them on."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import redis

from actors.cluster_groups import Durable, RedisGroups, StreamSettings
from actors.groups import Groups
from actors.registry import start_local_groups
from bot.cluster import Keys

_ids = itertools.count(1)

WAIT = 5.0


class Recorder:
    """A group member that records what it is handed; `wait_for(n)` waits for n messages."""

    def __init__(self, name: str = "", settle_failed: Callable[[Any], bool] | None = None) -> None:
        self.name = name
        self.actor_urn = f"urn:test:recorder:{next(_ids)}"
        self.received: list[Any] = []
        self._cond = threading.Condition()
        self._settle_failed = settle_failed

    def is_alive(self) -> bool:
        return True

    def tell(self, message: Any) -> None:
        with self._cond:
            self.received.append(message)
            self._cond.notify_all()
        settle = getattr(message, "settle", None)
        if settle is not None:
            settle(self._settle_failed(message) if self._settle_failed else False)

    def wait_for(self, count: int, timeout: float = WAIT) -> list[Any]:
        with self._cond:
            self._cond.wait_for(lambda: len(self.received) >= count, timeout)
            return list(self.received)


@contextmanager
def local_backend() -> Iterator[Groups]:
    groups, registry = start_local_groups()
    try:
        yield groups
    finally:
        registry.stop()


@contextmanager
def redis_backend(
    url: str,
    prefix: str,
    node: str = "node-a",
    durable: dict[str, Durable] | None = None,
    settings: StreamSettings | None = None,
) -> Iterator[RedisGroups]:
    local, registry = start_local_groups()
    client = redis.Redis.from_url(url)
    groups = RedisGroups(
        local,
        client,
        Keys(prefix),
        node,
        durable=durable,
        settings=settings or StreamSettings(min_idle=0.05, max_deliveries=3, maxlen=10_000),
    )
    try:
        yield groups
    finally:
        groups.close()
        registry.stop()
        client.close()
