"""`Subscription`: a supervised consumer's place in its group, kept across its crashes.

Plain process groups (Erlang's `pg`) drop a member when it dies, and its restart joins again:
every event dispatched in between is lost to it. A bot must not lose events that way, so the
tree gives each of its consumers a `Subscription`, made once and handed to every (re)start, like
the cache stores and the shard sessions:

- the subscription, not the consumer actor, is the member of the group;
- a (re)started consumer `attach`es its `deliver`; a crash only `detach`es it (the place stays);
- while detached, `deliver` waits (that is backpressure: the producer waits, so its shard stops
  reading) until the restarted consumer attaches, then hands it the event; an event that a dying
  consumer had not taken is handed to the next one;
- a consumer that stops (a normal stop or a shutdown) `close`s it: the place is given up.

A consumer stopped by its supervisor (a restart, or a supervisor that gave up and is restarted
by its own) keeps its place exactly as a crashed one does. If no consumer attaches within
`restart_wait` seconds, the event is dropped with an error log (`consumer.event_dropped`, naming
the consumer, the event, its shard and seq), and the place lapses: later events are dropped at
once, each with the same error log, until a consumer attaches again. Nothing is dropped
silently, and a consumer that is gone for good does not hold its producer up for
`restart_wait` on every event.

The seq in that log is the one the dispatching producer is handing on (`current`, a
thread-local the producer sets).

A wait of the dispatching thread (here for a restart, in `actors.consumer` for a slot, in the
cluster's publisher for room) is wrapped in `dispatch_wait()`. Where that thread is a shard's
reader (its producer runs in it, see `actors.producer`), the reader sets `current.pause`: the
wait tells its session that the reader is paused (a heartbeat ACK left unread is no zombie),
and each poll of the wait calls its `check`, which raises `DispatchAbandoned` once the shard
stops, so the reader is never held past its shard's stop. Turns the thread holds
(`supervisors.hold_turns`: a reader's workers, started once per read of its socket) are
released first: a consumer's slot frees only when one of its workers has run.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from typing import Any, Protocol

import structlog

from actors.errors import RegistryUnavailable
from actors.groups import Groups
from supervisors import release_turns

__all__ = ["RESTART_WAIT", "WAIT_POLL", "Pause", "Subscription", "current", "dispatch_wait"]

log = structlog.get_logger(__name__)

RESTART_WAIT = 10.0
"""Seconds an event waits for a crashed consumer's restart before it is dropped (logged)."""

WAIT_POLL = 0.05
"""Ours: seconds between two checks of `current.pause` while a dispatch waits for a restart."""

current = threading.local()
"""`current.seq`: the seq of the dispatch the producer in this thread is handing on (for logs);
`current.pause`: the `Pause` of a reader that dispatches itself (unset elsewhere)."""


class Pause(Protocol):
    """Set as `current.pause` by a shard's reader: entered around a wait of its dispatch."""

    def __enter__(self) -> object: ...

    def __exit__(self, *exc_info: object) -> None: ...

    def check(self) -> None:
        """Raises `DispatchAbandoned` once the reader must stop waiting."""


def _go_on() -> None:
    return None


@contextmanager
def dispatch_wait() -> Iterator[Callable[[], None]]:
    """Around a wait of the dispatching thread: yields the check to call at each poll (see the
    module docstring)."""
    release_turns()  # the turns this thread holds may be what frees what it waits for
    pause: Pause | None = getattr(current, "pause", None)
    if pause is None:
        yield _go_on
        return
    with pause:
        yield pause.check


Deliver = Callable[[Any], bool | None]
"""A consumer's `deliver(event)`: False if it stopped before taking the event."""


class Subscription:
    """One consumer's durable membership of `group` (see the module docstring)."""

    def __init__(
        self, groups: Groups, group: Hashable, name: str, *, restart_wait: float = RESTART_WAIT
    ) -> None:
        self.groups = groups
        self.group = group
        self.name = name
        self.restart_wait = restart_wait
        self._cond = threading.Condition()
        self._deliver: Deliver | None = None
        self._joined = False
        self._closed = False
        self._lapsed = False  # no restart came in time: events are dropped (logged) at once
        # A member needs a unique urn, as an actor's ref has.
        self.actor_urn = f"urn:shardline:subscription:{name}:{id(self):x}"

    def __repr__(self) -> str:
        state = "closed" if self._closed else "attached" if self._deliver else "waiting"
        return f"<Subscription {self.name} {state}>"

    # -- as a group member -----------------------------------------------------------------------

    def is_alive(self) -> bool:
        """A member while not closed, attached or waiting for its consumer's restart."""
        return not self._closed

    def tell(self, message: Any) -> None:
        self.deliver(message)

    def deliver(self, event: Any) -> None:
        """Hands `event` to the attached consumer, waiting for a restarting one to attach."""
        # The common case without the condition's lock: reading the attribute is atomic, and a
        # consumer that stopped meanwhile refuses the event (False): the slow path below.
        deliver = self._deliver
        if deliver is not None and not self._closed and deliver(event) is not False:
            return
        deadline: float | None = None
        while True:
            with self._cond:
                if self._deliver is None and not self._closed:
                    with dispatch_wait() as check:
                        while self._deliver is None and not self._closed:
                            now = time.monotonic()
                            deadline = deadline if deadline is not None else now + self.restart_wait
                            if now >= deadline or self._lapsed:
                                self._lapsed = True
                                self._dropped(event)
                                return
                            self._cond.wait(min(deadline - now, WAIT_POLL))
                            check()
                if self._closed:
                    return
                deliver = self._deliver
            if deliver is None or deliver(event) is not False:
                return
            # It stopped before taking the event: wait for its successor, then hand it over.
            with self._cond:
                if self._deliver == deliver:
                    self._deliver = None

    def _dropped(self, event: Any) -> None:
        shard = getattr(event, "shard", None)
        log.error(
            "consumer.event_dropped",
            consumer=self.name,
            event_name=getattr(event, "name", None),
            shard=getattr(shard, "id", None),
            seq=getattr(current, "seq", None),
            reason="no restart",
            waited=self.restart_wait,
        )

    # -- for the consumer ------------------------------------------------------------------------

    def attach(self, deliver: Deliver) -> None:
        """A (re)started consumer takes the place; joins the group the first time."""
        with self._cond:
            self._deliver = deliver
            self._closed = False
            self._lapsed = False
            self._cond.notify_all()
            join = not self._joined
            self._joined = True
        if join:
            try:
                self.groups.join(self.group, self, self.deliver)
            except BaseException:
                with self._cond:
                    self._joined = False
                raise

    def detach(self, deliver: Deliver) -> None:
        """The consumer crashed: its place stays, events wait for its restart."""
        with self._cond:
            if self._deliver == deliver:  # bound methods: equal, never identical
                self._deliver = None

    def close(self) -> None:
        """The consumer stopped: give up the place (waiting events are let go)."""
        with self._cond:
            self._closed = True
            self._deliver = None
            self._cond.notify_all()
            leave = self._joined
            self._joined = False
        if leave:
            try:
                self.groups.leave(self.group, self)
            except RegistryUnavailable:
                pass  # the registry is gone too; a closed member is skipped and swept
