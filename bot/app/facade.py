"""`Bot`: the whole tree of docs/architecture.md section 3 as a value, built from `config.toml`.

    bot = Bot.from_config("config.toml")
    bot.run()                       # blocks; SIGINT/SIGTERM stop the tree gracefully

    with Bot.from_config({...}) as bot:      # start() ... stop()
        bot.api.create_message(channel_id, content="hello")

    Supervisor.start([bot.child_spec(), ...])  # embedded in an application's own tree

Each bot has its own names, cache, groups, rate limits, shard sessions and timer thread (restart
delays, identify pacing, the 3 s interaction deadline): two bots in one process share nothing.
The state that must outlive crashes (`bot.app.tree.TreeState`) is made once per bot, so even
a restart of the whole bot by an application's supervisor keeps the cache and resumes the
Discord sessions.
"""

from __future__ import annotations

import enum
import functools
import itertools
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from os import PathLike
from typing import Any, cast

import structlog

from actors.consumer import Consumer
from actors.groups import Groups
from actors.ratelimiter import ActorLimiter
from actors.shard import request_guild_members as _request_members
from actors.waiting import wait_for as _wait_for
from bot.api import Client
from bot.api.ratelimits import RateLimitConfig, RateLimits
from bot.app.assembly import configure_logging, shard_options, store_switches, with_ordering
from bot.app.cluster import close_cluster, cluster_limiter, cluster_runtime
from bot.app.commands import declared_commands, sync_at_start
from bot.app.ending import BotFailed, EndListeners, EndWatch, ReleaseAtExit
from bot.app.runtime import tune_gc
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
)
from bot.cache import Cache, Stores
from bot.config import Config, load_config
from bot.events import Event
from bot.gateway.shards import shard_for_guild
from supervisors import ChildSpec, ChildType, Names, Restart, Scheduler, monitor, stop_tree

__all__ = ["Bot", "BotFailed", "BotState", "ShardStatus"]

log = structlog.get_logger(__name__)

DEFAULT_STOP_TIMEOUT = 30.0
"""Seconds `stop()` gives the whole tree (consumers' in-flight events included)."""
TIMER_STOP_TIMEOUT = 5.0
"""Seconds `stop()` waits for the bot's timer thread once the tree has ended (its callbacks
only tell actors, so it ends at once)."""

_bot_numbers = itertools.count(1)


