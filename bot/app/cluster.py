"""A node of a cluster, from `[cluster]` (backend = "redis"): the parts the tree is given.

`ClusterRuntime.from_config(config, consumer_specs)` connects to Redis and makes the node's
`RedisGroups` (each consumer listed in `bot.consumers` is durable: `shared`, or `broadcast` when
listed in `cluster.broadcast`), its `ShardLeases` and `LeaseTable`, and the cluster-wide
identify windows. The tree (bot/app/tree.py) then uses them in place of the local parts:

- the groups backend is `RedisGroups`, so consumers on every node receive every shard's events;
- with `shards = "leases"` the ShardSupervisor starts empty and the `LeaseKeeper` starts the
  shards whose leases it takes; each producer publishes through `FencedGroups`;
- the IdentifyQueue is `ClusterIdentifyQueue`;
- the REST client's limiter asks the cluster's shared buckets and global limit first.
See docs/cluster.md.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import redis
import structlog

from actors.cluster_groups import Durable, RedisGroups, StreamSettings
from actors.cluster_identify_queue import ClusterIdentifyQueue
from actors.fenced_publisher import FencedGroups, FencedPublisher, LeaseTable
from actors.groups import CONSUMERS
from actors.lease_keeper import LeaseKeeper, ShardFenced
from actors.registry import LocalGroups
from actors.shard_state import ShardState
from bot.api.limiter import Limiter
from bot.cluster.errors import ClusterUnavailable
from bot.cluster.keys import Keys
from bot.cluster.leases import ShardLeases
from bot.cluster.limiter import ClusterLimiter
from bot.cluster.pacing import ClusterIdentify
from bot.cluster.rest_limits import ClusterRestLimits
from bot.cluster.streams import CLAIM_MARGIN
from bot.config import Config
from supervisors import ChildSpec, Scheduler

__all__ = [
    "ClusterRuntime",
    "close_cluster",
    "cluster_connect_gate",
    "cluster_limiter",
    "cluster_runtime",
    "durable_members",
]

LEASE_KEEPER = "lease_keeper"

log = structlog.get_logger(__name__)


def durable_members(
    config: Config, consumers: Sequence[type], member_name: Callable[[int], str]
) -> dict[str, Durable]:
    """Member name -> how it receives, for the bot's consumers (by their place in the list);
    each is named `module:Class` in Redis, as in `bot.consumers` and `cluster.broadcast`."""
    broadcast = set(config.cluster.broadcast)
    ordered_by_config = config.consumers.ordering != "none"
    found = {}
    for index, consumer in enumerate(consumers):
        spec = f"{consumer.__module__}:{consumer.__qualname__}"
        ordered = ordered_by_config or getattr(consumer, "order_by", None) is not None
        mode: Literal["shared", "broadcast"] = "broadcast" if spec in broadcast else "shared"
        found[member_name(index)] = Durable(spec, mode, ordered)
    return found


@dataclass
class ClusterRuntime:
    """The cluster parts of one node; made once per bot, like the rest of `TreeState`."""

    config: Config
    client: redis.Redis
    keys: Keys
    node: str
    durable: dict[str, Durable]
    leases: ShardLeases
    table: LeaseTable = field(default_factory=LeaseTable)
    groups: RedisGroups | None = None
    keeper: Any = None
    publisher: FencedPublisher | None = None

    @classmethod
    def from_config(cls, config: Config, durable: dict[str, Durable]) -> ClusterRuntime:
        cluster = config.cluster
        client = redis.Redis.from_url(cluster.redis_url, socket_timeout=5, socket_connect_timeout=5)
        keys = Keys(cluster.key_prefix)
        node = cluster.node_name
        leases = ShardLeases(client, keys, node, cluster.lease_ttl, maxlen=cluster.stream_maxlen)
        return cls(config, client, keys, node, durable, leases)

    @property
    def leased(self) -> bool:
        """True when shards are taken through leases (`[cluster] shards = "leases"`)."""
        return self.config.cluster.shards == "leases"

    def make_groups(self, local: LocalGroups) -> RedisGroups:
        """The node's groups backend over its local membership (made once)."""
        if self.groups is None:
            cluster = self.config.cluster
            settings = StreamSettings(
                min_idle=cluster.handler_timeout + CLAIM_MARGIN,
                max_deliveries=cluster.max_deliveries,
                maxlen=cluster.stream_maxlen,
                sole_reader_ttl=cluster.lease_ttl,
            )
            self.groups = RedisGroups(
                local, self.client, self.keys, self.node, durable=self.durable, settings=settings
            )
            self.groups.prepare(CONSUMERS)
        return self.groups

    def producer_groups(self, shard_id: int) -> Any:
        """What shard `shard_id`'s producer dispatches to: fenced with leases, else the groups."""
        assert self.groups is not None
        if not self.leased:
            return self.groups
        return FencedGroups(self.groups, self._publisher(), self.table, shard_id)

    def _publisher(self) -> FencedPublisher:
        if self.publisher is None:
            self.publisher = FencedPublisher(self.leases, self.table, self._fenced)
        return self.publisher

    def _flush(self, shard: int | None) -> bool:
        return self.publisher.flush(shard) if self.publisher is not None else True

    def identify_queue_spec(
        self, id: str, gateway_bot: Any, scheduler: Scheduler | None = None
    ) -> ChildSpec:
        identify = ClusterIdentify(self.client, self.keys, self.node)
        return ChildSpec(
            id, lambda: ClusterIdentifyQueue.start(identify, gateway_bot, scheduler=scheduler)
        )

    def keeper_spec(
        self,
        shard_count: int,
        states: dict[int, ShardState],
        shards: Callable[[], Any],
        scheduler: Scheduler | None = None,
    ) -> ChildSpec:
        def start() -> Any:
            self.keeper = LeaseKeeper.start(
                self.leases,
                self.table,
                shard_count,
                states,
                shards,
                groups=self.groups,
                flush=self._flush,
                take_leases=self.leased,
                scheduler=scheduler,
            )
            return self.keeper

        return ChildSpec(LEASE_KEEPER, start)

    def rest_limiter(self, inner: Limiter) -> Limiter:
        """The node's REST limiter with the cluster's shared buckets and global limit in front."""
        limits = ClusterRestLimits(self.client, self.keys, self.config.rest.global_limit)
        return ClusterLimiter(inner, limits)

    def may_connect(self, shard: int) -> bool:
        """The shards' connect gate (`ShardOptions.connect_gate`): True while this node's lease
        of `shard` holds. A node paused past its lease (SIGSTOP, a long stall) finds it gone when
        it wakes and must not RESUME the session its successor owns now: refused, and the
        keeper told, which stops the shard."""
        if not self.leased:
            return True
        lease = self.table.get(shard)
        if lease is not None and not lease.must_stop(time.monotonic()):
            try:
                if self.leases.holds(lease):
                    return True
            except ClusterUnavailable:
                return True  # Redis away: the local check stands (the lease cannot have ended)
        log.warning("cluster.connect_refused", shard=shard, epoch=getattr(lease, "epoch", None))
        self._fenced(shard)
        return False

    def _fenced(self, shard: int) -> None:
        keeper = self.keeper
        if keeper is not None:
            keeper.tell(ShardFenced(shard))

    def close(self) -> None:
        if self.publisher is not None:
            self.publisher.close()
            self.publisher = None
        self.client.close()


def cluster_runtime(config: Config, consumers: Sequence[type]) -> ClusterRuntime | None:
    """The node's cluster parts for `[cluster] backend = "redis"` (None for "local"); the bot's
    consumers are durable members under their tree names (`("consumer", i)`)."""
    if config.cluster.backend != "redis":
        return None
    from bot.app.tree import consumer_id  # the tree imports this module

    durable = durable_members(config, consumers, lambda index: str(consumer_id(index)))
    return ClusterRuntime.from_config(config, durable)


def cluster_limiter(cluster: ClusterRuntime | None, inner: Limiter) -> Limiter:
    """`inner`, with the cluster's shared REST limits in front when there is a cluster."""
    return inner if cluster is None else cluster.rest_limiter(inner)


def cluster_connect_gate(cluster: ClusterRuntime | None) -> Callable[[int], bool] | None:
    """The shards' connect gate: the lease check with shard leases, else None (no gate)."""
    return cluster.may_connect if cluster is not None and cluster.leased else None


def close_cluster(cluster: ClusterRuntime | None) -> None:
    """Closes the cluster's Redis connections (a later start connects again)."""
    if cluster is not None:
        cluster.close()
