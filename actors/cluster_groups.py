"""`RedisGroups`: process groups across nodes, with the events carried on Redis Streams.

It is a `Groups` backend (actors/groups.py) over a node's `LocalGroups`:
- membership is kept locally, as with the local backend (`members()` lists this node's);
- `dispatch(group, event)` adds the event to the group's stream (`bot.cluster.streams`), with
  the (old, new) objects the cache gave, once for the whole cluster;
- a member joined under a name listed in `durable` (a bot's consumers, by their
  `Subscription` name) gets its events from a `StreamReader` of its own Redis consumer group:
  `shared` (one group for the cluster: each event reaches one node's instance) or `broadcast`
  (a group per node: every node's instance gets every event);
- every other member (an inline `wait_for`, a test's recorder) gets the events of this node's
  tap: a broadcast group per node and stream, dispatched to the local non-durable members.

A durable member's event is acknowledged only once its handler ran (`Event.settle`, called by
the consumer); a failed handler's event is left pending, claimed again after `min_idle`, and
dead-lettered after `max_deliveries`. See docs/cluster.md.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

import redis
import structlog

from actors.groups import Deliver, GroupMonitor, MemberRef
from actors.registry import LocalGroups
from bot.cluster.errors import ClusterUnavailable
from bot.cluster.keys import Keys
from bot.cluster.streams import CLAIM_MARGIN, Delivery, EventPublisher, GroupReader
from bot.events import Event, ShardInfo

__all__ = ["ClusterEvent", "Durable", "RedisGroups", "StreamReader", "StreamSettings"]

log = structlog.get_logger(__name__)

Mode = Literal["shared", "broadcast"]

READ_BLOCK = 0.2
"""Seconds one read waits for new entries (also how soon a stopping reader notices)."""
READ_BATCH = 64
CLAIM_EVERY = 1.0
"""Seconds between sweeps for entries a dead node left unacknowledged."""
LAG_EVERY = 10.0
"""Seconds between checks that the group has not fallen behind the trim."""
BACKOFF_CAP = 5.0
ACK_BATCH = 32
"""Acknowledgements sent in one XACK at most; the rest wait for the next read (<= READ_BLOCK)."""
JOIN_TIMEOUT = 5.0


@dataclass(frozen=True, slots=True)
class StreamSettings:
    """`[cluster]` settings the readers and the publisher use."""

    min_idle: float = 30.0 + CLAIM_MARGIN
    max_deliveries: int = 5
    maxlen: int = 100_000
    sole_reader_ttl: float = 5.0


@dataclass(frozen=True, slots=True)
class Durable:
    """How a named member receives: its Redis consumer group's base name and its mode."""

    name: str
    mode: Mode = "shared"
    ordered: bool = False
    """A shared consumer with `order_by`: one node at a time reads its group, so events with
    one key are handled in order across nodes (its work is not spread over nodes)."""


class ClusterEvent(Event):
    """An event read from a stream: `redelivered`, the node that published it, and `settle`."""

    origin: str
    settle: Callable[[bool], None]
    _redelivered: bool

    @property
    def redelivered(self) -> bool:
        return self._redelivered


def _event(delivery: Delivery, settle: Callable[[bool], None]) -> ClusterEvent:
    entry = delivery.entry
    assert entry is not None
    event = ClusterEvent(entry.name, entry.data, ShardInfo(entry.shard))
    event._redelivered = delivery.redelivered
    event.origin = entry.node
    event.settle = settle
    return event


