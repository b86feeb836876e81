"""`Bot`: the whole tree of docs/architecture.md section 3 as a value, built from `config.toml`.

    bot = Bot.from_config("config.toml")
    bot.run()                       # blocks; SIGINT/SIGTERM stop the tree gracefully

    with Bot.from_config({...}) as bot:      # start() ... stop()
        bot.api.create_message(channel_id, content="hello")

    Supervisor.start([bot.child_spec(), ...])  # embedded in an application's own tree

Each bot has its own names, cache, groups, rate limits and shard sessions: two bots in one process
share nothing. The state that must outlive crashes (`bot.app.tree.TreeState`) is made once per bot,
so even a restart of the whole bot by an application's supervisor keeps the cache and resumes
the Discord sessions.
"""

from __future__ import annotations

import enum
import threading
from collections.abc import Callable, Mapping, Sequence
from os import PathLike
from typing import Any, cast

import structlog

from actors.consumer import Consumer
from actors.groups import Groups
from actors.ratelimiter import ActorLimiter
from actors.shard import request_guild_members as _request_members
from actors.shard_supervisor import ShardOptions
from actors.waiting import wait_for as _wait_for
from bot.api import Client
from bot.api.ratelimits import RateLimitConfig, RateLimits
from bot.app.assembly import store_switches, with_ordering
from bot.app.cluster import (
    close_cluster,
    cluster_connect_gate,
    cluster_limiter,
    cluster_runtime,
)
from bot.app.commands import declared_commands, sync_at_start
from bot.app.shard_status import ShardStatus, shard_statuses
from bot.app.signals import stop_on_signals
from bot.app.stats import RestCounter
from bot.app.tree import (
    CONSUMER_SHUTDOWN_MARGIN,
    SHARDS,
    TreeState,
    bot_tree,
    consumer_start,
    start_bot_supervisor,
    start_producer,
)
from bot.cache import Cache, Stores
from bot.config import Config, load_config
from bot.events import Event
from bot.gateway.identify import IdentifyPacer, SessionStartLimit
from bot.gateway.shards import shard_for_guild
from supervisors import ChildSpec, ChildType, Down, Names, monitor, stop_tree

__all__ = ["Bot", "BotState", "ShardStatus"]

log = structlog.get_logger(__name__)

DEFAULT_STOP_TIMEOUT = 30.0
"""Seconds `stop()` gives the whole tree (consumers' in-flight events included)."""


class BotState(enum.Enum):
    """Where a Bot is in its life; guards misuse with a clear error."""

    NEW = "new"  # built, nothing started
    RUNNING = "running"  # the tree runs
    STOPPED = "stopped"  # stopped; start() again is allowed


