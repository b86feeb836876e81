"""Events across nodes on Redis Streams: publishing, and one reader's side of a consumer group.

Every event dispatched to a process group is added once to that group's stream
(`Keys.stream(group)`, trimmed with `MAXLEN ~`). Each way of receiving it is one Redis consumer
group on the stream:

- a *shared* consumer (one group for the whole cluster, every node's instance a Redis consumer
  in it): each event goes to one of them, so the work spreads over nodes;
- a *broadcast* consumer (a group per node): every node's instance gets every event, as `pg`.

`GroupReader` is one Redis consumer of one such group, plain code with no threads (the actor in
`actors.cluster_groups` runs it):
- `read()` gives new entries (`XREADGROUP >`); each is acknowledged (`ack`) only once its
  handler ran;
- `claim()` takes entries another consumer (a dead node) left unacknowledged for longer than
  `min_idle` (`XAUTOCLAIM`, not `JUSTID`: the delivery count grows); they come back with
  `redelivered` set. An entry delivered more than `max_deliveries` times goes to the dead-letter
  stream instead (`Keys.dead_letters`), acknowledged in the same script, and is logged
  (`cluster.dead_letter`);
- an entry trimmed before it was acknowledged, and a group that fell behind the trim, are logged
  (`cluster.trimmed_unacked`, `cluster.lagging`): never skipped silently.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import Any, NamedTuple

import redis
import structlog

from bot.cluster import scripts
from bot.cluster.codec import Entry, entry_fields, parse_entry
from bot.cluster.errors import translated
from bot.cluster.keys import Keys

__all__ = ["CLAIM_MARGIN", "Delivery", "EventPublisher", "GroupReader", "Lag", "stream_id_key"]

log = structlog.get_logger(__name__)

CLAIM_MARGIN = 1.0
"""Seconds added to the handler timeout before an unacknowledged entry may be claimed: a slow
but live handler is not raced by a second delivery."""

CLAIM_BATCH = 100


def stream_id_key(entry_id: str) -> tuple[int, int]:
    """A stream id ("1700000000000-3") as a sortable pair."""
    millis, _, sequence = entry_id.partition("-")
    return int(millis), int(sequence or 0)


class Delivery(NamedTuple):
    """One entry handed to a reader: its id, the event (None if undecodable), its delivery count."""

    id: str
    entry: Entry | None
    deliveries: int

    @property
    def redelivered(self) -> bool:
        """True when an earlier delivery was not acknowledged (a dead node, a failed handler)."""
        return self.deliveries > 1


class Lag(NamedTuple):
    """Where one consumer group stands on its stream (`GroupReader.lag`)."""

    group: str
    pending: int
    lag: int | None
    behind_trim: bool


class EventPublisher:
    """Adds events to group streams for one node (no fencing: static shards; see `leases`)."""

    def __init__(self, client: redis.Redis, keys: Keys, node: str, maxlen: int) -> None:
        self.client = client
        self.keys = keys
        self.node = node
        self.maxlen = maxlen

    def publish(self, group: Hashable, name: str, data: Any, shard: int, seq: int | None) -> str:
        """Adds one event to `group`'s stream; returns its entry id."""
        fields: Any = entry_fields(name, data, shard, seq, self.node)
        with translated("publish"):
            entry_id = self.client.xadd(
                self.keys.stream(group), fields, maxlen=self.maxlen, approximate=True
            )
        return _text(entry_id)


