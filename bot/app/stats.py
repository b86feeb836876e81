"""Cheap counters of a running bot, for the live status and the end-of-run summary.

- `RestCounter` wraps the REST client's limiter: requests waiting for the limiter, in flight,
  sent, and their error answers. A lock and a few integer updates per request.
- `EventTally` counts every dispatched event by name through `tally_consumer(tally)`, a
  consumer whose `deliver` counts in the shard's reader thread and starts no worker.
- `StatsCollector.snapshot()` puts them together with what the tree already knows: shards
  (state, latency, guilds), the consumers' `load()` (handled, failed, in flight) and the
  supervisors' `restart_count`, read through their proxies (a few round trips, a few times a
  second). Counts of actors that were restarted meanwhile are kept, so totals never go back.
"""

from __future__ import annotations

import threading
import time
from collections import Counter, deque
from collections.abc import Callable
from typing import Any, NamedTuple

import pykka
import structlog

from actors.consumer import Consumer
from actors.messages import ConsumerLoad
from bot.api.limiter import Limiter
from bot.api.ratelimits import Grant, Outcome
from bot.api.routes import Route
from bot.events import Event
from supervisors import ChildType

__all__ = [
    "EventTally",
    "RestCounter",
    "RestCounts",
    "Snapshot",
    "StatsCollector",
    "tally_consumer",
]

log = structlog.get_logger(__name__)

ASK_TIMEOUT = 1.0
"""Seconds a snapshot waits for one actor's answer; a busy or stopping actor is skipped."""

# https://discord.com/developers/docs/topics/rate-limits : 429 Too Many Requests.
TOO_MANY_REQUESTS = 429


class RestCounts(NamedTuple):
    """REST requests: waiting for the limiter, on the wire, answered, and the error answers."""

    queued: int
    in_flight: int
    sent: int
    errors: int
    rate_limited: int


class RestCounter:
    """A `Limiter` around another that counts requests; `wrap(inner)` returns it, ready."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._inner: Limiter | None = None
        self._queued = 0
        self._in_flight = 0
        self._sent = 0
        self._errors = 0
        self._rate_limited = 0

    def wrap(self, inner: Limiter) -> RestCounter:
        """Counts through `inner` from now on (a restarted bot wraps its new limiter)."""
        self._inner = inner
        return self

    @property
    def max_ratelimit_wait(self) -> float:
        return self._limiter.max_ratelimit_wait

    @property
    def _limiter(self) -> Limiter:
        if self._inner is None:
            raise RuntimeError("RestCounter.wrap(limiter) was not called")
        return self._inner

    def acquire(self, route: Route, max_wait: float | None = None) -> Grant:
        with self._lock:
            self._queued += 1
        granted = False
        try:
            grant = self._limiter.acquire(route, max_wait)
            granted = True
            return grant
        finally:
            with self._lock:
                self._queued -= 1
                self._in_flight += granted

    def release(self, grant: Grant, outcome: Outcome) -> None:
        with self._lock:
            self._in_flight -= 1
            self._sent += 1
            status = outcome.status
            if status is None or status >= 400:
                self._errors += 1
            if status == TOO_MANY_REQUESTS:
                self._rate_limited += 1
        self._limiter.release(grant, outcome)

    def counts(self) -> RestCounts:
        with self._lock:
            return RestCounts(
                self._queued, self._in_flight, self._sent, self._errors, self._rate_limited
            )


class EventTally:
    """Events seen, by name; thread-safe. `tally_consumer(self)` feeds it from the tree."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: Counter[str] = Counter()
        self._total = 0

    def count(self, name: str) -> None:
        with self._lock:
            self._counts[name] += 1
            self._total += 1

    @property
    def total(self) -> int:
        return self._total

    def get(self, name: str) -> int:
        with self._lock:
            return self._counts[name]

    def by_name(self) -> dict[str, int]:
        with self._lock:
            return dict(self._counts)


class _TallyConsumer(Consumer):
    """Counts every event in the shard's reader thread; runs no handler, holds no slot."""

    tally: EventTally

    def deliver(self, event: Event) -> bool:
        self.tally.count(event.name)
        return True


def tally_consumer(tally: EventTally) -> type[Consumer]:
    """A consumer class that counts every event into `tally` (add it to the bot's consumers)."""
    return type("EventTallyConsumer", (_TallyConsumer,), {"tally": tally})


class Snapshot(NamedTuple):
    """The bot at one moment, as the status screen and the summary show it."""

    elapsed: float
    shards: list[Any]  # bot.app.ShardStatus
    guilds: int
    events: int
    events_per_second: float
    resumes: int
    handled: int
    failed: int
    in_flight: int
    rest: RestCounts
    restarts: int


