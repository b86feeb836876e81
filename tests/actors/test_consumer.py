"""Consumers: workers per event, errors, ordering, wait_for, restart and rejoin."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pykka
import pytest
from structlog.testing import capture_logs

from actors.consumer import Consumer
from actors.groups import CONSUMERS, Groups, Membership
from actors.messages import Dispatch, GroupJoined
from actors.ordering import KeyedQueue, channel_key, guild_key
from actors.producer import ProducerActor, raw
from actors.registry import GroupRegistry, LocalGroups
from actors.waiting import expect, wait_for
from bot import Consumer as ExportedConsumer
from bot import Event as ExportedEvent
from bot.events import Event, ShardInfo, Update
from supervisors import Names, Supervisor
from tests.actors.pipeline_helpers import (  # noqa: F401
    WAIT,
    Actors,
    Inbox,
    actors_fixture,
    groups_fixture,
)

SHARD = ShardInfo(0)


class Collect(Consumer):
    """Puts every event it handles in an `Inbox`; `fail` decides which handlers raise."""

    def __init__(
        self,
        groups: Groups,
        inbox: Inbox,
        fail: Callable[[Event], bool] = lambda event: False,
        **options: Any,
    ) -> None:
        super().__init__(groups, **options)
        self.inbox = inbox
        self.fail = fail

    def handle_event(self, event: Event) -> None:
        if self.fail(event):
            raise RuntimeError(f"handler failed on {event.data}")
        self.inbox.append(event)


def start_producer(groups: Groups, actors: Actors) -> pykka.ActorRef[Any]:
    return actors.add(ProducerActor.start(0, groups, shard=SHARD, apply=raw))


def send(producer: pykka.ActorRef[Any], seq: int, name: str, data: Any) -> None:
    producer.ask(Dispatch(0, seq, name, data), timeout=WAIT)


def test_bot_exports_consumer_and_event() -> None:
    assert ExportedConsumer is Consumer
    assert ExportedEvent is Event


def test_a_consumer_joins_on_start_and_handles_events(groups: Groups, actors: Actors) -> None:
    inbox = Inbox()
    consumer = actors.add(Collect.start(groups, inbox))
    assert groups.members(CONSUMERS) == (consumer,)
    producer = start_producer(groups, actors)
    for seq in range(20):
        send(producer, seq, "MESSAGE_CREATE", {"n": seq})
    got = inbox.wait_for_count(20)
    assert sorted(event.data["n"] for event in got) == list(range(20))
    assert all(event.shard is SHARD for event in got)
    consumer.stop(timeout=WAIT)
    assert groups.members(CONSUMERS) == ()


def test_match_works_on_the_event() -> None:
    event = Event("MESSAGE_CREATE", {"content": "!ping"}, ShardInfo(3, 0.05))
    match event:
        case Event("MESSAGE_CREATE", data) if data["content"] == "!ping":
            assert event.shard.id == 3 and event.shard.latency == 0.05
        case _:
            pytest.fail("no match")


def test_a_handler_raising_on_every_tenth_event_loses_none_of_the_others(
    groups: Groups, actors: Actors
) -> None:
    inbox = Inbox()
    consumer = actors.add(Collect.start(groups, inbox, fail=lambda e: e.data % 10 == 0))
    producer = start_producer(groups, actors)
    with capture_logs() as logs:
        for seq in range(1, 101):
            send(producer, seq, "MESSAGE_CREATE", seq)
        assert consumer.proxy().drain(WAIT).get(timeout=WAIT)
        got = inbox.wait_for_count(90)
    assert sorted(event.data for event in got) == [n for n in range(1, 101) if n % 10]
    failures = [entry for entry in logs if entry["event"] == "consumer.handler_failed"]
    assert len(failures) == 10
    assert {(f["event_name"], f["shard"], f["consumer"]) for f in failures} == {
        ("MESSAGE_CREATE", 0, "Collect")
    }
    assert all(f["log_level"] == "error" and f["exc_info"] for f in failures)
    assert producer.is_alive()


def test_a_handler_raising_system_exit_gives_its_slot_back_and_stops_nothing(
    groups: Groups, actors: Actors
) -> None:
    # SystemExit is no Exception: the consumer's own catch lets it through to the per-event
    # worker, which logs it as its failed start. With one slot, every later event shows the
    # slot came back.
    class Exiting(Collect):
        def handle_event(self, event: Event) -> None:
            if event.data == 1:
                raise SystemExit("a handler calling sys.exit()")
            super().handle_event(event)

    inbox = Inbox()
    consumer = actors.add(Exiting.start(groups, inbox, max_workers=1))
    producer = start_producer(groups, actors)
    with capture_logs() as logs:
        for seq in range(1, 6):
            send(producer, seq, "MESSAGE_CREATE", seq)
        got = inbox.wait_for_count(4)
        assert consumer.proxy().drain(WAIT).get(timeout=WAIT)
    assert sorted(event.data for event in got) == [2, 3, 4, 5]
    [failed] = [entry for entry in logs if entry["event"] == "actor_start_failed"]
    assert isinstance(failed["exc_info"], SystemExit)
    assert consumer.is_alive() and producer.is_alive()


def test_events_outside_the_set_are_skipped(groups: Groups, actors: Actors) -> None:
    class OnlyMessages(Collect):
        events = frozenset({"MESSAGE_CREATE"})

    inbox = Inbox()
    actors.add(OnlyMessages.start(groups, inbox))
    producer = start_producer(groups, actors)
    send(producer, 1, "TYPING_START", 1)
    send(producer, 2, "MESSAGE_CREATE", 2)
    send(producer, 3, "GUILD_CREATE", 3)
    send(producer, 4, "MESSAGE_CREATE", 4)
    assert sorted(event.data for event in inbox.wait_for_count(2)) == [2, 4]
    assert len(inbox.received) == 2


class Ordered(Consumer):
    """Records, per key, the events it runs and whether two of one key ever overlapped."""

    order_by = "channel"
    max_workers = 32  # room for the 20 events that wait behind a held one, and more

    def __init__(self, groups: Groups, inbox: Inbox, hold: dict[int, threading.Event]) -> None:
        super().__init__(groups)
        self.inbox = inbox
        self.hold = hold
        self.running: set[Any] = set()
        self.lock = threading.Lock()
        self.overlaps = 0

    def handle_event(self, event: Event) -> None:
        key = event.data["channel_id"]
        with self.lock:
            if key in self.running:
                self.overlaps += 1
            self.running.add(key)
        gate = self.hold.get(event.data["n"])
        if gate is not None:
            assert gate.wait(WAIT)
        with self.lock:
            self.running.discard(key)
        self.inbox.append(event)


def test_order_by_channel_keeps_one_key_in_order_and_others_in_parallel(
    groups: Groups, actors: Actors
) -> None:
    inbox = Inbox()
    first_held = threading.Event()
    ref = actors.add(Ordered.start(groups, inbox, {0: first_held}))
    producer = start_producer(groups, actors)
    # Event 0 (channel 1) is held: channel 1 waits behind it, channel 2 runs meanwhile.
    events = [{"n": n, "channel_id": 1 if n % 2 == 0 else 2} for n in range(40)]
    for n, data in enumerate(events):
        send(producer, n, "MESSAGE_CREATE", data)
    inbox.wait_for_count(20)
    assert {event.data["channel_id"] for event in inbox.received} == {2}
    first_held.set()
    got = inbox.wait_for_count(40)
    for channel in (1, 2):
        numbers = [event.data["n"] for event in got if event.data["channel_id"] == channel]
        assert numbers == sorted(numbers) and len(numbers) == 20
    assert ref.proxy().overlaps.get(timeout=WAIT) == 0


def test_keys_come_from_the_payload_or_the_object_itself() -> None:
    message = Event("MESSAGE_CREATE", {"channel_id": 5, "guild_id": 9}, SHARD)
    channel = Event("CHANNEL_UPDATE", Update(None, {"id": 5, "guild_id": 9}), SHARD)
    guild = Event("GUILD_CREATE", {"id": 9}, SHARD)
    ready = Event("READY", {"v": 10}, SHARD)
    assert [channel_key(e) for e in (message, channel, guild, ready)] == [5, 5, None, None]
    assert [guild_key(e) for e in (message, channel, guild, ready)] == [9, 9, 9, None]


def test_keyed_queue_without_threads() -> None:
    queue: KeyedQueue[str] = KeyedQueue()
    assert queue.offer("a", "a1") is True
    assert queue.offer("a", "a2") is False
    assert queue.offer("b", "b1") is True
    assert queue.offer("a", "a3") is False
    assert (queue.busy_keys(), queue.waiting()) == (2, 2)
    assert queue.done("a") == (True, "a2")
    assert queue.done("a") == (True, "a3")
    assert queue.done("a") == (False, None)
    assert queue.done("b") == (False, None)
    assert (queue.busy_keys(), queue.waiting()) == (0, 0)


def test_expect_loses_no_event_between_subscribing_and_waiting(
    groups: Groups, actors: Actors
) -> None:
    producer = start_producer(groups, actors)
    with expect(groups, "MESSAGE_CREATE", lambda e: e.data["author"] == 7) as reply:
        # Dispatched before anyone waits: still caught.
        send(producer, 1, "MESSAGE_CREATE", {"author": 1})
        send(producer, 2, "MESSAGE_CREATE", {"author": 7})
        send(producer, 3, "MESSAGE_CREATE", {"author": 7})
        event = reply.result(timeout=WAIT)
    assert event.data == {"author": 7} and event.name == "MESSAGE_CREATE"
    assert groups.members(CONSUMERS) == () or not any(
        ref.is_alive() for ref in groups.members(CONSUMERS)
    )


def test_wait_for_times_out_and_leaves_the_group(groups: Groups, actors: Actors) -> None:
    watcher, notices = actors.recorder()
    groups.monitor(CONSUMERS, watcher)
    with pytest.raises(TimeoutError):
        wait_for(groups, "MESSAGE_CREATE", timeout=0.1)
    notices.wait_for_count(2)  # joined, then left
    assert groups.members(CONSUMERS) == ()


def test_a_check_that_raises_reaches_the_waiter(groups: Groups, actors: Actors) -> None:
    producer = start_producer(groups, actors)

    def check(event: Event) -> bool:
        raise KeyError("bad check")

    with expect(groups, "MESSAGE_CREATE", check) as reply:
        send(producer, 1, "MESSAGE_CREATE", {})
        with pytest.raises(KeyError):
            reply.result(timeout=WAIT)


class Asker(Consumer):
    """On "!ask" waits inline for the same author's next message, with a single worker."""

    max_workers = 1

    def __init__(self, groups: Groups, inbox: Inbox, asked: threading.Event) -> None:
        super().__init__(groups)
        self.inbox = inbox
        self.asked = asked

    def handle_event(self, event: Event) -> None:
        if event.data["content"] != "!ask":
            return
        with self.expect("MESSAGE_CREATE", lambda e: e.data["author"] == event.data["author"]) as r:
            self.asked.set()
            self.inbox.append(r.result(timeout=WAIT))


