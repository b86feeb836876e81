"""A consumer's Subscription: its place in the group outlives its crashes."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest

from actors.errors import DispatchAbandoned
from actors.registry import LocalGroups, start_local_groups
from actors.subscription import Subscription, current
from tests.actors.pipeline_helpers import ReaderPause

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


def test_a_lapsed_place_drops_at_once_and_logs_each_event_with_shard_and_seq(
    groups: LocalGroups,
) -> None:
    from structlog.testing import capture_logs

    from actors.subscription import current
    from bot.events import Event, ShardInfo

    subscription = Subscription(groups, GROUP, "c0", restart_wait=0.05)
    taker = Taker()
    subscription.attach(taker.deliver)
    subscription.detach(taker.deliver)
    with capture_logs() as logs:
        for seq in (7, 8, 9):
            current.seq = seq
            groups.dispatch(GROUP, Event("MESSAGE_CREATE", {}, ShardInfo(3)))
    dropped = [e for e in logs if e["event"] == "consumer.event_dropped"]
    assert [(e["consumer"], e["shard"], e["seq"]) for e in dropped] == [
        ("c0", 3, 7),
        ("c0", 3, 8),
        ("c0", 3, 9),
    ]
    # Attached again, the place takes events again.
    subscription.attach(taker.deliver)
    groups.dispatch(GROUP, "kept")
    assert taker.taken == ["kept"]
    subscription.close()


def test_a_reader_waiting_for_a_restart_is_paused_and_leaves_when_it_stops(
    groups: LocalGroups,
) -> None:
    subscription = Subscription(groups, GROUP, "c0", restart_wait=60)
    crashed = Taker()
    subscription.attach(crashed.deliver)
    subscription.detach(crashed.deliver)
    pause = ReaderPause()
    raised: list[BaseException] = []

    def reader() -> None:
        current.pause = pause
        try:
            groups.dispatch(GROUP, "e1")
        except DispatchAbandoned as exc:  # not logged and swallowed by the group's dispatch
            raised.append(exc)

    thread = threading.Thread(target=reader)
    thread.start()
    assert pause.entered.wait(WAIT)
    pause.stopping.set()
    thread.join(WAIT)
    assert not thread.is_alive() and pause.left.is_set()
    assert len(raised) == 1
    restarted = Taker()
    subscription.attach(restarted.deliver)  # the place was kept: not lapsed, nothing dropped
    assert groups.dispatch(GROUP, "e2") == 1
    assert restarted.taken == ["e2"]
    subscription.close()