RATE_WINDOW = 2.0
"""Seconds the events/s rate looks back over: long enough that a burst shows for a while
between frames, short enough that the figure follows the stream."""


class RateMeter:
    """A counter's rate per second over the last `window` seconds, from the samples it is
    given (`update(now, total)` at each snapshot). Pure: the clock is passed in."""

    def __init__(self, window: float = RATE_WINDOW) -> None:
        self.window = window
        self._samples: deque[tuple[float, int]] = deque()

    def update(self, now: float, total: int) -> float:
        """Adds a sample; the rate since the newest sample at least `window` old (or the
        oldest one kept)."""
        samples = self._samples
        samples.append((now, total))
        while len(samples) > 2 and now - samples[1][0] >= self.window:
            samples.popleft()
        then, before = samples[0]
        return (total - before) / (now - then) if now > then else 0.0


class StatsCollector:
    """Reads a running bot's counters; `snapshot()` from any thread."""

    def __init__(
        self,
        bot: Any,
        tally: EventTally,
        rest: RestCounter,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.bot = bot
        self.tally = tally
        self.rest = rest
        self._clock = clock
        self.started = clock()
        self._rate = RateMeter()
        self._rate.update(self.started, 0)
        # Counts of actors seen before, by actor: a restarted one's are kept in the totals.
        self._loads: dict[pykka.ActorRef[Any], ConsumerLoad] = {}
        self._restarts: dict[pykka.ActorRef[Any], int] = {}
        self._proxies: dict[pykka.ActorRef[Any], Any] = {}
        self._live_consumers: frozenset[pykka.ActorRef[Any]] = frozenset()
        self._lock = threading.Lock()  # the status's thread and the runner's both take snapshots

    def snapshot(self) -> Snapshot:
        with self._lock:
            return self._snapshot()

    def _snapshot(self) -> Snapshot:
        now = self._clock()
        events = self.tally.total
        rate = self._rate.update(now, events)
        shards = self._shards()
        self._read_consumers()
        self._read_restarts()
        in_flight = 0
        live = self._live_consumers
        for ref, load in self._loads.items():
            if ref in live:
                in_flight += load.in_flight
        return Snapshot(
            elapsed=now - self.started,
            shards=shards,
            guilds=sum(shard.guilds for shard in shards),
            events=events,
            events_per_second=rate,
            resumes=self.tally.get("RESUMED"),
            handled=sum(load.handled for load in self._loads.values()),
            failed=sum(load.failed for load in self._loads.values()),
            in_flight=in_flight,
            rest=self.rest.counts(),
            restarts=sum(self._restarts.values()),
        )

    # -- reading the tree ----------------------------------------------------------------------

    def _shards(self) -> list[Any]:
        try:
            return list(self.bot.shards)
        except Exception:  # the bot is stopping: no shard to show
            return []

    def _read_consumers(self) -> None:
        live = set()
        for ref in self._children(self.bot.names.whereis("consumers")):
            load = self._ask(ref, "load")
            if isinstance(load, ConsumerLoad):
                self._loads[ref] = load
                live.add(ref)
        self._live_consumers = frozenset(live)

    def _read_restarts(self) -> None:
        root = self.bot.supervisor
        if root is None:
            return
        pending = [root]
        while pending:
            ref = pending.pop()
            count = self._ask(ref, "restart_count", call=False)
            if isinstance(count, int):
                self._restarts[ref] = count
            pending.extend(self._children(ref, ChildType.SUPERVISOR))

    def _children(self, supervisor: Any, kind: ChildType | None = None) -> list[Any]:
        if supervisor is None:
            return []
        children = self._ask(supervisor, "which_children")
        if not isinstance(children, list):
            return []
        return [c.ref for c in children if c.ref is not None and (kind is None or c.type is kind)]

    def _ask(self, ref: Any, attribute: str, *, call: bool = True) -> Any:
        """`ref`'s method result or attribute through its proxy; None if it cannot answer now."""
        try:
            proxy = self._proxies.get(ref)
            if proxy is None:
                proxy = self._proxies[ref] = ref.proxy()  # made once: a proxy costs an inspection
            member = getattr(proxy, attribute)
            future = member() if call else member
            return future.get(timeout=ASK_TIMEOUT)
        except pykka.ActorDeadError:
            self._proxies.pop(ref, None)
            return None
        except pykka.Timeout:
            return None
        except Exception as exc:  # not the actor we thought: skip it
            log.debug("stats.ask_failed", attribute=attribute, error=type(exc).__name__)
            return None
