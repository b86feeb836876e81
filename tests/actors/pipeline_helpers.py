"""Helpers shared by the registry, producer and consumer tests: recorder actors and backends."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

import pykka
import pytest

import supervisors
from actors.errors import DispatchAbandoned
from actors.groups import Groups
from actors.registry import start_local_groups

WAIT = 10.0  # generous: two cores shared with other work


class Inbox:
    """A thread-safe list of received messages; `wait_for_count(n)` blocks until it has n."""

    def __init__(self) -> None:
        self.received: list[Any] = []
        self._cond = threading.Condition()

    def append(self, message: Any) -> None:
        with self._cond:
            self.received.append(message)
            self._cond.notify_all()

    def wait_for_count(self, count: int, timeout: float = WAIT) -> list[Any]:
        with self._cond:
            assert self._cond.wait_for(lambda: len(self.received) >= count, timeout), (
                f"got {len(self.received)} of {count}"
            )
            return list(self.received)

    def wait_until(self, predicate: Callable[[list[Any]], bool], timeout: float = WAIT) -> None:
        with self._cond:
            assert self._cond.wait_for(lambda: predicate(self.received), timeout)


class Recorder(supervisors.Actor):
    """Puts every message it gets in its `Inbox`."""

    def __init__(self, inbox: Inbox) -> None:
        super().__init__()
        self.inbox = inbox

    def on_receive(self, message: Any) -> None:
        self.inbox.append(message)


class ReaderPause:
    """Stands for a shard reader's `current.pause` (`actors.subscription.Pause`): records that
    a wait entered and left it; its `check` raises DispatchAbandoned once `stopping` is set."""

    def __init__(self) -> None:
        self.entered = threading.Event()
        self.left = threading.Event()
        self.stopping = threading.Event()

    def __enter__(self) -> None:
        self.entered.set()

    def __exit__(self, *_exc_info: object) -> None:
        self.left.set()

    def check(self) -> None:
        if self.stopping.is_set():
            raise DispatchAbandoned()


class Actors:
    """Starts actors for a test and stops every one of them at the end."""

    def __init__(self) -> None:
        self.refs: list[pykka.ActorRef[Any]] = []

    def add(self, ref: pykka.ActorRef[Any]) -> pykka.ActorRef[Any]:
        self.refs.append(ref)
        return ref

    def recorder(self) -> tuple[pykka.ActorRef[Any], Inbox]:
        inbox = Inbox()
        return self.add(Recorder.start(inbox)), inbox

    def stop_all(self) -> None:
        for ref in reversed(self.refs):
            if ref.is_alive():
                ref.stop(timeout=WAIT)


@pytest.fixture(name="actors")
def actors_fixture() -> Iterator[Actors]:
    started = Actors()
    yield started
    started.stop_all()


BACKENDS = ["local"]


def make_backend(kind: str, actors: Actors) -> Groups:
    """A fresh groups backend of `kind`, its actors stopped with the test's."""
    if kind == "local":
        groups, registry = start_local_groups()
        actors.add(registry)
        return groups
    raise AssertionError(kind)


@pytest.fixture(name="groups", params=BACKENDS)
def groups_fixture(request: pytest.FixtureRequest, actors: Actors) -> Groups:
    return make_backend(request.param, actors)
