"""Shard leases with fencing tokens, and the session checkpoint they guard (plain code, no threads).

A shard is owned through a lease: `SET lease "NODE EPOCH" NX PX ttl`, where EPOCH comes from a
per-shard counter that only grows (the fencing token). The owner renews it every third of the
TTL. Every write an owner makes for its shard runs as one Lua script that first checks the lease
still holds its `NODE EPOCH` (`scripts.PUBLISH_FENCED`, `scripts.CHECKPOINT`): an owner that was
paused (SIGSTOP, a long GC) or cut off past its TTL finds its writes refused (`FencedOut`), even
if it does not know yet that it lost the lease, because the new owner's epoch is larger.

The checkpoint (`Keys.checkpoint`) holds what a RESUME needs: `session_id`, `seq` and
`resume_gateway_url`. The event and its seq are written by the same script, so the checkpoint
never names a seq whose event is not in the stream: the next owner RESUMEs from it and Discord
replays exactly what follows.

An owner that cannot renew must stop before its lease ends (`Lease.must_stop`): stop publishing
and drop the socket without close code 1000/1001 (those end the Discord session that the next
owner resumes).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import redis

from bot.cluster import scripts
from bot.cluster.codec import entry_fields
from bot.cluster.errors import FencedOut, translated
from bot.cluster.keys import Keys

__all__ = ["RENEW_FRACTION", "STOP_MARGIN", "Checkpoint", "Lease", "ShardLeases"]

RENEW_FRACTION = 3
"""A lease is renewed every ttl / RENEW_FRACTION seconds."""

STOP_MARGIN = 0.2
"""Fraction of the TTL before the lease's end at which an owner that could not renew stops."""

Clock = Callable[[], float]


@dataclass(frozen=True, slots=True)
class Lease:
    """One held lease: the shard, its owner and epoch (the fencing token), and when it was last
    known good on this node's monotonic clock."""

    shard: int
    node: str
    epoch: int
    ttl: float
    renewed_at: float

    @property
    def owner(self) -> str:
        """The lease key's value: `NODE EPOCH`."""
        return f"{self.node} {self.epoch}"

    def must_stop(self, now: float) -> bool:
        """True once the lease may have ended without a renewal: stop before it does.

        `renewed_at` is taken *before* the renewal was sent, so clock drift between this node
        and Redis only makes the owner stop earlier, never later.
        """
        return now >= self.renewed_at + self.ttl * (1 - STOP_MARGIN)


class Checkpoint(NamedTuple):
    """A shard's session as last written by its owner (None fields: not known yet)."""

    session_id: str | None
    seq: int | None
    resume_gateway_url: str | None
    owner: str | None


