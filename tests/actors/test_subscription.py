"""A consumer's Subscription: its place in the group outlives its crashes."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest

from actors.registry import LocalGroups, start_local_groups
from actors.subscription import Subscription

GROUP = "consumers"
WAIT = 5.0


@pytest.fixture
def groups() -> Iterator[LocalGroups]:
    backend, ref = start_local_groups()
    yield backend
    ref.stop()


class Taker:
    """A consumer's deliver: records what it took; refuses (False) once closed."""

    def __init__(self) -> None:
        self.taken: list[Any] = []
        self.closed = False
        self.took = threading.Event()
        self.refused = threading.Event()

    def deliver(self, event: Any) -> bool:
        if self.closed:
            self.refused.set()
            return False
        self.taken.append(event)
        self.took.set()
        return True


def test_attach_joins_once_and_close_leaves(groups: LocalGroups) -> None:
    subscription = Subscription(groups, GROUP, "c0")
    first, second = Taker(), Taker()
    subscription.attach(first.deliver)
    subscription.attach(second.deliver)  # a restart: same place, not a second member
    assert groups.members(GROUP) == (subscription,)
    assert groups.dispatch(GROUP, "e1") == 1
    assert second.taken == ["e1"] and first.taken == []
    subscription.close()
    assert groups.members(GROUP) == ()


def test_events_wait_for_the_restart_after_a_crash(groups: LocalGroups) -> None:
    subscription = Subscription(groups, GROUP, "c0")
    crashed, restarted = Taker(), Taker()
    subscription.attach(crashed.deliver)
    subscription.detach(crashed.deliver)
    done = threading.Event()

    def dispatch() -> None:
        groups.dispatch(GROUP, "during restart")
        done.set()

    producer = threading.Thread(target=dispatch)
    producer.start()
    assert not done.wait(0.2)  # the producer waits: backpressure, not loss
    subscription.attach(restarted.deliver)
    assert done.wait(WAIT)
    producer.join(WAIT)
    assert restarted.taken == ["during restart"] and crashed.taken == []


def test_an_event_the_dying_consumer_refused_goes_to_its_successor(groups: LocalGroups) -> None:
    subscription = Subscription(groups, GROUP, "c0")
    dying, successor = Taker(), Taker()
    dying.closed = True  # stopped between being dispatched to and taking the event
    subscription.attach(dying.deliver)
    producer = threading.Thread(target=groups.dispatch, args=(GROUP, "handed over"))
    producer.start()
    # the dying consumer refused it first: only then does the successor attach (the handover)
    assert dying.refused.wait(WAIT)
    assert not successor.took.is_set() and producer.is_alive()  # the event waits, not lost
    subscription.attach(successor.deliver)
    assert successor.took.wait(WAIT)
    producer.join(WAIT)
    assert successor.taken == ["handed over"] and dying.taken == []


def test_with_no_restart_an_event_is_dropped_after_the_wait(groups: LocalGroups) -> None:
    subscription = Subscription(groups, GROUP, "c0", restart_wait=0.05)
    taker = Taker()
    subscription.attach(taker.deliver)
    subscription.detach(taker.deliver)
    assert groups.dispatch(GROUP, "lost") == 1  # returns (logged as dropped), never hangs
    assert taker.taken == []


def test_close_lets_a_waiting_producer_go(groups: LocalGroups) -> None:
    subscription = Subscription(groups, GROUP, "c0")
    taker = Taker()
    subscription.attach(taker.deliver)
    subscription.detach(taker.deliver)
    producer = threading.Thread(target=groups.dispatch, args=(GROUP, "e"))
    producer.start()
    subscription.close()
    producer.join(WAIT)
    assert not producer.is_alive()
    assert taker.taken == []
