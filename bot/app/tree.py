"""The bot's whole supervision tree, declared in one place (docs/architecture.md, section 3).

```
BotSupervisor                     one_for_one
├── GroupRegistry                 "groups": process groups (pg): who receives events
├── CacheActor                    "cache": owns the cache stores (writers take their lock)
├── RatelimiterActor              "ratelimiter": REST buckets and the global limit
├── IdentifyQueue                 "identify_queue": IDENTIFY pacing
├── ConsumerSupervisor            "consumers", one_for_one: the user's consumers
│   └── Consumer ...              ("consumer", i): each spawns a short-lived worker per event
├── LeaseKeeper                   "lease_keeper", cluster backend only: shard leases, heartbeat
└── ShardSupervisor               "shards", one_for_one, dynamic children
    └── ShardTree(n)              rest_for_one, one per shard
        ├── ProducerActor(n)      ("producer", n): cache write and fan-out, in the shard's reader
        └── ShardActor(n)         ("shard", n): the gateway connection
```

With `[cluster] backend = "redis"` (`TreeState.cluster`, bot/app/cluster.py) the groups are
`RedisGroups`, the identify queue is the cluster's, and with shard leases the ShardSupervisor
starts empty: the LeaseKeeper starts the shards whose leases it takes (docs/cluster.md).

Everything that must outlive a crash (`TreeState`: the cache stores, the group membership, the
rate-limit state, each shard's Discord session) is made once per bot, outside the actors, and
handed to every (re)start. The bot's own timer (`TreeState.scheduler`, thread `bot-<n>-timer`)
runs every supervisor's restart delays, the identify pacing, the lease heartbeat and the
consumers' 3 s interaction deadline: two bots in one process share no timer thread. Every
child registers under its id in the bot's own `Names`, and the parts find each other there,
never through a reference captured at start.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field
from typing import Any

import structlog
from pykka import ActorDeadError

from actors.cache import cache_child_spec
from actors.consumer import Consumer
from actors.errors import ShardStoppedForGood
from actors.groups import CONSUMERS as CONSUMERS_GROUP
from actors.groups import Groups, Membership
from actors.identify_queue import IdentifyQueue, pacer_for
from actors.producer import ProducerActor, write_cache
from actors.ratelimiter import RatelimiterActor
from actors.registry import GroupRegistry, LocalGroups
from actors.shard_state import ShardState
from actors.shard_supervisor import ShardOptions, ShardSupervisor
from actors.subscription import Subscription
from bot.api.ratelimits import RateLimits
from bot.app.cluster import ClusterRuntime
from bot.cache import Cache, Stores
from bot.events import ShardInfo
from bot.gateway.identify import IdentifyPacer
from supervisors import (
    ChildSpec,
    ExitKind,
    ExitReason,
    Names,
    Scheduler,
    Shutdown,
    Strategy,
    Supervisor,
)

__all__ = ["BOT_INTENSITY", "BOT_PERIOD", "TreeState", "bot_tree", "start_bot_supervisor"]

log = structlog.get_logger(__name__)

# The bot's own restart limit: more than this many restarts of its direct children within the
# period, and the bot fails to its parent (OTP escalation). Shards have their own, in ShardTree.
BOT_INTENSITY, BOT_PERIOD = 5, 10.0
CONSUMERS_INTENSITY, CONSUMERS_PERIOD = 10, 10.0

# Seconds a consumer's supervisor waits for it to stop: its own grace for in-flight handlers
# (`[consumers] shutdown_timeout`) plus room for leaving its group.
DEFAULT_CONSUMER_SHUTDOWN = 5.0
CONSUMER_SHUTDOWN_MARGIN = 2.0

GROUPS, CACHE, RATELIMITER, IDENTIFY_QUEUE, CONSUMERS, SHARDS = (
    "groups",
    "cache",
    "ratelimiter",
    "identify_queue",
    "consumers",
    "shards",
)


@dataclass
class TreeState:
    """What one bot keeps across every crash in its tree; made once, handed to each (re)start."""

    names: Names
    stores: Stores
    rate_limits: RateLimits
    membership: Membership = field(default_factory=Membership)
    shard_states: dict[int, ShardState] = field(default_factory=dict)
    subscriptions: dict[Hashable, Subscription] = field(default_factory=dict)
    stop_deadline: float | None = None
    """Set when the bot stops (monotonic): every consumer's grace for its handlers ends by then."""
    cluster: ClusterRuntime | None = None
    """The node's cluster parts with `[cluster] backend = "redis"` (bot/app/cluster.py)."""
    identify_pacer: IdentifyPacer | None = None
    """The IDENTIFY slots booked and the session starts left: kept across restarts of the
    IdentifyQueue (and of the whole tree), so no shard identifies unpaced after a crash."""
    scheduler: Scheduler | None = None
    """The bot's timer, made by the Bot at start and stopped after its tree;
    None: the process-wide `default_scheduler()` (a tree built without a Bot)."""
    root: Any = None
    """The running tree's root (BotSupervisor), once started."""
    failure: ShardStoppedForGood | None = None
    """Why the running tree is ending on its own, if a shard stopped for good."""
    _end_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @functools.cached_property
    def groups(self) -> Groups:
        """The process groups, through whichever GroupRegistry runs now (across nodes with the
        cluster backend)."""
        local = LocalGroups.named(self.membership, self.names, GROUPS)
        return self.cluster.make_groups(local) if self.cluster is not None else local

    @functools.cached_property
    def cache(self) -> Cache:
        """The cache's read side: safe from any thread, no round trip through the actor."""
        return Cache(self.stores)

    def subscription(
        self, consumer_id: Hashable, group: Hashable = CONSUMERS_GROUP
    ) -> Subscription:
        """A consumer's place in its group, kept across its crashes (actors/subscription.py)."""
        if consumer_id not in self.subscriptions:
            self.subscriptions[consumer_id] = Subscription(self.groups, group, str(consumer_id))
        return self.subscriptions[consumer_id]

    def identify_pacer_for(self, gateway_bot: Mapping[str, Any] | None) -> IdentifyPacer:
        """The bot's pacer, made from the first `GET /gateway/bot` answer and updated with each
        later one (the slots it booked are kept)."""
        if self.identify_pacer is None:
            self.identify_pacer = pacer_for(gateway_bot)
        elif gateway_bot is not None:
            self.identify_pacer.update(pacer_for(gateway_bot).limit)
        return self.identify_pacer

    def shard_state(self, shard_id: int, shard_count: int) -> ShardState:
        if shard_id not in self.shard_states:
            self.shard_states[shard_id] = ShardState(
                shard_id, shard_count, on_fatal=self.shard_stopped_for_good
            )
        return self.shard_states[shard_id]

    # -- ending the whole tree when a shard stops for good -------------------------------------

    def begin(self) -> None:
        """A (re)start of the tree begins: forgets the root and the failure of the last one."""
        with self._end_lock:
            self.root = None
            self.failure = None

    def attach(self, root: Any) -> None:
        """The started tree's root: a shard that stopped for good before this ends it now."""
        with self._end_lock:
            self.root = root
            failure = self.failure
        if failure is not None:
            _end(root, failure)

    def shard_stopped_for_good(self, shard_id: int, error: BaseException) -> None:
        """A shard's fatal close (4004, 4010 to 4014...): the tree ends with a SHUTDOWN that
        carries `ShardStoppedForGood`, since no part of the bot works without its shards and
        reconnecting cannot help. Runs in the shard's thread: it tells, never waits."""
        with self._end_lock:
            if self.failure is None:
                self.failure = ShardStoppedForGood(shard_id, error)
            failure, root = self.failure, self.root
        log.error("bot.ending", reason=str(failure), shard=shard_id, code=failure.code)
        if root is not None:
            _end(root, failure)


