"""Test helpers: a mailbox watcher, a scriptable worker actor, and a journal of hook calls."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from typing import Any

import supervisors

WAIT = 10.0  # generous: the machine is shared; waits end as soon as the condition holds


class Mailbox:
    """A watcher that is not an actor: `tell` puts the message on a queue."""

    def __init__(self) -> None:
        self.messages: queue.Queue[Any] = queue.Queue()

    def tell(self, message: Any) -> None:
        self.messages.put(message)

    def get(self, timeout: float = WAIT) -> Any:
        return self.messages.get(timeout=timeout)

    def empty(self) -> bool:
        return self.messages.empty()


class Journal:
    """Thread-safe record of (child name, event) pairs, e.g. ("a", "start")."""

    def __init__(self) -> None:
        self.entries: list[tuple[str, str]] = []
        self._lock = threading.Lock()

    def add(self, name: str, event: str) -> None:
        with self._lock:
            self.entries.append((name, event))

    def events(self, event: str) -> list[str]:
        with self._lock:
            return [name for name, what in self.entries if what == event]

    def clear(self) -> None:
        with self._lock:
            self.entries.clear()


class Crash(Exception):
    """The exception a Worker raises when told "crash"."""


class Worker(supervisors.Actor):
    """Replies to "ping"; "crash" raises Crash; "exit" stops normally; records its hooks."""

    def __init__(self, name: str = "w", journal: Journal | None = None) -> None:
        super().__init__()
        self.name = name
        self.journal = journal or Journal()

    def on_start(self) -> None:
        self.journal.add(self.name, "start")

    def on_stop(self) -> None:
        self.journal.add(self.name, "stop")

    def on_failure(self, *exc_info: Any) -> None:
        self.journal.add(self.name, "failure")

    def on_receive(self, message: Any) -> Any:
        if message == "crash":
            raise Crash(self.name)
        if message == "exit":
            self.actor_ref.tell(supervisors.Shutdown(supervisors.NORMAL))
            return None
        if message == "ping":
            return "pong"
        return message


def worker_spec(
    name: str, journal: Journal, start: Callable[[], Any] | None = None, **options: Any
) -> supervisors.ChildSpec:
    """A ChildSpec for a Worker named `name`."""
    return supervisors.ChildSpec(name, start or (lambda: Worker.start(name, journal)), **options)


def crash(names: supervisors.Names, name: str, message: str = "crash") -> Any:
    """Make the named child end (crash or exit) and wait until its Down has been sent."""
    ref = names.get(name, WAIT)
    ref.tell(message)
    assert ref.lifeline.wait(WAIT)
    return ref


def settle(sup: Any) -> list[supervisors.ChildInfo]:
    """Ask the supervisor something: it has then handled every message queued before."""
    return list(sup.proxy().which_children().get(timeout=WAIT))