def test_wait_for_inside_a_handler_at_max_workers(groups: Groups, actors: Actors) -> None:
    inbox = Inbox()
    asked = threading.Event()
    actors.add(Asker.start(groups, inbox, asked))
    producer = start_producer(groups, actors)
    send(producer, 1, "MESSAGE_CREATE", {"author": 3, "content": "!ask"})
    assert asked.wait(WAIT)
    # The consumer's only slot is held by the waiting handler; the waiter still gets this.
    send_future = producer.ask(
        Dispatch(0, 2, "MESSAGE_CREATE", {"author": 3, "content": "42"}), block=False
    )
    assert inbox.wait_for_count(1)[0].data["content"] == "42"
    send_future.get(timeout=WAIT)


class Crashy(Collect):
    """Crashes on the message "boom" told to it (a bug in a consumer's own code)."""

    def on_receive(self, message: Any) -> Any:
        if message == "boom":
            raise RuntimeError("consumer bug")
        return super().on_receive(message)


def test_a_crashed_consumer_is_restarted_and_rejoins(actors: Actors) -> None:
    names = Names()
    membership = Membership()
    groups = LocalGroups.named(membership, names)
    inbox = Inbox()
    tree = actors.add(
        Supervisor.start(
            children=[
                GroupRegistry.child_spec(membership),
                Crashy.child_spec(groups, id="collect", inbox=inbox),
                ProducerActor.child_spec(0, groups, apply=raw),
            ],
            names=names,
        )
    )
    first = names.get("collect", timeout=WAIT)
    assert groups.members(CONSUMERS) == (first,)
    watcher, notices = actors.recorder()
    groups.monitor(CONSUMERS, watcher)
    producer = names.get(("producer", 0), timeout=WAIT)
    send(producer, 1, "MESSAGE_CREATE", 1)
    inbox.wait_for_count(1)
    first.tell("boom")
    notices.wait_until(lambda got: any(isinstance(n, GroupJoined) for n in got))
    second = names.get("collect", timeout=WAIT)
    assert second is not first and not first.is_alive()
    assert groups.members(CONSUMERS) == (second,)
    send(producer, 2, "MESSAGE_CREATE", 2)
    assert [event.data for event in inbox.wait_for_count(2)] == [1, 2]
    tree.stop(timeout=WAIT)