class GroupReader:
    """One Redis consumer (`consumer`) of the consumer group `redis_group` on `group`'s stream."""

    def __init__(
        self,
        client: redis.Redis,
        keys: Keys,
        group: Hashable,
        redis_group: str,
        consumer: str,
        *,
        min_idle: float,
        max_deliveries: int,
        maxlen: int,
    ) -> None:
        self.client = client
        self.keys = keys
        self.group = group
        self.stream = keys.stream(group)
        self.dead = keys.dead_letters(group)
        self.redis_group = redis_group
        self.consumer = consumer
        self.min_idle_ms = int(min_idle * 1000)
        self.max_deliveries = max_deliveries
        self.maxlen = maxlen
        self._claim_from = "0-0"
        self._dead_letter = client.register_script(scripts.DEAD_LETTER)
        self._hold = client.register_script(scripts.HOLD_SOLE_READER)
        self._release = client.register_script(scripts.RELEASE_LEASE)

    def ensure_group(self, start: str = "$") -> bool:
        """Creates the consumer group (at `start`: "$" new events only) if it does not exist."""
        with translated("xgroup_create"):
            try:
                self.client.xgroup_create(self.stream, self.redis_group, id=start, mkstream=True)
            except redis.ResponseError as exc:
                if "BUSYGROUP" not in str(exc):
                    raise
                return False
        return True

    def destroy_group(self) -> None:
        """Removes the consumer group (a node's broadcast group, at a planned stop)."""
        with translated("xgroup_destroy"):
            self.client.xgroup_destroy(self.stream, self.redis_group)

    def read(self, count: int, block: float) -> list[Delivery]:
        """New entries for this consumer, at most `count`, waiting up to `block` seconds."""
        with translated("xreadgroup"):
            try:
                reply: Any = self.client.xreadgroup(
                    self.redis_group,
                    self.consumer,
                    {self.stream: ">"},
                    count=count,
                    block=max(1, int(block * 1000)),
                )
            except redis.ResponseError as exc:
                if "NOGROUP" not in str(exc):
                    raise
                # The stream or group went (a Redis restart lost them): made again, from now.
                log.warning("cluster.group_recreated", stream=self.stream, group=self.redis_group)
                self.ensure_group("$")
                return []
        deliveries = []
        for _stream, entries in reply or ():
            for entry_id, fields in entries:
                deliveries.append(Delivery(_text(entry_id), _parse(fields, entry_id), 1))
        return deliveries

    def hold_sole(self, ttl: float) -> int:
        """Takes or renews this group's sole-reader key for `ttl` seconds: 2 taken now, 1
        renewed, 0 held by another consumer (an ordered shared consumer reads on one node at a
        time, so events with one key are handled in stream order across nodes)."""
        with translated("hold_sole_reader"):
            held = self._hold(
                keys=[self.keys.sole_reader(self.group, self.redis_group)],
                args=[self.consumer, max(1, int(ttl * 1000))],
            )
        return int(held)

    def release_sole(self) -> None:
        """Gives the sole-reader key up (a planned stop): another node reads at once."""
        with translated("release_sole_reader"):
            self._release(
                keys=[self.keys.sole_reader(self.group, self.redis_group)], args=[self.consumer]
            )

    def claim(self, min_idle: float | None = None) -> list[Delivery]:
        """Entries left unacknowledged past `min_idle` by any consumer, now this one's.

        An entry past `max_deliveries` goes to the dead letters instead; one trimmed before its
        acknowledgement is logged. Call it every few seconds; each call scans one batch on.
        """
        with translated("xautoclaim"):
            reply: Any = self.client.xautoclaim(
                self.stream,
                self.redis_group,
                self.consumer,
                self.min_idle_ms if min_idle is None else int(min_idle * 1000),
                start_id=self._claim_from,
                count=CLAIM_BATCH,
            )
        next_id, entries = reply[0], reply[1]
        deleted = reply[2] if len(reply) > 2 else []
        self._claim_from = _text(next_id)
        for entry_id in deleted:
            log.error(
                "cluster.trimmed_unacked",
                stream=self.stream,
                group=self.redis_group,
                entry=_text(entry_id),
                advice="raise [cluster] stream_maxlen or add consumers",
            )
        claimed = []
        for entry_id, fields in entries:
            text_id = _text(entry_id)
            deliveries = self._deliveries(text_id)
            if deliveries > self.max_deliveries:
                self.dead_letter(text_id, deliveries, "max_deliveries")
                continue
            claimed.append(Delivery(text_id, _parse(fields, entry_id), deliveries))
        return claimed

    def claim_all(self, min_idle: float = 0.0, batches: int = 1000) -> list[Delivery]:
        """Every entry pending past `min_idle` (0: all of them), in stream order: what a new
        sole reader takes over first."""
        self._claim_from = "0-0"
        taken: list[Delivery] = []
        for _batch in range(batches):
            taken += self.claim(min_idle)
            if self._claim_from == "0-0":
                break
        taken.sort(key=lambda delivery: stream_id_key(delivery.id))
        return taken

    def ack(self, *entry_ids: str) -> None:
        """Acknowledges entries whose handlers ran."""
        if entry_ids:
            with translated("xack"):
                self.client.xack(self.stream, self.redis_group, *entry_ids)

    def dead_letter(self, entry_id: str, deliveries: int, reason: str) -> None:
        """Moves an entry to the dead-letter stream and acknowledges it, in one step; logged."""
        with translated("dead_letter"):
            self._dead_letter(
                keys=[self.stream, self.dead],
                args=[self.redis_group, entry_id, deliveries, reason, self.maxlen],
            )
        log.error(
            "cluster.dead_letter",
            stream=self.stream,
            group=self.redis_group,
            entry=entry_id,
            deliveries=deliveries,
            reason=reason,
            dead_letters=self.dead,
        )

    def lag(self) -> Lag:
        """This group's pending count, its lag, and whether the trim went past what it read."""
        with translated("xinfo"):
            groups: Any = self.client.xinfo_groups(self.stream)
            info: Any = self.client.xinfo_stream(self.stream)
        mine = next((g for g in groups if _text(g["name"]) == self.redis_group), None)
        if mine is None:
            return Lag(self.redis_group, 0, None, False)
        first = info.get("first-entry")
        last_read = _text(mine["last-delivered-id"])
        entries_read = mine.get("entries-read")
        unread = int(info.get("entries-added", 0)) - int(entries_read or 0)
        if entries_read is not None:
            # More entries added since what the group read than the stream still holds: some
            # of them were trimmed unread.
            behind = unread > int(info.get("length", 0))
        else:
            # Redis 6.2 counts nothing: the last entry the group read is gone from the stream,
            # so what followed it may have been trimmed unread too (reported, to be safe).
            behind = (
                first is not None
                and last_read != "0-0"
                and stream_id_key(last_read) < stream_id_key(_text(first[0]))
            )
        lag = mine.get("lag")
        pending = int(mine["pending"])
        result = Lag(self.redis_group, pending, None if lag is None else int(lag), behind)
        if behind:
            log.error(
                "cluster.lagging",
                stream=self.stream,
                group=self.redis_group,
                last_read=last_read,
                first_kept=_text(first[0]) if first else None,
                advice="entries were trimmed before this group read them",
            )
        return result

    def _deliveries(self, entry_id: str) -> int:
        with translated("xpending"):
            pending: Any = self.client.xpending_range(
                self.stream, self.redis_group, entry_id, entry_id, 1
            )
        return int(pending[0]["times_delivered"]) if pending else 1


def _parse(fields: Mapping[bytes, bytes] | None, entry_id: Any) -> Entry | None:
    if not fields:
        return None
    try:
        return parse_entry(fields)
    except Exception:
        log.exception("cluster.bad_entry", entry=_text(entry_id))
        return None


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