class Bot:
    """A Discord bot: its supervision tree, its REST client and its cache (see module doc)."""

    def __init__(self, config: Config, consumers: Sequence[type[Consumer]] = ()) -> None:
        self.config = config
        self._consumer_classes: tuple[type[Consumer], ...] = tuple(consumers) or tuple(
            cast(type[Consumer], c) for c in config.consumer_classes()
        )
        # Two consumers answering one command would both answer each use: refused here, named.
        declared_commands(self._consumer_classes)
        self._names = Names()
        self._tree_state = TreeState(
            names=self._names,
            stores=Stores.in_memory(store_switches(config)),
            rate_limits=RateLimits(
                RateLimitConfig(
                    global_limit=config.rest.global_limit,
                    max_ratelimit_wait=config.rest.max_ratelimit_wait,
                )
            ),
        )
        self._tree_state.cluster = cluster_runtime(config, self._consumer_classes)
        self._state = BotState.NEW
        self._lock = threading.RLock()
        self._ref: Any = None
        self._simulator: Any = None
        self._api: Client | None = None
        self._shard_count = 0
        self._commands_synced = False
        self.rest_counter = RestCounter()
        """REST requests queued, in flight, sent, failed (see `bot.app.stats`), across restarts."""

    @classmethod
    def from_config(
        cls,
        source: str | PathLike[str] | Mapping[str, Any] | Config | None = None,
        *,
        consumers: Sequence[type[Consumer]] = (),
    ) -> Bot:
        """A bot from a config file's path, a mapping of its tables, or a loaded Config."""
        config = source if isinstance(source, Config) else load_config(source)
        return cls(config, consumers)

    def __repr__(self) -> str:
        return f"<Bot {self._state.value} shards={self._shard_count}>"

    # -- what a user reads ---------------------------------------------------------------------

    @property
    def state(self) -> BotState:
        return self._state

    @property
    def api(self) -> Client:
        """The REST client (rate limits handled by the tree's RatelimiterActor)."""
        if self._api is None:
            raise RuntimeError("the bot has not been started: call start() or run() first")
        return self._api

    @property
    def cache(self) -> Cache:
        """The cache's read side: safe from any thread, no round trip through an actor."""
        return self._tree_state.cache

    @property
    def names(self) -> Names:
        """The bot's own name registry: every actor of its tree under its child id."""
        return self._names

    @property
    def groups(self) -> Groups:
        """The bot's process groups; `Consumer.start(bot.groups, ...)` joins them at run time."""
        return self._tree_state.groups

    @property
    def supervisor(self) -> Any:
        """The running BotSupervisor's ref (the root of the tree), else None."""
        return self._ref

    @property
    def simulator(self) -> Any:
        """The built-in local Discord (`url = "local"`) while the bot runs, else None."""
        return self._simulator

    @property
    def shards(self) -> list[ShardStatus]:
        """Each shard: its state, latency, guilds and last acknowledged sequence."""
        return shard_statuses(self.cache, self._tree_state.shard_states)

    def wait_for(
        self, name: str, check: Callable[[Event], bool] | None = None, timeout: float | None = None
    ) -> Event:
        """Waits inline for the next event `name` passing `check`; TimeoutError after `timeout`."""
        return _wait_for(self._tree_state.groups, name, check, timeout)

    def update_presence(self, presence: Mapping[str, Any]) -> None:
        """Sends a presence update (op 3) on every running shard."""
        for shard_id in sorted(self._tree_state.shard_states):
            shard = self._names.whereis(("shard", shard_id))
            if shard is not None:
                shard.proxy().update_presence(presence).get(timeout=10)

    def request_guild_members(self, guild_id: int, *, timeout: float = 30.0, **options: Any) -> Any:
        """Requests a guild's members over the gateway and waits for every chunk."""
        shard_id = shard_for_guild(guild_id, max(self._shard_count, 1))
        shard = self._names.get(("shard", shard_id), timeout=timeout)
        return _request_members(shard, guild_id, timeout=timeout, **options)

    # -- lifecycle -----------------------------------------------------------------------------

    def start(self) -> Bot:
        """Starts the simulator (for `url = "local"`) and the whole tree; returns once it runs."""
        with self._lock:
            if self._state is BotState.RUNNING:
                raise RuntimeError("the bot is already running")
            ref = self._start_tree()
            self._ref = ref
            self._state = BotState.RUNNING
        return self

    def stop(self, timeout: float = DEFAULT_STOP_TIMEOUT) -> bool:
        """Stops the tree in reverse order (consumers finish in-flight events, shards close)."""
        with self._lock:
            if self._state is not BotState.RUNNING:
                self._release()  # embedded: the simulator kept for the tree's restarts
                return True
            ended = stop_tree(self._ref, timeout)
            self._ref = None
            self._release()
            close_cluster(self._tree_state.cluster)  # a later start() connects again
            self._state = BotState.STOPPED
            log.info("bot.stopped", clean=ended)
            return ended

    def run(self, stop: threading.Event | None = None) -> None:
        """Starts, blocks until SIGINT/SIGTERM (or `stop` is set), then stops gracefully."""
        stop = stop if stop is not None else threading.Event()
        with stop_on_signals(stop.set):
            try:
                self.start()
                ended = _OnDown(stop)
                monitor(self._ref, ended)  # the tree ending by itself (escalation) stops run()
                stop.wait()
                if ended.down is not None:
                    log.error("bot.tree_ended", reason=str(ended.down.reason))
            finally:
                self.stop()

    def __enter__(self) -> Bot:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def child_spec(self, id: str = "bot") -> ChildSpec:
        """The spec that puts this bot's tree under an application's own Supervisor.

        With `url = "local"` the simulator (Discord) outlives the tree's restarts, so restarted
        shards resume; call `stop()` once the application's tree has stopped to end it.
        """
        return ChildSpec(id, self._start_tree, type=ChildType.SUPERVISOR, shutdown=float("inf"))

    # -- assembly ------------------------------------------------------------------------------

    def _start_tree(self) -> Any:
        """Everything `start()` and an embedding supervisor's (re)start do: returns the root."""
        self._release_these(self._api, None)
        try:
            token, rest_url, gateway_url = self._endpoints()
            bootstrap = Client(token, base_url=rest_url, timeout=self.config.rest.timeout)
            try:
                gateway_bot = bootstrap.get_gateway_bot()
                self._sync_commands(bootstrap)
            finally:
                bootstrap.close()
            shard_ids, total = self.config.bot.shards.resolve(gateway_bot.shards)
            limit = SessionStartLimit.from_dict(gateway_bot.raw.get("session_start_limit", {}))
            IdentifyPacer(limit).check_start(len(shard_ids))
            if gateway_url is None:
                gateway_url = gateway_bot.url
            self._shard_count = total
            state = self._tree_state
            for shard_id in shard_ids:
                state.shard_state(shard_id, total)
            limiter = cluster_limiter(
                state.cluster, ActorLimiter.from_names(self._names, state.rate_limits)
            )
            self._api = Client(
                token,
                base_url=rest_url,
                ratelimiter=self.rest_counter.wrap(limiter),
                timeout=self.config.rest.timeout,
            )
            children = bot_tree(
                state,
                consumers=self._consumer_starts(),
                consumer_shutdown=self.config.consumers.shutdown_timeout + CONSUMER_SHUTDOWN_MARGIN,
                shard_options=self._shard_options(token, total, gateway_url),
                shard_ids=shard_ids,
                gateway_bot=gateway_bot.raw,
            )
            ref = start_bot_supervisor(state, children)
        except BaseException:
            self._release()
            raise
        # Embedded, no stop() runs: whenever this start's tree ends, its REST client is closed
        # with it, and a restart makes a new one.
        monitor(ref, _ReleaseAtExit(self, self._api))
        log.info("bot.started", shards=list(shard_ids), shard_count=total)
        return ref

    def _sync_commands(self, api: Client) -> None:
        """Registers the consumers' commands once per bot, before any shard starts."""
        if not self._commands_synced:
            self._commands_synced = True
            sync_at_start(api, self._consumer_classes, self.config.commands)

    def _endpoints(self) -> tuple[str, str, str | None]:
        """The token, the REST base URL and the gateway URL (None: ask /gateway/bot)."""
        gateway = self.config.gateway
        secret = self.config.token
        if gateway.url == "local":
            from bot.testing.serve import simulator_from_config

            if self._simulator is None:
                self._simulator = simulator_from_config(self.config).start()
                # The kept sessions were given by a Discord that is gone: identify anew.
                for kept in self._tree_state.shard_states.values():
                    kept.session.invalidate()
            return self._simulator.token, self._simulator.rest_url, self._simulator.gateway_url
        if secret is None:
            raise RuntimeError("no token: set [bot] token (for example env:DISCORD_TOKEN)")
        token = secret.reveal()
        if gateway.url == "discord":
            return token, self.config.rest.base_url, None
        return token, self.config.rest.base_url, gateway.url

    def _consumer_starts(self) -> list[Callable[[], Any]]:
        max_workers = self.config.consumers.max_workers
        starts = []
        for index, consumer in enumerate(self._consumer_classes):
            # A class that sets its own max_workers keeps it; the config sets the others'.
            own = consumer.max_workers != Consumer.max_workers
            starts.append(
                consumer_start(
                    self._tree_state,
                    with_ordering(consumer, self.config.consumers.ordering),
                    index,
                    api=self._api,
                    max_workers=None if own else max_workers,
                    stop_grace=self.config.consumers.shutdown_timeout,
                )
            )
        return starts

    def _shard_options(self, token: str, total: int, gateway_url: str) -> ShardOptions:
        gateway = self.config.gateway
        names = self._names
        return ShardOptions(
            token=token,
            intents=self.config.bot.intent_flags,
            shard_count=total,
            producer_start=lambda shard_id, _names: start_producer(
                self._tree_state, shard_id, _names
            ),
            gateway_url=gateway_url,
            encoding=gateway.encoding,
            compression=gateway.compression,
            large_threshold=gateway.large_threshold,
            presence=gateway.presence.to_payload(),
            identify_queue=lambda: names.whereis("identify_queue"),
            names=names,
            connect_gate=cluster_connect_gate(self._tree_state.cluster),
        )

    def _release(self) -> None:
        """Closes what a start made outside the tree: the REST client and the simulator."""
        self._release_these(self._api, self._simulator)

    def _release_these(self, api: Client | None, simulator: Any) -> None:
        """Closes `api` and stops `simulator`, forgetting them if they are still the current ones.

        Takes no lock: it runs in the ending tree's thread while `stop()` may hold `_lock`.
        """
        if self._api is api:
            self._api = None
        if self._simulator is simulator:
            self._simulator = None
        if api is not None:
            api.close()
        if simulator is not None:
            simulator.stop()

    def shard_supervisor(self) -> Any:
        """The running ShardSupervisor's ref (connect, disconnect, reconnect one shard)."""
        return self._names.get(SHARDS)


class _OnDown:
    """A `supervisors.monitor` watcher: told the tree's `Down`, it keeps it and sets `event`."""

    def __init__(self, event: threading.Event) -> None:
        self.event = event
        self.down: Down | None = None

    def tell(self, message: Any) -> None:
        if isinstance(message, Down):
            self.down = message
            self.event.set()


class _ReleaseAtExit:
    """Watches one start's tree (a `supervisors.monitor` watcher): told its `Down`, it closes
    the REST client that start made."""

    def __init__(self, bot: Bot, api: Client | None) -> None:
        self._bot = bot
        self._api = api

    def tell(self, message: Any) -> None:
        if isinstance(message, Down):
            self._bot._release_these(self._api, None)