class ShardLeases:
    """Acquires, renews, releases shard leases for `node`, and makes the fenced writes."""

    def __init__(
        self,
        client: redis.Redis,
        keys: Keys,
        node: str,
        ttl: float,
        *,
        maxlen: int = 100_000,
        clock: Clock = time.monotonic,
    ) -> None:
        self.client = client
        self.keys = keys
        self.node = node
        self.ttl = ttl
        self.maxlen = maxlen
        self.clock = clock
        self._acquire = client.register_script(scripts.ACQUIRE_LEASE)
        self._renew = client.register_script(scripts.RENEW_LEASE)
        self._release = client.register_script(scripts.RELEASE_LEASE)
        self._publish = client.register_script(scripts.PUBLISH_FENCED)
        self._publish_many = client.register_script(scripts.PUBLISH_FENCED_MANY)
        self._checkpoint = client.register_script(scripts.CHECKPOINT)

    @property
    def ttl_ms(self) -> int:
        return int(self.ttl * 1000)

    def acquire(self, shard: int) -> Lease | None:
        """Takes the lease of `shard` if nobody holds it: the new lease, else None."""
        started = self.clock()
        with translated("acquire_lease"):
            epoch = self._acquire(
                keys=[self.keys.lease(shard), self.keys.epoch(shard), self.keys.checkpoint(shard)],
                args=[self.node, self.ttl_ms, round(time.time(), 3)],
            )
        if epoch is None:
            return None
        return Lease(shard, self.node, int(epoch), self.ttl, started)

    def renew(self, lease: Lease) -> Lease | None:
        """Extends `lease`: the renewed lease, or None when it is no longer ours."""
        started = self.clock()
        with translated("renew_lease"):
            renewed = self._renew(
                keys=[self.keys.lease(lease.shard)], args=[lease.owner, self.ttl_ms]
            )
        if not renewed:
            return None
        return Lease(lease.shard, lease.node, lease.epoch, lease.ttl, started)

    def release(self, lease: Lease) -> bool:
        """Gives the lease up (a planned stop hands the shard over): False if it was not ours."""
        with translated("release_lease"):
            return bool(self._release(keys=[self.keys.lease(lease.shard)], args=[lease.owner]))

    def holds(self, lease: Lease) -> bool:
        """True while `lease` is still the shard's current lease in Redis (its `NODE EPOCH`)."""
        with translated("lease_holds"):
            value = self.client.get(self.keys.lease(lease.shard))
        return isinstance(value, bytes) and value.decode() == lease.owner

    def owner_of(self, shard: int) -> tuple[str, int, float] | None:
        """(node, epoch, seconds left) of `shard`'s lease, or None when it is free."""
        with translated("lease_owner"):
            pipe = self.client.pipeline()
            pipe.get(self.keys.lease(shard))
            pipe.pttl(self.keys.lease(shard))
            value, left = pipe.execute()
        if value is None:
            return None
        node, _, epoch = value.decode().rpartition(" ")
        return node, int(epoch), max(int(left), 0) / 1000

    def publish(self, lease: Lease, group: Hashable, name: str, data: Any, seq: int | None) -> str:
        """Adds one event of the leased shard to `group`'s stream and checkpoints its seq, in one
        script; raises `FencedOut` when the lease is not ours any more. Returns the entry id, or
        "duplicate" when an event with this seq (or a later one) of the session is in already."""
        fields = entry_fields(name, data, lease.shard, seq, self.node)
        flat: list[Any] = [item for pair in fields.items() for item in pair]
        keys = [
            self.keys.lease(lease.shard),
            self.keys.stream(group),
            self.keys.checkpoint(lease.shard),
        ]
        args = [lease.owner, self.maxlen, -1 if seq is None else seq, *flat]
        try:
            with translated("publish_fenced"):
                entry_id = self._publish(keys=keys, args=args)
        except redis.ResponseError as exc:
            raise self._fenced(exc, lease) from exc
        return entry_id.decode() if isinstance(entry_id, bytes) else str(entry_id)

    def publish_many(
        self, lease: Lease, group: Hashable, events: Sequence[tuple[str, Any, int | None]]
    ) -> tuple[int, int]:
        """Adds a batch of the leased shard's events `(name, data, seq)`, in order, to `group`'s
        stream in one script (one round trip), checkpointing the last seq; raises `FencedOut`
        when the lease is not ours any more (then none is added). Returns (added, duplicates):
        an event whose seq is at or below the checkpoint's is in already (see `publish`)."""
        args: list[Any] = [lease.owner, self.maxlen]
        for name, data, seq in events:
            fields = entry_fields(name, data, lease.shard, seq, self.node)
            args += [-1 if seq is None else seq, 2 * len(fields)]
            args += [item for pair in fields.items() for item in pair]
        keys = [
            self.keys.lease(lease.shard),
            self.keys.stream(group),
            self.keys.checkpoint(lease.shard),
        ]
        try:
            with translated("publish_fenced"):
                added, duplicates = self._publish_many(keys=keys, args=args)
        except redis.ResponseError as exc:
            raise self._fenced(exc, lease) from exc
        return int(added), int(duplicates)

    def checkpoint(
        self,
        lease: Lease,
        *,
        session_id: str | None = None,
        seq: int | None = None,
        resume_gateway_url: str | None = None,
    ) -> None:
        """Writes the shard's session (the fields given); raises `FencedOut` if not the owner.
        A new session (READY) passes `seq=0`: its events count from 1 again."""
        keys = [self.keys.lease(lease.shard), self.keys.checkpoint(lease.shard)]
        args: list[Any] = [
            lease.owner,
            session_id or "",
            -1 if seq is None else seq,
            resume_gateway_url or "",
        ]
        try:
            with translated("checkpoint"):
                self._checkpoint(keys=keys, args=args)
        except redis.ResponseError as exc:
            raise self._fenced(exc, lease) from exc

    def load_checkpoint(self, shard: int) -> Checkpoint:
        """The shard's last checkpoint (all None when there is none: IDENTIFY)."""
        with translated("load_checkpoint"):
            raw: Any = self.client.hgetall(self.keys.checkpoint(shard))
        fields = {key.decode(): value.decode() for key, value in raw.items()}
        seq = fields.get("seq")
        return Checkpoint(
            fields.get("session_id"),
            int(seq) if seq is not None else None,
            fields.get("resume_gateway_url"),
            fields.get("owner"),
        )

    def _fenced(self, exc: redis.ResponseError, lease: Lease) -> Exception:
        if "FENCED" in str(exc):
            return FencedOut(lease.shard, lease.node, lease.epoch)
        return exc
