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


class Attach(NamedTuple):
    """Told by a (re)started shard to its producer: serve this `actors.handoff.Handoff`."""

    handoff: Any


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


class JoinGroup(NamedTuple):
    """Asks the GroupRegistry to add one join of `ref` to `group` (see `actors.groups`)."""

    group: Hashable
    ref: Any
    deliver: Any = None


class LeaveGroup(NamedTuple):
    """Asks the GroupRegistry to undo one join; the reply is False if `ref` was not a member."""

    group: Hashable
    ref: Any


class MonitorGroup(NamedTuple):
    """Asks the GroupRegistry to watch `group` for `watcher`; the reply is (monitor, members)."""

    group: Hashable
    watcher: Any


class DemonitorGroup(NamedTuple):
    """Asks the GroupRegistry to end a watch; the reply is False if it was not active."""

    monitor: Any


class MemberDown(NamedTuple):
    """Told to the GroupRegistry by a dispatcher that found `ref` dead: drop it if it is."""

    ref: Any


# -- REST rate limiter (RatelimiterActor) ----------------------------------------------------


class AcquireRate(NamedTuple):
    """Asks the RatelimiterActor for permission to send; it resolves `ticket` (a
    `bot.api.ratelimits.Ticket`) now or later, and the reply (None) comes at once."""

    ticket: Any


class ReleaseRate(NamedTuple):
    """Told to the RatelimiterActor after a granted request: its `bot.api.ratelimits.Grant`
    and `Outcome` (status and rate-limit headers)."""

    grant: Any
    outcome: Any


class WakeRate(NamedTuple):
    """Told to the RatelimiterActor by a waiting caller whose deadline passed: re-check."""


class CancelRate(NamedTuple):
    """Asks the RatelimiterActor to drop a waiting ticket; the reply is False if it was
    already granted or refused."""

    ticket: Any


class RequestIdentify(NamedTuple):
    """Shard -> IdentifyQueue: may shard `shard_id` IDENTIFY? Answered by telling `requester`
    `IdentifyGranted` (at its slot) or `IdentifyRefused`; `attempt` is echoed back."""

    shard_id: int
    requester: Any
    attempt: int


class IdentifyGranted(NamedTuple):
    """IdentifyQueue -> shard: send your IDENTIFY now."""

    shard_id: int
    attempt: int


class IdentifyRefused(NamedTuple):
    """IdentifyQueue -> shard: no IDENTIFY; `error` says why (the session start limit)."""

    shard_id: int
    attempt: int
    error: Exception


class ConsumerLoad(NamedTuple):
    """A consumer's counters (`Consumer.load()`): for status screens and summaries."""

    handled: int  # events whose handler returned
    failed: int  # events whose handler raised
    in_flight: int  # events holding a worker slot: running, or waiting behind their key