class StreamReader:
    """A thread that reads one `GroupReader` and hands each event to `deliver`."""

    def __init__(
        self,
        reader: GroupReader,
        deliver: Deliver,
        *,
        ack_at_once: bool,
        sole_ttl: float | None = None,
    ) -> None:
        """`sole_ttl`: read only while this node holds the group's sole-reader key (renewed
        at every read, lost after `sole_ttl` seconds without): an ordered shared consumer."""
        self.reader = reader
        self.deliver = deliver
        self.ack_at_once = ack_at_once  # a tap: nothing to wait for after dispatch
        self.sole_ttl = sole_ttl
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._loop, name=f"cluster-reader-{reader.redis_group}", daemon=True
        )
        self.delivered = 0
        self._acks: list[str] = []
        self._acks_lock = threading.Lock()

    def start(self, start_id: str = "$") -> StreamReader:
        self.reader.ensure_group(start_id)
        self._thread.start()
        return self

    def stop(self, timeout: float = JOIN_TIMEOUT) -> None:
        self._stop.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout)
        self._flush_acks()
        if self.sole_ttl is not None:
            try:
                self.reader.release_sole()
            except ClusterUnavailable:
                pass  # it expires after sole_ttl

    def _settled(self, entry_id: str) -> None:
        """Queues the acknowledgement of a handled entry; sent in batches (one round trip for
        up to ACK_BATCH, at the latest before the next read)."""
        with self._acks_lock:
            self._acks.append(entry_id)
            full = len(self._acks) >= ACK_BATCH
        if full:
            self._flush_acks()

    def _flush_acks(self) -> None:
        with self._acks_lock:
            acks, self._acks = self._acks, []
        if acks:
            self._safely(lambda: self.reader.ack(*acks))

    def _loop(self) -> None:
        backoff = 0.0
        next_claim = next_lag = 0.0
        clock = _monotonic
        while not self._stop.is_set():
            try:
                now = clock()
                deliveries: list[Delivery] = []
                if self.sole_ttl is not None:
                    held = self.reader.hold_sole(self.sole_ttl)
                    if held == 0:  # another node reads this group: stand by
                        self._stop.wait(self.sole_ttl / 3)
                        continue
                    if held == 2:
                        deliveries += self._take_over()
                if now >= next_claim:
                    deliveries += self.reader.claim()
                    next_claim = now + CLAIM_EVERY
                if now >= next_lag:
                    self.reader.lag()
                    next_lag = now + LAG_EVERY
                self._flush_acks()
                deliveries += self.reader.read(READ_BATCH, READ_BLOCK)
                backoff = 0.0
            except ClusterUnavailable as exc:
                backoff = min(max(backoff * 2, 0.1), BACKOFF_CAP)
                log.warning(
                    "cluster.reader_unavailable",
                    group=self.reader.redis_group,
                    reason=exc.reason,
                    retry_in=backoff,
                )
                self._stop.wait(backoff)
                continue
            for delivery in deliveries:
                self._hand(delivery)

    def _take_over(self) -> list[Delivery]:
        """This node just became the sole reader: every entry the last one left pending comes
        first, in stream order, marked redelivered (so per-key order holds over the failover)."""
        taken = self.reader.claim_all(min_idle=0.0)
        log.info("cluster.sole_reader", group=self.reader.redis_group, claimed=len(taken))
        return taken

    def _hand(self, delivery: Delivery) -> None:
        if delivery.entry is None:
            self._safely(lambda: self.reader.dead_letter(delivery.id, delivery.deliveries, "bad"))
            return
        entry_id = delivery.id

        def settle(failed: bool) -> None:
            # A failed handler's event stays pending: claimed again later, dead-lettered after
            # max_deliveries.
            if not failed:
                self._settled(entry_id)

        event = _event(delivery, (lambda _failed: None) if self.ack_at_once else settle)
        try:
            self.deliver(event)
            self.delivered += 1
        except Exception:
            log.exception("cluster.deliver_failed", group=self.reader.redis_group, entry=entry_id)
            return
        if self.ack_at_once:
            self._safely(lambda: self.reader.ack(entry_id))

    def _safely(self, call: Callable[[], None]) -> None:
        try:
            call()
        except ClusterUnavailable as exc:
            # Not acknowledged: the entry is delivered again later (redelivered = True).
            log.warning("cluster.ack_failed", group=self.reader.redis_group, reason=exc.reason)


def _monotonic() -> float:
    return time.monotonic()