def test_a_consumer_joining_mid_stream_gets_everything_after_its_join(
    groups: Groups, actors: Actors
) -> None:
    producer = start_producer(groups, actors)
    early = Inbox()
    actors.add(Collect.start(groups, early))
    sent = 0
    stop = threading.Event()
    progress = threading.Condition()

    def shard() -> None:
        nonlocal sent
        while not stop.is_set():
            send(producer, sent + 1, "MESSAGE_CREATE", sent + 1)
            with progress:
                sent += 1
                progress.notify_all()

    thread = threading.Thread(target=shard)
    thread.start()
    try:
        with progress:
            assert progress.wait_for(lambda: sent >= 50, WAIT)
        late = Inbox()
        actors.add(Collect.start(groups, late))
        # The send of `joined_after + 1` may have begun before the join; every later one
        # began after it, so reaches the late consumer.
        joined_after = sent
        with progress:
            assert progress.wait_for(lambda: sent >= joined_after + 50, WAIT)
    finally:
        stop.set()
        thread.join(WAIT)
    assert sorted(e.data for e in early.wait_for_count(sent)) == list(range(1, sent + 1))
    late.wait_until(lambda received: sent in (e.data for e in received))
    got = sorted(e.data for e in late.wait_for_count(sent - joined_after - 1))
    assert got == list(range(got[0], sent + 1))
    assert got[0] <= joined_after + 2


def test_order_by_accepts_a_function(groups: Groups, actors: Actors) -> None:
    class ByAuthor(Collect):
        order_by = staticmethod(lambda event: event.data["author"])
        max_workers = 8

    inbox = Inbox()
    actors.add(ByAuthor.start(groups, inbox))
    producer = start_producer(groups, actors)
    for n in range(30):
        send(producer, n, "MESSAGE_CREATE", {"author": n % 3, "n": n})
    got = inbox.wait_for_count(30)
    for author in range(3):
        numbers = [e.data["n"] for e in got if e.data["author"] == author]
        assert numbers == sorted(numbers)
