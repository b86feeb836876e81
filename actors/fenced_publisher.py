"""How a leased shard's events reach Redis: `FencedGroups` queues them, `FencedPublisher` sends
them in batches (docs/cluster.md, "Publishing").

Each producer's `FencedGroups.dispatch_seq` puts its event in its shard's queue and returns; the
node's one publisher thread takes what every shard has queued and sends each shard's run of
events in one script call (`ShardLeases.publish_many`: one lease check, one round trip, the
checkpoint's seq set to the run's last). What queued up while a call was in flight is the next
batch, so a busy node sends large batches and an idle one sends each event at once (no timer).

Nothing here weakens the fence or loses events:
- a run is added whole or not at all, and only under the current lease (FENCED: the shard is
  reported to the keeper and its queue dropped; the next owner RESUMEs from the checkpoint,
  which names only published events, so Discord replays the dropped ones to it);
- a run is retried while Redis cannot be reached, until the lease must stop; a retry after a
  lost reply adds nothing twice (events at or below the checkpoint's seq are skipped);
- a shard's queue is bounded: beyond `MAX_PENDING` its producer waits, so the shard stops
  reading (the socket is the buffer, as before);
- READY checkpoints the new session before it is published, as one run of its own.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

import structlog

from actors.cluster_groups import RedisGroups
from actors.groups import Deliver, GroupMonitor, MemberRef
from actors.subscription import WAIT_POLL, dispatch_wait
from bot.cluster.errors import ClusterUnavailable, FencedOut
from bot.cluster.leases import Lease, ShardLeases
from bot.events import Event

__all__ = ["MAX_BATCH", "MAX_PENDING", "FencedGroups", "FencedPublisher", "LeaseTable"]

log = structlog.get_logger(__name__)

MAX_BATCH = 500
"""Events of one shard sent in one script call at most."""
MAX_PENDING = 2000
"""Events a shard may have queued; its producer waits beyond (the shard stops reading)."""
PUBLISH_RETRY_MIN, PUBLISH_RETRY_MAX = 0.05, 0.5
"""Seconds between tries of a publish while Redis cannot be reached (doubling)."""


class LeaseTable:
    """The leases this node holds now, by shard: written by the keeper, read by producers."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._leases: dict[int, Lease] = {}

    def get(self, shard: int) -> Lease | None:
        return self._leases.get(shard)

    def put(self, lease: Lease) -> None:
        with self._lock:
            self._leases[lease.shard] = lease

    def pop(self, shard: int) -> Lease | None:
        with self._lock:
            return self._leases.pop(shard, None)

    def all(self) -> list[Lease]:
        with self._lock:
            return list(self._leases.values())


@dataclass(frozen=True, slots=True)
class _Pending:
    group: Hashable
    name: str
    data: Any
    seq: int | None