def _end(root: Any, failure: BaseException) -> None:
    try:
        root.tell(Shutdown(ExitReason(ExitKind.SHUTDOWN, failure)))
    except ActorDeadError:
        pass  # it ended meanwhile


def bot_tree(
    state: TreeState,
    *,
    consumers: list[Callable[[], Any]],
    consumer_shutdown: float = DEFAULT_CONSUMER_SHUTDOWN,
    shard_options: ShardOptions,
    shard_ids: tuple[int, ...],
    gateway_bot: Mapping[str, Any] | None,
) -> list[ChildSpec]:
    """The children of BotSupervisor, in start order (the picture in the module docstring)."""
    cluster = state.cluster
    identify_queue = (
        cluster.identify_queue_spec(IDENTIFY_QUEUE, gateway_bot, state.scheduler)
        if cluster is not None
        else ChildSpec(
            IDENTIFY_QUEUE,
            functools.partial(
                IdentifyQueue.start,
                pacer=state.identify_pacer or state.identify_pacer_for(gateway_bot),
                scheduler=state.scheduler,
            ),
        )
    )
    # With shard leases the node's shards are the ones its LeaseKeeper takes, not a fixed set.
    leased = cluster is not None and cluster.leased
    cluster_children = (
        [
            cluster.keeper_spec(
                shard_options.shard_count,
                state.shard_states,
                lambda: state.names.whereis(SHARDS),
                state.scheduler,
            )
        ]
        if cluster is not None
        else []
    )
    return [
        ChildSpec(GROUPS, functools.partial(GroupRegistry.start, state.membership)),
        cache_child_spec(state.stores, id=CACHE),
        RatelimiterActor.child_spec(state.rate_limits, id=RATELIMITER),
        identify_queue,
        Supervisor.child_spec(
            CONSUMERS,
            [
                ChildSpec(consumer_id(i), start, shutdown=consumer_shutdown)
                for i, start in enumerate(consumers)
            ],
            strategy=Strategy.ONE_FOR_ONE,
            intensity=CONSUMERS_INTENSITY,
            period=CONSUMERS_PERIOD,
            names=state.names,
            scheduler=state.scheduler,
        ),
        *cluster_children,
        ShardSupervisor.spec(
            shard_options, () if leased else shard_ids, id=SHARDS, states=state.shard_states
        ),
    ]


