"""`Consumer`: the base class of a bot's event handlers; each event runs in its own worker.

    class Ping(Consumer):
        events = frozenset({"MESSAGE_CREATE"})      # optional: skip every other event cheaply

        def handle_event(self, event: Event) -> None:
            match event:
                case Event("MESSAGE_CREATE", msg) if msg.content == "!ping":
                    self.api.create_message(msg.channel_id, content="pong")

How an event reaches `handle_event`:
- On start a consumer joins the group `"consumers"` with its `deliver` function; a producer
  dispatching an event calls `deliver` in the producer's own thread.
- `deliver` drops an event whose name is not in `events` (nothing else is spent on it), then
  takes one of the consumer's `max_workers` slots. When all are taken it waits for one: that wait
  is the backpressure. The producer does not answer its shard until every consumer has taken the
  event, so the shard does not read the next frame and nothing queues without bound.
- The event then runs in a new short-lived worker (`start_worker`) on this consumer's own pool of
  threads (no other consumer's blocked handlers can delay it), which calls `handle_event`, logs
  anything it raises (`consumer.handler_failed` with the event name, shard and traceback) and
  gives the slot back. A raising handler stops nothing else.
- A handler waiting inline (`wait_for`, `expect(...).result()`) gives its slot back while it
  waits, so the events it waits behind still get one; waits have a finite default timeout.
- The consumer actor itself never waits for a slot (unless someone `tell`s it an `Event`
  directly), so it can always be stopped; a producer waiting on a consumer that stops is let go.
- Stopped by its supervisor (a restart, a supervisor giving up) or crashed, a consumer keeps its
  place in its subscription: events wait for the next start (actors/subscription.py). Handlers
  still running after `stop_grace` (or the bot's shutdown deadline) are abandoned with a log line
  (`consumer.handlers_abandoned`); their threads are daemons.

`order_by = "channel"` or `"guild"` (or a function of the event) keeps events with the same key
one after another, different keys in parallel; off by default. Waiting events keep their slots,
so `max_workers` still bounds everything in flight.

Many workers run `handle_event` at once on the same consumer object: state kept on it must be
safe for threads (a lock, or `queue`, or `itertools.count`). See docs/consumers.md.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from queue import Empty
from typing import Any, ClassVar

import structlog

import supervisors
from actors.errors import RegistryUnavailable
from actors.groups import CONSUMERS, Groups
from actors.messages import ConsumerLoad
from actors.ordering import KeyedQueue, OrderBy, key_function
from actors.slots import Slots
from actors.subscription import Subscription, dispatch_wait
from actors.waiting import DEFAULT_WAIT, Expectation, expect
from actors.workers import start_worker, worker_pool
from bot.event_names import check_event_names
from bot.events import Event
from bot.interactions.deadline import Schedule
from bot.interactions.deadline import schedule as process_schedule
from bot.interactions.dispatch import Dispatcher
from bot.interactions.registry import Registry
from bot.interactions.views import ViewStore, owner_tag

__all__ = [
    "DEFAULT_MAX_WORKERS",
    "DEFAULT_STOP_GRACE",
    "SLOT_POLL",
    "Consumer",
]

log = structlog.get_logger(__name__)

DEFAULT_MAX_WORKERS = 64
"""Events one consumer runs at once by default (Shardline's choice: Nostrum sets no bound)."""

DEFAULT_STOP_GRACE = 3.0
"""Seconds `on_stop` lets running handlers finish: under a ChildSpec's default 5 s shutdown."""

SLOT_POLL = 0.05
"""Seconds between checks, while a producer waits for a slot, that the consumer still runs."""


class Consumer(supervisors.Actor):
    """Subclass it and write `handle_event`; the tree starts it and restarts it if it crashes.

    Class attributes: `events` (names to handle; None for all), `max_workers`, `order_by`,
    `group`. Attributes: `api` (the REST client), `cache` (the cache's read API), `groups`.
    A subclass that defines `__init__` passes `groups` and the keywords on to this one.
    """

    events: ClassVar[frozenset[str] | None] = None
    """Event names this consumer handles; the others are dropped before any work. None: all."""

    max_workers: ClassVar[int] = DEFAULT_MAX_WORKERS
    """Events in flight at most (running or waiting for their key); more makes producers wait."""

    order_by: ClassVar[OrderBy] = None
    """"channel", "guild", a function `f(event) -> key`, or None (no ordering, the default)."""

    group: ClassVar[Hashable] = CONSUMERS
    """The group this consumer joins."""

    stop_grace: ClassVar[float] = DEFAULT_STOP_GRACE
    """Seconds a stopping consumer waits for its running handlers (after leaving its group)."""

    interactions: ClassVar[Registry] = Registry()
    """What the class answers through `bot.interactions` decorators (set for each subclass)."""

    prefix: ClassVar[str | tuple[str, ...]] = "!"
    """The prefix (or prefixes) of the class's `@prefix_command` text commands."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """Checks `events` and reads the decorated handlers when the class is defined, so a
        misspelt event or a command breaking Discord's limits fails at import, named."""
        super().__init_subclass__(**kwargs)
        check_event_names(cls.events, cls.__qualname__)
        registry = Registry.of(cls)
        cls.interactions = registry
        if cls.events is not None:
            wanted = set(cls.events)
            if registry.handles_interactions:
                wanted.add("INTERACTION_CREATE")
            if registry.prefix_commands:
                wanted.add("MESSAGE_CREATE")
            cls.events = frozenset(wanted)

    def __init__(
        self,
        groups: Groups,
        *,
        api: Any = None,
        cache: Any = None,
        max_workers: int | None = None,
        stop_grace: float | None = None,
        subscription: Subscription | None = None,
        stop_by: Callable[[], float | None] | None = None,
        schedule: Schedule | None = None,
    ) -> None:
        """`subscription`: the place in the group that the tree keeps across this consumer's
        crashes (see actors/subscription.py); without one it joins the group itself.
        `stop_by()`: a monotonic deadline for the whole bot's shutdown, or None (the bot sets
        it when it stops: every consumer's grace ends by then). `schedule`: the timer of the
        3 s interaction deadline (the bot's own; None: the process-wide one)."""
        super().__init__()
        self.subscription = subscription
        if max_workers is not None:
            self.max_workers = max_workers  # type: ignore[misc]
        if stop_grace is not None:
            self.stop_grace = stop_grace  # type: ignore[misc]
        if self.max_workers < 1:
            raise ValueError(f"max_workers must be at least 1: {self.max_workers}")
        self.groups = groups
        self.api = api
        self.cache = cache
        self._slots = Slots(self.max_workers)  # a C semaphore: two per event
        self._pool = worker_pool(self.max_workers, type(self).__name__)
        self._local = threading.local()  # in a handler of this consumer: whether it holds a slot
        self._debt = 0  # slots taken back by handlers whose wait ended with none free
        self._stop_by = stop_by
        self._closed = False
        # Read through the class: a function stored there must not become a bound method.
        self._key_of = key_function(type(self).order_by)
        self._order: KeyedQueue[Event] = KeyedQueue()
        self._order_lock = threading.Lock()
        # Counters for status screens (`load()`); one uncontended lock per event is ~0.1 us.
        self._counts_lock = threading.Lock()
        self._handled = 0
        self._failed = 0
        self._in_flight = 0
        cls = type(self)
        registry = cls.interactions
        self._dispatcher = (
            Dispatcher(
                registry,
                ViewStore(owner_tag(f"{cls.__module__}.{cls.__qualname__}")),
                schedule=schedule if schedule is not None else process_schedule,
            )
            if registry.handles_interactions or registry.prefix_commands
            else None
        )

    @classmethod
    def child_spec(
        cls,
        groups: Groups,
        *,
        id: Hashable | None = None,
        api: Any = None,
        cache: Any = None,
        **options: Any,
    ) -> supervisors.ChildSpec:
        """The spec that puts this consumer under a supervisor (id: the class name)."""
        return supervisors.ChildSpec(
            cls.__name__ if id is None else id,
            lambda: cls.start(groups, api=api, cache=cache, **options),
        )

    # -- what users write ---------------------------------------------------------------------

    def handle_event(self, event: Event) -> None:
        """Handles one event, in its own worker thread; override it. What it raises is logged."""

    def wait_for(
        self,
        name: str,
        check: Callable[[Event], bool] | None = None,
        timeout: float | None = DEFAULT_WAIT,
    ) -> Event:
        """Waits for the next event `name` passing `check`; raises TimeoutError after `timeout`
        seconds (None: the default, `actors.waiting.DEFAULT_WAIT`; never forever).

        Called from `handle_event` it gives that handler's slot back while it waits (so the
        events before the one it waits for are not held up behind it). `check` runs in the
        shard's reader thread: keep it quick.
        """
        with self.expect(name, check) as expectation:
            return expectation.result(timeout)

    def expect(self, name: str, check: Callable[[Event], bool] | None = None) -> Expectation:
        """Subscribes now, waits later: nothing dispatched after this returns is missed.

        with self.expect("MESSAGE_CREATE", lambda e: e.data.author.id == user) as reply:
            self.api.create_message(channel, content="Say something")
            event = reply.result(timeout=30)
        """
        return expect(self.groups, name, check, group=self.group, around=self._slot_given_back)

    @contextmanager
    def _slot_given_back(self) -> Iterator[None]:
        """While a handler of this consumer waits inline: its slot is free for other events."""
        local = self._local
        if not getattr(local, "holds_slot", False):
            yield
            return
        local.holds_slot = False
        self._give_back_slot()
        try:
            yield
        finally:
            # Taken back without waiting (a wait here could stall behind the producer): with
            # none free, the next handler to end pays it back instead of releasing its own.
            if not self._slots.acquire(blocking=False):
                with self._counts_lock:
                    self._debt += 1
            local.holds_slot = True

    def _give_back_slot(self) -> None:
        with self._counts_lock:
            if self._debt:
                self._debt -= 1
                return
        self._slots.release()

    # -- the actor ----------------------------------------------------------------------------

    def on_start(self) -> None:
        if self.subscription is not None:
            self.subscription.attach(self.deliver)
        else:
            self.groups.join(self.group, self.actor_ref, self.deliver)

    def on_stop(self) -> None:
        self._leave()
        grace = self.stop_grace
        deadline = self._stop_by() if self._stop_by is not None else None
        if deadline is not None:
            grace = min(grace, max(deadline - time.monotonic(), 0.0))
        if not self.drain(grace):
            with self._counts_lock:
                running = self._in_flight
            log.warning(
                "consumer.handlers_abandoned",
                consumer=type(self).__name__,
                running=running,
                waited=round(grace, 3),
            )

    def on_failure(self, *_exc_info: Any) -> None:
        self._leave()  # running handlers run to their end; the pool's threads then idle out

    def on_receive(self, message: Any) -> Any:
        if isinstance(message, Event):
            # The slow lane (an Event told directly): waits for a slot in this actor's thread.
            self.deliver(message)
            return None
        log.warning("consumer.unknown_message", consumer=str(self), message=type(message).__name__)
        return None

    def _leave(self) -> None:
        self._closed = True
        if self.subscription is not None:
            # A crash or a stop by the supervisor keeps the place: the next start takes it.
            self.subscription.detach(self.deliver)
            return
        try:
            self.groups.leave(self.group, self.actor_ref)
        except RegistryUnavailable:
            pass  # the registry drops members that ended on its own

    def load(self) -> ConsumerLoad:
        """Events handled and failed so far by this actor (a restart starts again from zero),
        and events in flight now. Safe from any thread; through the proxy it is a round trip."""
        with self._counts_lock:
            return ConsumerLoad(self._handled, self._failed, self._in_flight)

    def drain(self, timeout: float) -> bool:
        """Waits until no event is in flight (handlers done); False if some still run after
        `timeout` seconds. New events wait meanwhile, as if every slot were taken."""
        deadline = time.monotonic() + timeout
        taken = 0
        try:
            while taken < self.max_workers:
                if not self._slots.acquire(timeout=max(deadline - time.monotonic(), 0.0)):
                    return False
                taken += 1
            return True
        finally:
            for _ in range(taken):
                self._slots.release()

    # -- the path of an event -----------------------------------------------------------------

    def deliver(self, event: Event) -> bool:
        """Takes one event for a worker; runs in the dispatching (producer's) thread.

        Returns once the event has a slot (at once if one is free, else when one frees up or
        the consumer stops), having started its worker or queued it behind its key. False if
        the consumer stopped before taking it (its subscription then hands it to the restart).
        """
        events = self.events
        if events is not None and event.name not in events:
            _settle(event, False)
            return True
        if self._closed:
            return False
        try:
            self._slots.take_nowait()
        except Empty:
            if not self._wait_for_slot():
                return False
        with self._counts_lock:
            self._in_flight += 1
        key_of = self._key_of
        if key_of is not None:
            key = key_of(event)
            if key is not None:
                with self._order_lock:
                    if not self._order.offer(key, event):
                        return True  # runs when the event before it with that key is done
                start_worker(self._run_ordered, self._pool, event, key)
                return True
        start_worker(self._run, self._pool, event)
        return True

    def _wait_for_slot(self) -> bool:
        """Waits for a free slot; False if the consumer stops first. A shard's reader waiting
        here is told paused, and leaves with `DispatchAbandoned` once its shard stops
        (`actors.subscription.dispatch_wait`)."""
        slots = self._slots
        with dispatch_wait() as check:
            while not slots.acquire(timeout=SLOT_POLL):
                if self._closed or self.actor_stopped.is_set():
                    return False
                check()
        return True

    def _run(self, event: Event) -> None:
        failed = False
        local = self._local
        local.holds_slot = True
        try:
            dispatcher = self._dispatcher
            if dispatcher is None or not dispatcher.handle(self, event):
                self.handle_event(event)
        except Exception:
            failed = True
            log.exception(
                "consumer.handler_failed",
                consumer=type(self).__name__,
                event_name=event.name,
                shard=event.shard.id,
            )
        finally:
            with self._counts_lock:
                self._in_flight -= 1
                if failed:
                    self._failed += 1
                else:
                    self._handled += 1
                debt = self._debt  # `_give_back_slot`, under the same lock
                if debt:
                    self._debt = debt - 1
            local.holds_slot = False
            if not debt:
                self._slots.release()
            if type(event) is not Event:
                _settle(event, failed)

    def _run_ordered(self, event: Event, key: Hashable) -> None:
        self._run(event)
        with self._order_lock:
            has_next, following = self._order.done(key)
        if has_next:
            assert following is not None
            start_worker(self._run_ordered, self._pool, following, key)


def _settle(event: Event, failed: bool) -> None:
    """Tells an event from another node that its handler ran (the cluster backend acknowledges
    it then, or leaves a failed one for redelivery; see actors/cluster_groups.py)."""
    if type(event) is Event:  # a local event: nothing to settle (and no failed getattr)
        return
    settle = getattr(event, "settle", None)
    if settle is not None:
        settle(failed)