class BotState(enum.Enum):
    """Where a Bot is in its life; guards misuse with a clear error."""

    NEW = "new"  # built, nothing started
    RUNNING = "running"  # the tree runs
    STOPPED = "stopped"  # stopped; start() again is allowed
    FAILED = "failed"  # the tree ended on its own (`bot.failure` says why); start() is allowed


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
        self._number = next(_bot_numbers)
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
        self._end_lock = threading.Lock()  # taken by the ending tree's thread: never held long
        self._ref: Any = None
        self._watch: EndWatch | None = None
        self._failure: BotFailed | None = None
        self._end_listeners = EndListeners()
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
    def failure(self) -> BotFailed | None:
        """Why the tree ended on its own (state FAILED), else None."""
        return self._failure

    def on_failure(self, callback: Callable[[BotFailed], object]) -> Callable[[], None]:
        """Calls `callback(failure)` when the tree ends on its own (from the ending actor's
        thread: it must be quick); returns what removes it."""
        return self._end_listeners.add(callback)

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
    def scheduler(self) -> Scheduler | None:
        """The bot's own timer (thread `bot-<n>-timer`): its supervisors' restart delays, the
        identify pacing, the lease heartbeat, the consumers' interaction deadline. Made at start,
        stopped once the tree has ended; None before the first start."""
        return self._tree_state.scheduler

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
            configure_logging(self.config)
            ref = self._start_tree()
            if self.config.runtime.gc == "tuned":
                tune_gc()
            watch = EndWatch(self._failed)
            with self._end_lock:
                self._ref, self._watch, self._failure = ref, watch, None
                self._state = BotState.RUNNING
            monitor(ref, watch)  # told at once if the tree has ended already
        return self

    def stop(self, timeout: float = DEFAULT_STOP_TIMEOUT) -> bool:
        """Stops the tree in reverse order (consumers finish in-flight events, shards close)."""
        with self._lock:
            with self._end_lock:
                if self._watch is not None:
                    self._watch.requested = True
                running = self._state is BotState.RUNNING
            if not running:
                self._ref = None
                self._release()  # embedded: the simulator kept for the tree's restarts
                self._stop_timer()  # embedded: called once the application's tree has stopped
                if self._state is BotState.FAILED:  # its tree has ended: so has its cluster use
                    close_cluster(self._tree_state.cluster)
                return True
            # One deadline for every consumer's handlers, whatever their number (issue 13).
            grace = self.config.consumers.shutdown_timeout
            self._tree_state.stop_deadline = time.monotonic() + grace
            ended = stop_tree(self._ref, timeout)
            self._tree_state.stop_deadline = None
            self._ref = None
            self._release()
            if ended:  # a tree that did not end in time may still ask for its restart delays
                self._stop_timer()
            close_cluster(self._tree_state.cluster)  # a later start() connects again
            with self._end_lock:
                if self._state is BotState.RUNNING:  # a failure just before stays FAILED
                    self._state = BotState.STOPPED
            log.info("bot.stopped", clean=ended)
            return ended

    def run(self, stop: threading.Event | None = None) -> None:
        """Starts, blocks until SIGINT/SIGTERM (or `stop` is set), then stops gracefully.

        Raises `BotFailed` if the tree ended on its own instead (a shard closed for good with
        4004 or 4010 to 4014, an escalation past the restart intensity): a script that calls
        `run()` then exits non-zero with the reason.
        """
        stop = stop if stop is not None else threading.Event()
        remove = self.on_failure(lambda _failure: stop.set())
        with stop_on_signals(stop.set):
            try:
                self.start()
                stop.wait()
            finally:
                remove()
                self.stop()
        if self._failure is not None:
            raise self._failure

    def __enter__(self) -> Bot:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def child_spec(self, id: str = "bot") -> ChildSpec:
        """The spec that puts this bot's tree under an application's own Supervisor.

        With `url = "local"` the simulator (Discord) outlives the tree's restarts, so restarted
        shards resume; call `stop()` once the application's tree has stopped to end it.
        """
        return ChildSpec(
            id,
            self._start_tree,
            type=ChildType.SUPERVISOR,
            shutdown=float("inf"),
            restart=Restart.TRANSIENT,  # a shard closed for good: restarting cannot help
        )

    # -- assembly ------------------------------------------------------------------------------

    def _start_tree(self) -> Any:
        """Everything `start()` and an embedding supervisor's (re)start do: returns the root."""
        self._release_these(self._api, None)
        self._tree_state.begin()
        state = self._tree_state
        if state.scheduler is None or state.scheduler.stopped:
            state.scheduler = Scheduler(name=f"bot-{self._number}-timer")
        try:
            token, rest_url, gateway_url = self._endpoints()
            bootstrap = Client(token, base_url=rest_url, timeout=self.config.rest.timeout)
            try:
                gateway_bot = bootstrap.get_gateway_bot()
                self._sync_commands(bootstrap)
            finally:
                bootstrap.close()
            shard_ids, total = self.config.bot.shards.resolve(gateway_bot.shards)
            pacer = self._tree_state.identify_pacer_for(gateway_bot.raw)
            pacer.check_start(len(shard_ids))
            if gateway_url is None:
                gateway_url = gateway_bot.url
            self._shard_count = total
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
                shard_options=shard_options(self.config, state, token, total, gateway_url),
                shard_ids=shard_ids,
                gateway_bot=gateway_bot.raw,
            )
            ref = start_bot_supervisor(state, children)
            state.attach(ref)
        except BaseException:
            self._release()
            self._stop_timer()  # no tree runs on it; the next start makes a new one
            raise
        # Embedded, no stop() runs: whenever this start's tree ends, its REST client is closed
        # with it, and a restart makes a new one.
        monitor(ref, ReleaseAtExit(functools.partial(self._release_these, self._api, None)))
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

    def _stop_timer(self) -> None:
        """Ends the bot's timer thread (its tree has ended); a later start makes a new one."""
        scheduler = self._tree_state.scheduler
        if scheduler is not None:
            scheduler.stop(TIMER_STOP_TIMEOUT)

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

    def _failed(self, watch: EndWatch, failure: BotFailed) -> None:
        """The tree of `watch`'s start ended on its own (in the ending actor's thread)."""
        with self._end_lock:
            if watch is not self._watch or self._state is not BotState.RUNNING:
                return
            self._failure = failure
            self._state = BotState.FAILED
        log.error("bot.failed", reason=failure.reason, code=failure.code)
        self._stop_timer()  # the tree has ended: nothing is left to time for it
        self._end_listeners.notify(failure)

    def shard_supervisor(self) -> Any:
        """The running ShardSupervisor's ref (connect, disconnect, reconnect one shard)."""
        return self._names.get(SHARDS)