def start_producer(state: TreeState, shard_id: int, names: Names) -> Any:
    """Starts ProducerActor(n), inline: its shard's reader writes the cache under the stores'
    write lock (one writer at a time), then fans out to the group (see `actors.producer`)."""
    shard_state = state.shard_states.get(shard_id)
    source = (lambda: shard_state.latency) if shard_state is not None else None
    groups = state.groups
    if state.cluster is not None:
        groups = state.cluster.producer_groups(shard_id)
    return ProducerActor.start(
        shard_id,
        groups,
        apply=write_cache(state.stores),
        shard=ShardInfo(shard_id, source=source),
    )


def consumer_id(index: int) -> tuple[str, int]:
    """The child id (and name) of the bot's `index`-th consumer."""
    return ("consumer", index)


def consumer_start(
    state: TreeState,
    consumer: type[Consumer],
    index: int,
    *,
    api: Any,
    max_workers: int | None,
    stop_grace: float | None = None,
) -> Callable[[], Any]:
    """The start function of one of the user's consumers (each restart gets the same api)."""
    return functools.partial(
        consumer.start,
        state.groups,
        api=api,
        cache=state.cache,
        max_workers=max_workers,
        stop_grace=stop_grace,
        subscription=state.subscription(consumer_id(index), consumer.group),
        stop_by=lambda: state.stop_deadline,
        schedule=state.scheduler.call_later if state.scheduler is not None else None,
    )


def start_bot_supervisor(state: TreeState, children: list[ChildSpec]) -> Any:
    """Starts BotSupervisor over `children`; returns its ref once every child has started."""
    return Supervisor.start(
        children,
        strategy=Strategy.ONE_FOR_ONE,
        intensity=BOT_INTENSITY,
        period=BOT_PERIOD,
        names=state.names,
        name="BotSupervisor",
        scheduler=state.scheduler,
    )