class RedisGroups:
    """The cluster `Groups` backend of one node (see the module docstring)."""

    def __init__(
        self,
        local: LocalGroups,
        client: redis.Redis,
        keys: Keys,
        node: str,
        *,
        durable: Mapping[str, Durable] | None = None,
        settings: StreamSettings = StreamSettings(),
    ) -> None:
        self.local = local
        self.client = client
        self.keys = keys
        self.node = node
        self.durable = dict(durable or {})
        self.settings = settings
        self.publisher = EventPublisher(client, keys, node, settings.maxlen)
        self._lock = threading.Lock()
        self._readers: dict[tuple[Hashable, str], StreamReader] = {}
        self._taps: dict[Hashable, StreamReader] = {}
        self._closed = False
        self._closing = threading.Event()  # set by close(): a retrying dispatch gives up

    # -- Groups ----------------------------------------------------------------------------------

    def join(self, group: Hashable, ref: MemberRef, deliver: Deliver | None = None) -> None:
        """Joins locally; a durable member gets its stream reader, any other the node's tap."""
        self.local.join(group, ref, deliver)
        durable = self.durable.get(str(getattr(ref, "name", "")))
        if durable is not None:
            self._reader_for(group, durable, deliver or ref.tell)
        else:
            self._tap_for(group)

    def leave(self, group: Hashable, ref: MemberRef) -> bool:
        """Leaves locally (a durable member's reader stops with the node: its place stays)."""
        return self.local.leave(group, ref)

    def members(self, group: Hashable) -> tuple[MemberRef, ...]:
        """This node's members of `group`."""
        return self.local.members(group)

    def which_groups(self) -> tuple[Hashable, ...]:
        return self.local.which_groups()

    def monitor(self, group: Hashable, watcher: MemberRef) -> tuple[GroupMonitor, tuple[Any, ...]]:
        return self.local.monitor(group, watcher)

    def demonitor(self, monitor: GroupMonitor) -> bool:
        return self.local.demonitor(monitor)

    def dispatch(self, group: Hashable, message: Any) -> int:
        """Adds an `Event` to `group`'s stream for every node; returns 1 once it is there.

        While Redis cannot be reached it tries again (the caller, a producer, waits: its shard
        stops reading and the socket is the buffer), until it succeeds or the backend closes
        (0). Anything that is not an `Event` is dispatched to the local members only.
        """
        if not isinstance(message, Event):
            return self.local.dispatch(group, message)
        backoff = 0.0
        while not self._closed:
            try:
                self.publisher.publish(group, message.name, message.data, message.shard.id, None)
                return 1
            except ClusterUnavailable as exc:
                backoff = min(max(backoff * 2, 0.05), 0.5)
                log.warning("cluster.publish_retry", group=group, reason=exc.reason)
                self._closing.wait(backoff)
        return 0

    # -- lifecycle -------------------------------------------------------------------------------

    def prepare(self, group: Hashable) -> None:
        """Creates the shared consumer groups of `group` now (before any shard publishes), so
        events published before a node's consumer starts are not missed."""
        for durable in self.durable.values():
            if durable.mode == "shared":
                self._group_reader(group, durable).ensure_group("$")

    def close(self) -> None:
        """Stops every reader (a planned stop); this node's tap groups are removed."""
        self._closing.set()
        with self._lock:
            self._closed = True
            readers = [*self._readers.values(), *self._taps.values()]
            taps = list(self._taps.values())
        for reader in readers:
            reader.stop()
        for tap in taps:
            try:
                tap.reader.destroy_group()
            except ClusterUnavailable:
                pass

    def stats(self) -> dict[str, int]:
        """Events each reader handed on, by Redis consumer group."""
        with self._lock:
            every = [*self._readers.values(), *self._taps.values()]
        return {reader.reader.redis_group: reader.delivered for reader in every}

    # -- internals -------------------------------------------------------------------------------

    def _group_reader(self, group: Hashable, durable: Durable, consumer: str = "") -> GroupReader:
        if durable.mode == "shared":
            redis_group = f"shared:{durable.name}"
        else:
            redis_group = f"broadcast:{durable.name}:{self.node}"
        return GroupReader(
            self.client,
            self.keys,
            group,
            redis_group,
            consumer or self.node,
            min_idle=self.settings.min_idle,
            max_deliveries=self.settings.max_deliveries,
            maxlen=self.settings.maxlen,
        )

    def _reader_for(self, group: Hashable, durable: Durable, deliver: Deliver) -> None:
        with self._lock:
            if self._closed or (group, durable.name) in self._readers:
                return
            sole = durable.ordered and durable.mode == "shared"
            reader = StreamReader(
                self._group_reader(group, durable),
                deliver,
                ack_at_once=False,
                sole_ttl=self.settings.sole_reader_ttl if sole else None,
            )
            self._readers[(group, durable.name)] = reader
        reader.start("$")

    def _tap_for(self, group: Hashable) -> None:
        with self._lock:
            if self._closed or group in self._taps:
                return
            durable = {name for name in self.durable}

            def deliver(event: Any) -> None:
                for member in self.local.membership.snapshot.get(group, ()):
                    if str(getattr(member.ref, "name", "")) in durable:
                        continue
                    try:
                        member.deliver(event)
                    except Exception:
                        log.exception("groups.deliver_failed", group=group, member=str(member.ref))

            reader = GroupReader(
                self.client,
                self.keys,
                group,
                f"tap:{self.node}",
                self.node,
                min_idle=self.settings.min_idle,
                max_deliveries=self.settings.max_deliveries,
                maxlen=self.settings.maxlen,
            )
            tap = StreamReader(reader, deliver, ack_at_once=True)
            self._taps[group] = tap
        tap.start("$")
