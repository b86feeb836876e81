"""`LeaseKeeper`: a cluster node's shards, taken and kept through fenced leases (docs/cluster.md).

Every third of the lease TTL it:
1. beats the node's heartbeat (`Keys.node`, expiring with the TTL): live nodes are those whose
   heartbeat is there;
2. renews each lease it holds; a lease it could not renew before `Lease.must_stop` is dropped:
   the shard is stopped with close code 4000 (never 1000/1001, which end the session the next
   owner resumes) and publishes nothing more;
3. takes free leases up to its fair share (`ceil(shards / live nodes)`): for each, the shard's
   session is seeded from the checkpoint in Redis and the shard started, so it RESUMEs (an
   unknown session IDENTIFYs through the cluster's identify queue).

A planned stop releases every lease after the shards stopped, so the others take them on their
next round and resume at once. The leases held live in a `LeaseTable` outside the actor, read by
each shard's producer (`FencedGroups`): every event is published with its seq through the lease's
fencing script, and an event refused as fenced is reported here and not published.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable
from typing import Any

import structlog

from actors.cluster_groups import RedisGroups
from actors.fenced_publisher import LeaseTable
from actors.shard_state import ShardState
from bot.cluster.errors import ClusterUnavailable, translated
from bot.cluster.leases import RENEW_FRACTION, Lease, ShardLeases
from supervisors import Actor, Scheduler, default_scheduler
from supervisors.timer import TimerHandle

__all__ = ["LeaseKeeper", "LeaseTable", "ShardFenced"]

log = structlog.get_logger(__name__)

STARTUP_RETRY = 0.1
"""Seconds before the next round while the shards' supervisor has not started yet."""


class _Tick:
    """Told to the keeper by its timer: one round."""


class ShardFenced:
    """Told to the keeper by a producer whose publish was refused."""

    def __init__(self, shard: int) -> None:
        self.shard = shard


