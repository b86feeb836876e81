"""`ShardSupervisor` and the `ShardTree` of each shard (docs/architecture.md, section 3).

```
ShardSupervisor          one_for_one, dynamic children: ("shard_tree", n)
└── ShardTree(n)         rest_for_one, auto_shutdown=any_significant, transient
    ├── ProducerActor(n) ("producer", n), permanent: started by `ShardOptions.producer_start`
    └── ShardActor(n)    ("shard", n), transient and significant
```

- A crash of the shard restarts only the shard; a crash of the producer restarts the producer,
  then the shard (rest_for_one). Each (re)started shard gets the same `ShardState`, so it resumes.
- A fatal close code stops the shard with a SHUTDOWN reason carrying the error: transient, so
  not restarted; significant, so its tree stops too (auto_shutdown); the tree is transient, so
  the ShardSupervisor does not restart it either. The error stays in `ShardState.fatal_error`
  (`fatal_errors()`): no retry loop.
- Children register in `ShardOptions.names` under their ids; the shard finds its current
  producer there at every start.
- At run time: `connect(n)`, `disconnect(n)` (closes with 1000: the Discord session ends),
  `reconnect(n)` (closes with 4000 and resumes), through the proxy.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import structlog

from actors.shard import ShardActor
from actors.shard_state import ShardState
from bot.gateway.codecs import Encoding
from bot.gateway.compression import Compression
from bot.gateway.limits import LARGE_THRESHOLD_DEFAULT
from bot.gateway.ratelimit import SendLimiter
from bot.gateway.session import DEFAULT_GATEWAY_URL, SessionConfig
from bot.gateway.shards import ShardSet
from supervisors import (
    AutoShutdown,
    ChildSpec,
    ChildType,
    Names,
    Restart,
    Scheduler,
    Strategy,
    Supervisor,
)

__all__ = ["ShardOptions", "ShardSupervisor", "shard_tree_spec"]

log = structlog.get_logger(__name__)

# A shard that crashes more than this within the period takes its tree down with it; the
# ShardSupervisor then restarts the tree (OTP escalation), within its own intensity.
TREE_INTENSITY, TREE_PERIOD = 5, 30.0


@dataclass(frozen=True)
class ShardOptions:
    """What the shards of one bot share. The token never shows in a repr."""

    token: str = field(repr=False)
    intents: int
    shard_count: int
    producer_start: Callable[[int, Names], Any]
    gateway_url: str = DEFAULT_GATEWAY_URL
    encoding: Encoding | str = Encoding.ETF
    compression: Compression | str = Compression.ZLIB_STREAM
    large_threshold: int = LARGE_THRESHOLD_DEFAULT
    presence: Mapping[str, Any] | None = None
    identify_queue: Any = None  # ActorRef, or a callable returning the current one
    names: Names = field(default_factory=Names)
    send_limiter: Callable[[], SendLimiter] = SendLimiter
    scheduler: Scheduler | None = None
    """The timer of the shards' supervisors (restart delays): the bot's own; None: the
    process-wide `default_scheduler()`."""
    # Asked before each connection of a shard (cluster leases: is the lease still ours?).
    connect_gate: Callable[[int], bool] | None = None

    def session_config(self, shard_id: int) -> SessionConfig:
        return SessionConfig(
            token=self.token,
            intents=self.intents,
            shard_id=shard_id,
            shard_count=self.shard_count,
            gateway_url=self.gateway_url,
            encoding=Encoding(self.encoding),
            compression=Compression(self.compression),
            large_threshold=self.large_threshold,
            presence=self.presence,
        )


def shard_tree_spec(shard_id: int, options: ShardOptions, state: ShardState) -> ChildSpec:
    """The ChildSpec of ShardTree(n): its producer, then its shard (see the module docstring)."""
    names = options.names
    producer_id: Hashable = ("producer", shard_id)
    config = options.session_config(shard_id)

    def start_shard() -> Any:
        return ShardActor.start(
            config,
            state,
            lambda: names.whereis(producer_id),
            options.identify_queue,
            send_limiter=options.send_limiter,
            connect_gate=options.connect_gate,
        )

    children = [
        ChildSpec(producer_id, functools.partial(options.producer_start, shard_id, names)),
        ChildSpec(("shard", shard_id), start_shard, restart=Restart.TRANSIENT, significant=True),
    ]
    return Supervisor.child_spec(
        ("shard_tree", shard_id),
        children,
        restart=Restart.TRANSIENT,
        strategy=Strategy.REST_FOR_ONE,
        auto_shutdown=AutoShutdown.ANY_SIGNIFICANT,
        intensity=TREE_INTENSITY,
        period=TREE_PERIOD,
        names=names,
        scheduler=options.scheduler,
    )


class ShardSupervisor(Supervisor):
    """One ShardTree per shard of `shards`; shards can be added and removed at run time."""

    def __init__(
        self,
        options: ShardOptions,
        shards: ShardSet | Iterable[int],
        *,
        states: dict[int, ShardState] | None = None,
        **kwargs: Any,
    ):
        """`states` are the shards' kept sessions: give the same dict to every restart of the
        ShardSupervisor itself (the bot's tree does) so that even its restart resumes them."""
        ids = shards.ids if isinstance(shards, ShardSet) else tuple(shards)
        self.options = options
        self.states: dict[int, ShardState] = states if states is not None else {}
        children = [shard_tree_spec(n, options, self._state(n)) for n in ids]
        kwargs.setdefault("name", "ShardSupervisor")
        super().__init__(children, Strategy.ONE_FOR_ONE, **kwargs)

    @classmethod
    def spec(
        cls,
        options: ShardOptions,
        shards: ShardSet | Iterable[int],
        id: Hashable = "shards",
        *,
        states: dict[int, ShardState] | None = None,
    ) -> ChildSpec:
        """The ChildSpec that puts a ShardSupervisor in the bot's tree."""
        start = functools.partial(
            cls.start,
            options,
            tuple(shards.ids if isinstance(shards, ShardSet) else shards),
            states=states,
            names=options.names,
            scheduler=options.scheduler,
        )
        return ChildSpec(id, start, type=ChildType.SUPERVISOR, shutdown=float("inf"))

    def _state(self, shard_id: int) -> ShardState:
        if shard_id not in self.states:
            self.states[shard_id] = ShardState(shard_id, self.options.shard_count)
        return self.states[shard_id]

    # -- through the proxy -----------------------------------------------------------------------

    def connect(self, shard_id: int) -> Any:
        """Starts shard `shard_id` (resuming its session if it had one); returns its tree's ref."""
        if not 0 <= shard_id < self.options.shard_count:
            raise ValueError(f"shard {shard_id} is not below {self.options.shard_count}")
        tree_id = ("shard_tree", shard_id)
        if self._find(tree_id) is not None:
            self.delete_child(tree_id)  # ChildRunning if it still runs
        log.info("shards.connect", shard=shard_id)
        return self.start_child(shard_tree_spec(shard_id, self.options, self._state(shard_id)))

    def disconnect(self, shard_id: int) -> None:
        """Stops shard `shard_id`, closing with 1000: its Discord session ends."""
        tree_id = ("shard_tree", shard_id)
        shard = self.options.names.whereis(("shard", shard_id))
        if shard is not None:
            shard.proxy().forget_session_on_stop().get(timeout=5)
        log.info("shards.disconnect", shard=shard_id)
        self.terminate_child(tree_id)
        self.delete_child(tree_id)

    def release(self, shard_id: int) -> None:
        """Stops shard `shard_id` keeping its Discord session (it closes with 4000, never 1000 or
        1001), so another node can RESUME it: a cluster node that lost or hands over the shard's
        lease (actors/lease_keeper.py)."""
        tree_id = ("shard_tree", shard_id)
        if self._find(tree_id) is None:
            return
        log.info("shards.release", shard=shard_id)
        self.terminate_child(tree_id)
        self.delete_child(tree_id)

    def reconnect(self, shard_id: int) -> None:
        """Makes shard `shard_id` leave its connection and resume on a new one."""
        shard = self.options.names.whereis(("shard", shard_id))
        if shard is None:
            raise LookupError(f"shard {shard_id} is not running")
        shard.proxy().reconnect().get(timeout=5)

    def running_shards(self) -> list[int]:
        """The ids of the shards whose tree runs."""
        return sorted(child.id[1] for child in self.which_children() if child.ref is not None)

    def fatal_errors(self) -> dict[int, BaseException]:
        """The shards stopped for good, with the error that stopped each."""
        return {n: s.fatal_error for n, s in self.states.items() if s.fatal_error is not None}
