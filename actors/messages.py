"""Messages between Shardline's actors: immutable and typed."""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any, NamedTuple


class Dispatch(NamedTuple):
    """A gateway DISPATCH handed by a shard to its producer; the reply means 'ready for more'."""

    shard_id: int
    seq: int | None
    name: str
    data: Any


class ApplyEvent(NamedTuple):
    """Asks the CacheActor to apply one dispatch; the reply is what consumers get."""

    name: str
    data: Any
    shard_id: int


class GroupJoined(NamedTuple):
    """Told to a group watcher: `members` joined `group` (see `GroupRegistry.monitor`)."""

    monitor: Hashable
    group: Hashable
    members: tuple[Any, ...]


class GroupLeft(NamedTuple):
    """Told to a group watcher: `members` left `group`, by `leave` or by dying."""

    monitor: Hashable
    group: Hashable
    members: tuple[Any, ...]
