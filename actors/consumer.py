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
- The event then runs in a new short-lived worker (`start_worker`), which calls `handle_event`,
  logs anything it raises (`consumer.handler_failed` with the event name, shard and traceback)
  and gives the slot back. A raising handler stops nothing else.
- The consumer actor itself never waits for a slot (unless someone `tell`s it an `Event`
  directly), so it can always be stopped; a producer waiting on a consumer that stops is let go.

`order_by = "channel"` or `"guild"` (or a function of the event) keeps events with the same key
one after another, different keys in parallel; off by default. Waiting events keep their slots,
so `max_workers` still bounds everything in flight.

Many workers run `handle_event` at once on the same consumer object: state kept on it must be
safe for threads (a lock, or `queue`, or `itertools.count`). See docs/consumers.md.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from typing import Any, ClassVar

import structlog

import supervisors
from actors.errors import RegistryUnavailable
from actors.groups import CONSUMERS, Groups
from actors.messages import ConsumerLoad
from actors.ordering import KeyedQueue, OrderBy, key_function
from actors.slots import Slots
from actors.subscription import Subscription
from actors.waiting import Expectation, expect
from actors.workers import start_worker
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
        schedule: Schedule | None = None,
    ) -> None:
        """`subscription`: the place in the group that the tree keeps across this consumer's
        crashes (see actors/subscription.py); without one it joins the group itself.
        `schedule`: the timer of the 3 s interaction deadline (the bot's own; None: the
        process-wide one)."""
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
        self, name: str, check: Callable[[Event], bool] | None = None, timeout: float | None = None
    ) -> Event:
        """Waits for the next event `name` passing `check`; raises TimeoutError after `timeout`.

        Called from `handle_event` it holds that worker's slot while it waits. `check` runs in
        the producer's thread: keep it quick.
        """
        with self.expect(name, check) as expectation:
            return expectation.result(timeout)

    def expect(self, name: str, check: Callable[[Event], bool] | None = None) -> Expectation:
        """Subscribes now, waits later: nothing dispatched after this returns is missed.

        with self.expect("MESSAGE_CREATE", lambda e: e.data.author.id == user) as reply:
            self.api.create_message(channel, content="Say something")
            event = reply.result(timeout=30)
        """
        return expect(self.groups, name, check, group=self.group)

    # -- the actor ----------------------------------------------------------------------------

    def on_start(self) -> None:
        if self.subscription is not None:
            self.subscription.attach(self.deliver)
        else:
            self.groups.join(self.group, self.actor_ref, self.deliver)

    def on_stop(self) -> None:
        self._leave()
        if not self.drain(self.stop_grace):
            log.warning("consumer.stopped_with_handlers_running", consumer=str(self))

    def on_failure(self, *_exc_info: Any) -> None:
        self._leave(crashed=True)

    def on_receive(self, message: Any) -> Any:
        if isinstance(message, Event):
            # The slow lane (an Event told directly): waits for a slot in this actor's thread.
            self.deliver(message)
            return None
        log.warning("consumer.unknown_message", consumer=str(self), message=type(message).__name__)
        return None

    def _leave(self, crashed: bool = False) -> None:
        self._closed = True
        if self.subscription is not None:
            # A crash keeps the place for the restart; a stop gives it up.
            if crashed:
                self.subscription.detach(self.deliver)
            else:
                self.subscription.close()
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
        if not self._slots.acquire(blocking=False) and not self._wait_for_slot():
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
                start_worker(lambda: self._run_ordered(event, key))
                return True
        start_worker(lambda: self._run(event))
        return True

    def _wait_for_slot(self) -> bool:
        slots = self._slots
        while not slots.acquire(timeout=SLOT_POLL):
            if self._closed or self.actor_stopped.is_set():
                return False
        return True

    def _run(self, event: Event) -> None:
        failed = False
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
            self._slots.release()
            _settle(event, failed)

    def _run_ordered(self, event: Event, key: Hashable) -> None:
        self._run(event)
        with self._order_lock:
            has_next, following = self._order.done(key)
        if has_next:
            assert following is not None
            start_worker(lambda: self._run_ordered(following, key))


def _settle(event: Event, failed: bool) -> None:
    """Tells an event from another node that its handler ran (the cluster backend acknowledges
    it then, or leaves a failed one for redelivery; see actors/cluster_groups.py)."""
    settle = getattr(event, "settle", None)
    if settle is not None:
        settle(failed)