class FencedPublisher:
    """The node's publisher thread for its leased shards' events (the module docstring)."""

    def __init__(
        self,
        leases: ShardLeases,
        table: LeaseTable,
        on_fenced: Callable[[int], None],
        *,
        max_batch: int = MAX_BATCH,
        max_pending: int = MAX_PENDING,
    ) -> None:
        self.leases = leases
        self.table = table
        self.on_fenced = on_fenced
        self.max_batch = max_batch
        self.max_pending = max_pending
        self._cond = threading.Condition()
        self._queues: dict[int, deque[_Pending]] = {}
        self._busy: set[int] = set()
        self._closed = threading.Event()
        self._thread: threading.Thread | None = None

    def put(self, shard: int, group: Hashable, event: Event, seq: int | None) -> bool:
        """Queues one event of `shard`; waits while its queue is full. False once closed."""
        with self._cond:
            if self._thread is None and not self._closed.is_set():
                self._thread = threading.Thread(
                    target=self._run, name="cluster-publisher", daemon=True
                )
                self._thread.start()
            queue = self._queues.setdefault(shard, deque())
            if len(queue) >= self.max_pending and not self._closed.is_set():
                with dispatch_wait() as check:  # a shard's reader: paused, stops with its shard
                    while len(queue) >= self.max_pending and not self._closed.is_set():
                        self._cond.wait(WAIT_POLL)
                        check()
            if self._closed.is_set():
                return False
            queue.append(_Pending(group, event.name, event.data, seq))
            self._cond.notify_all()
        return True

    def flush(self, shard: int | None = None, timeout: float = 5.0) -> bool:
        """Waits until `shard`'s (or every shard's) queued events were sent or dropped."""

        def done() -> bool:
            if shard is None:
                return not self._busy and not any(self._queues.values())
            return shard not in self._busy and not self._queues.get(shard)

        with self._cond:
            return self._cond.wait_for(lambda: done() or self._thread is None, timeout)

    def close(self, timeout: float = 5.0) -> None:
        """Sends what is queued (within `timeout`), then stops the thread."""
        self.flush(None, timeout)
        with self._cond:
            self._closed.set()
            self._cond.notify_all()
            thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(timeout)

    def _run(self) -> None:
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._closed.is_set() or any(self._queues.values()))
                if self._closed.is_set():
                    return
                batches = {
                    shard: [queue.popleft() for _ in range(min(len(queue), self.max_batch))]
                    for shard, queue in self._queues.items()
                    if queue
                }
                self._busy = set(batches)
                self._cond.notify_all()  # producers waiting for room
            for shard, batch in batches.items():
                try:
                    sent = self._send(shard, batch)
                except Exception:  # never a dead publisher: the shard is given up instead
                    log.exception("cluster.publish_crashed", shard=shard)
                    self.on_fenced(shard)
                    sent = False
                if not sent:
                    with self._cond:
                        dropped = self._queues.pop(shard, deque())
                    if dropped:
                        log.warning("cluster.publish_dropped", shard=shard, events=len(dropped))
            with self._cond:
                self._busy = set()
                self._cond.notify_all()

    def _send(self, shard: int, batch: list[_Pending]) -> bool:
        """Sends `batch` as runs (same group; READY first of its own); False if the shard's
        lease is gone (the rest is not sent)."""
        runs: list[list[_Pending]] = []
        for item in batch:
            if not runs or item.name == "READY" or item.group != runs[-1][0].group:
                runs.append([item])
            else:
                runs[-1].append(item)
        return all(self._send_run(shard, run) for run in runs)

    def _send_run(self, shard: int, run: list[_Pending]) -> bool:
        backoff = 0.0
        while True:
            lease = self.table.get(shard)
            if lease is None:
                log.warning("cluster.unleased_dispatch", shard=shard, events=len(run))
                return False
            try:
                self._publish(lease, run)
                return True
            except FencedOut:
                log.error("cluster.fenced_out", shard=shard, epoch=lease.epoch, seq=run[0].seq)
                self.on_fenced(shard)
                return False
            except ClusterUnavailable as exc:
                if lease.must_stop(time.monotonic()) or self._closed.is_set():
                    log.error("cluster.publish_failed", shard=shard, reason=exc.reason)
                    self.on_fenced(shard)
                    return False
                backoff = min(max(backoff * 2, PUBLISH_RETRY_MIN), PUBLISH_RETRY_MAX)
                log.warning("cluster.publish_retry", shard=shard, reason=exc.reason)
                self._closed.wait(backoff)

    def _publish(self, lease: Lease, run: list[_Pending]) -> None:
        first = run[0]
        if first.name == "READY":
            raw = getattr(first.data, "raw", first.data)
            self.leases.checkpoint(
                lease,
                session_id=str(raw.get("session_id") or ""),
                seq=0,  # a new session: its seqs start again
                resume_gateway_url=str(raw.get("resume_gateway_url") or ""),
            )
        events = [(item.name, item.data, item.seq) for item in run]
        _added, duplicates = self.leases.publish_many(lease, first.group, events)
        if duplicates:
            log.info("cluster.publish_duplicate", shard=lease.shard, events=duplicates)


class FencedGroups:
    """The groups a leased shard's producer dispatches to: each event is queued for the node's
    `FencedPublisher` (published under the shard's lease, with its seq); everything else is the
    node's `RedisGroups`."""

    def __init__(
        self, groups: RedisGroups, publisher: FencedPublisher, table: LeaseTable, shard: int
    ) -> None:
        self.groups = groups
        self.publisher = publisher
        self.table = table
        self.shard = shard

    def dispatch_seq(self, group: Hashable, message: Event, seq: int | None) -> int:
        """Queues `message` with its seq for publishing under the shard's lease; 0 if the shard
        holds no lease (or the node is stopping)."""
        if self.table.get(self.shard) is None:
            log.warning("cluster.unleased_dispatch", shard=self.shard, seq=seq)
            return 0
        return 1 if self.publisher.put(self.shard, group, message, seq) else 0

    def dispatch(self, group: Hashable, message: Any) -> int:
        return self.dispatch_seq(group, message, None) if isinstance(message, Event) else 0

    def join(self, group: Hashable, ref: MemberRef, deliver: Deliver | None = None) -> None:
        self.groups.join(group, ref, deliver)

    def leave(self, group: Hashable, ref: MemberRef) -> bool:
        return self.groups.leave(group, ref)

    def members(self, group: Hashable) -> tuple[MemberRef, ...]:
        return self.groups.members(group)

    def which_groups(self) -> tuple[Hashable, ...]:
        return self.groups.which_groups()

    def monitor(self, group: Hashable, watcher: MemberRef) -> tuple[GroupMonitor, tuple[Any, ...]]:
        return self.groups.monitor(group, watcher)

    def demonitor(self, monitor: GroupMonitor) -> bool:
        return self.groups.demonitor(monitor)