class LeaseKeeper(Actor):
    """Takes, renews and gives up this node's shard leases (see the module docstring)."""

    def __init__(
        self,
        leases: ShardLeases,
        table: LeaseTable,
        shard_count: int,
        states: dict[int, ShardState],
        shards: Callable[[], Any],
        *,
        groups: RedisGroups | None = None,
        flush: Callable[[int | None], bool] | None = None,
        take_leases: bool = True,
        scheduler: Scheduler | None = None,
    ) -> None:
        """`shards()` finds the running ShardSupervisor's ref; `groups` is closed at stop;
        `flush(shard or None)` sends a shard's queued events before its lease is given up."""
        super().__init__()
        self.leases = leases
        self.table = table
        self.shard_count = shard_count
        self.states = states
        self.shards = shards
        self.groups = groups
        self.flush = flush
        self.take_leases = take_leases
        self.client = leases.client
        self.keys = leases.keys
        self.node = leases.node
        self.interval = leases.ttl / RENEW_FRACTION
        self._scheduler = scheduler if scheduler is not None else default_scheduler()
        self._timer: TimerHandle | None = None
        self._started = time.time()

    def on_start(self) -> None:
        self.actor_ref.tell(_Tick())

    def on_stop(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        # The shards stopped before this actor (the tree stops in reverse): hand them over,
        # their last events published first (the next owner then replays less).
        if self.flush is not None:
            self.flush(None)
        for lease in self.table.all():
            self.table.pop(lease.shard)
            try:
                self.leases.release(lease)
                log.info("cluster.lease_released", shard=lease.shard, epoch=lease.epoch)
            except ClusterUnavailable as exc:
                log.warning("cluster.release_failed", shard=lease.shard, reason=exc.reason)
        try:
            self.client.delete(self.keys.node(self.node))
        except Exception:  # Redis gone: the heartbeat expires on its own
            log.debug("cluster.heartbeat_not_removed", node=self.node)
        if self.groups is not None:
            self.groups.close()

    def on_receive(self, message: Any) -> Any:
        if isinstance(message, _Tick):
            try:
                self._round()
            finally:
                # Soon again while the ShardSupervisor (started after this actor) is not up.
                soon = self.take_leases and self.shards() is None
                self._timer = self._scheduler.call_later(
                    STARTUP_RETRY if soon else self.interval, self._tick
                )
        elif isinstance(message, ShardFenced):
            self._drop(message.shard, "fenced")
        return None

    def fenced(self, shard: int) -> None:
        """Called from the node's publisher thread: its shard's publish was refused."""
        self.actor_ref.tell(ShardFenced(shard))

    # -- one round -------------------------------------------------------------------------------

    def _tick(self) -> None:
        try:
            self.actor_ref.tell(_Tick())
        except Exception:
            pass  # stopped meanwhile

    def _round(self) -> None:
        try:
            self._heartbeat()
        except ClusterUnavailable as exc:
            log.warning("cluster.heartbeat_failed", node=self.node, reason=exc.reason)
        self._renew_all()
        if self.take_leases:
            try:
                self._take_free()
            except ClusterUnavailable as exc:
                log.warning("cluster.take_failed", node=self.node, reason=exc.reason)

    def _heartbeat(self) -> None:
        held = ",".join(str(lease.shard) for lease in sorted(self.table.all(), key=_shard))
        with translated("heartbeat"):
            pipe = self.client.pipeline()
            pipe.hset(
                self.keys.node(self.node),
                mapping={"pid": os.getpid(), "started": self._started, "shards": held},
            )
            pipe.pexpire(self.keys.node(self.node), int(self.leases.ttl * 1000))
            pipe.sadd(self.keys.nodes(), self.node)
            pipe.execute()

    def _renew_all(self) -> None:
        for lease in self.table.all():
            try:
                renewed = self.leases.renew(lease)
            except ClusterUnavailable as exc:
                if lease.must_stop(time.monotonic()):
                    log.error("cluster.lease_expiring", shard=lease.shard, reason=exc.reason)
                    self._drop(lease.shard, "unrenewed")
                continue
            if renewed is None:
                self._drop(lease.shard, "lost")
            else:
                self.table.put(renewed)

    def _live_nodes(self) -> int:
        with translated("live_nodes"):
            names = [n.decode() for n in self.client.smembers(self.keys.nodes())]  # type: ignore[union-attr]
            pipe = self.client.pipeline()
            for name in names:
                pipe.exists(self.keys.node(name))
            alive = pipe.execute()
        return max(1, sum(1 for found in alive if found))

    def _take_free(self) -> None:
        if self.shards() is None:
            return  # the ShardSupervisor starts after this actor: take leases from next round
        fair = math.ceil(self.shard_count / self._live_nodes())
        held = {lease.shard for lease in self.table.all()}
        if len(held) > fair:
            # More nodes than when these were taken: hand the extra shards over (they resume on
            # the node that takes them).
            for shard in sorted(held)[fair:]:
                self._hand_over(shard)
            return
        if len(held) == fair:
            return
        # Start the scan at a place of this node's own, so nodes do not all race for shard 0.
        offset = sum(self.node.encode()) % max(self.shard_count, 1)
        for step in range(self.shard_count):
            if len(held) >= fair:
                return
            shard = (offset + step) % self.shard_count
            if shard in held:
                continue
            lease = self.leases.acquire(shard)
            if lease is None:
                continue
            held.add(shard)
            self._start_shard(lease)

    def _start_shard(self, lease: Lease) -> None:
        checkpoint = self.leases.load_checkpoint(lease.shard)
        state = self.states.setdefault(lease.shard, ShardState(lease.shard, self.shard_count))
        session = state.session
        if checkpoint.session_id:
            session.start(checkpoint.session_id, checkpoint.resume_gateway_url or None)
            session.acknowledge(checkpoint.seq)
        else:
            session.invalidate()
        self.table.put(lease)
        log.info(
            "cluster.lease_taken",
            shard=lease.shard,
            epoch=lease.epoch,
            resume=checkpoint.session_id is not None,
            seq=checkpoint.seq,
            previous=checkpoint.owner,
        )
        try:
            shards = self.shards()
            if shards is None:
                raise LookupError("no ShardSupervisor running")
            shards.proxy().connect(lease.shard).get(timeout=10)
        except Exception:
            # Not started here: give the lease back at once, for this node or another to retry.
            log.exception("cluster.shard_start_failed", shard=lease.shard)
            self.table.pop(lease.shard)
            try:
                self.leases.release(lease)
            except ClusterUnavailable:
                pass  # it expires within the TTL

    def _hand_over(self, shard: int) -> None:
        """Stops the shard (its session kept), then gives its lease up: a planned handover."""
        lease = self.table.get(shard)
        if lease is None:
            return
        self._drop(shard, "rebalance")
        if self.flush is not None:
            self.flush(shard)
        try:
            self.leases.release(lease)
        except ClusterUnavailable as exc:
            log.warning("cluster.release_failed", shard=shard, reason=exc.reason)

    def _drop(self, shard: int, reason: str) -> None:
        lease = self.table.pop(shard)
        if lease is None:
            return
        log.warning("cluster.lease_dropped", shard=shard, epoch=lease.epoch, reason=reason)
        shards = self.shards()
        if shards is not None:
            try:
                shards.proxy().release(shard).get(timeout=10)
            except Exception:
                log.exception("cluster.release_shard_failed", shard=shard)


def _shard(lease: Lease) -> int:
    return lease.shard
