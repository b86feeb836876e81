"""What consumers receive: `Event(name, data, shard)` (stub; the pipeline work fills it in)."""

from __future__ import annotations

from typing import Any, NamedTuple


class ShardInfo:
    """The shard an event came from: its id and its heartbeat latency."""

    __slots__ = ("id", "latency")

    def __init__(self, id: int, latency: float | None = None) -> None:
        self.id = id
        self.latency = latency


class Event(NamedTuple):
    """One gateway event as a consumer gets it; `match` on it: `case Event("MESSAGE_CREATE", m)`."""

    name: str
    data: Any
    shard: ShardInfo
