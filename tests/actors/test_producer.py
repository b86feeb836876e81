"""The producer: cache apply, fan-out to the consumers' group, the reply as backpressure."""

from __future__ import annotations

import threading
from threading import current_thread
from typing import Any, NamedTuple

import pykka
import pytest
from structlog.testing import capture_logs

import supervisors
from actors.cache import CacheActor
from actors.consumer import Consumer
from actors.errors import DispatchAbandoned
from actors.groups import Groups
from actors.handoff import Handoff
from actors.messages import ApplyEvent, Attach, Dispatch
from actors.producer import ProducerActor, ask_cache, raw
from actors.subscription import current
from bot.cache import Applied, Cache, Stores
from bot.events import Event, ShardInfo
from bot.payloads import Message
from tests.actors.pipeline_helpers import (  # noqa: F401
    WAIT,
    Actors,
    ReaderPause,
    actors_fixture,
    groups_fixture,
)

# How long a reply must stay unanswered to count as held back (a negative check needs a wait).
HELD = 0.3


def members_of(groups: Groups, actors: Actors, count: int) -> list[list[Event]]:
    seen: list[list[Event]] = []
    for _ in range(count):
        ref, _ = actors.recorder()
        got: list[Event] = []
        groups.join("consumers", ref, got.append)
        seen.append(got)
    return seen


def test_every_member_gets_every_event_then_the_shard_is_answered(
    groups: Groups, actors: Actors
) -> None:
    seen = members_of(groups, actors, 3)
    shard = ShardInfo(4, latency=0.042)
    producer = actors.add(ProducerActor.start(4, groups, shard=shard, apply=raw))
    for seq in range(1, 6):
        producer.ask(Dispatch(4, seq, "MESSAGE_CREATE", {"n": seq}), block=False).get(timeout=WAIT)
        # The reply comes only after every member has the event.
        assert all(len(got) == seq for got in seen)
    for got in seen:
        assert [event.data["n"] for event in got] == [1, 2, 3, 4, 5]
        assert all(event.name == "MESSAGE_CREATE" and event.shard is shard for event in got)
    assert producer.proxy().last_seq.get(timeout=WAIT) == 5


def test_no_consumers_still_answers(groups: Groups, actors: Actors) -> None:
    producer = actors.add(ProducerActor.start(0, groups))
    assert producer.ask(Dispatch(0, 1, "TYPING_START", {}), timeout=WAIT) is None


def test_consumers_get_what_apply_returns(groups: Groups, actors: Actors) -> None:
    (got,) = members_of(groups, actors, 1)
    calls: list[tuple[str, Any, int]] = []

    def apply(name: str, data: Any, shard_id: int) -> Applied:
        calls.append((name, data, shard_id))
        return Applied("GUILD_AVAILABLE" if name == "GUILD_CREATE" else name, ("old", "new"))

    producer = actors.add(ProducerActor.start(2, groups, apply=apply))
    producer.ask(Dispatch(2, 9, "CHANNEL_UPDATE", {"id": 1}), timeout=WAIT)
    producer.ask(Dispatch(2, 10, "GUILD_CREATE", {"id": 2}), timeout=WAIT)
    assert calls == [("CHANNEL_UPDATE", {"id": 1}, 2), ("GUILD_CREATE", {"id": 2}, 2)]
    assert got[0] == Event("CHANNEL_UPDATE", ("old", "new"), got[0].shard)
    assert got[1].name == "GUILD_AVAILABLE"  # the cache may rename an event
    assert got[0].shard.id == 2


def test_without_a_cache_consumers_get_payload_objects(groups: Groups, actors: Actors) -> None:
    (got,) = members_of(groups, actors, 1)
    producer = actors.add(ProducerActor.start(0, groups))
    message = {"id": 10, "channel_id": 20, "content": "hi", "author": {"id": 30}}
    producer.ask(Dispatch(0, 1, "MESSAGE_CREATE", message), timeout=WAIT)
    producer.ask(Dispatch(0, 2, "SOMETHING_NEW", {"x": 1}), timeout=WAIT)
    assert isinstance(got[0].data, Message)
    assert (got[0].data.channel_id, got[0].data.author.id) == (20, 30)
    assert got[1] == Event("SOMETHING_NEW", {"x": 1}, got[1].shard)  # unknown: raw data


def test_through_the_real_cache_actor(groups: Groups, actors: Actors) -> None:
    (got,) = members_of(groups, actors, 1)
    stores = Stores.in_memory()
    cache = actors.add(CacheActor.start(stores))
    producer = actors.add(ProducerActor.start(0, groups, apply=ask_cache(lambda: cache)))
    message = {"id": 10, "channel_id": 20, "content": "hi", "author": {"id": 30}}
    producer.ask(Dispatch(0, 1, "MESSAGE_CREATE", message), timeout=WAIT)
    assert got[0].name == "MESSAGE_CREATE" and isinstance(got[0].data, Message)
    assert got[0].data.content == "hi"
    assert Cache(stores).get_message(10) is not None


class FakeCache(supervisors.Actor):
    """Answers `ApplyEvent` the way the CacheActor does: with what consumers get."""

    def __init__(self, tag: str) -> None:
        super().__init__()
        self.tag = tag

    def on_receive(self, message: Any) -> Any:
        assert isinstance(message, ApplyEvent)
        if message.data == "poison":
            raise ValueError("cache cannot apply this")
        return Applied(message.name, (self.tag, message.name, message.data, message.shard_id))


def test_ask_cache_finds_the_cache_by_name_at_every_event(groups: Groups, actors: Actors) -> None:
    (got,) = members_of(groups, actors, 1)
    names: dict[str, pykka.ActorRef[Any]] = {"cache": actors.add(FakeCache.start("first"))}
    producer = actors.add(
        ProducerActor.start(1, groups, apply=ask_cache(lambda: names.get("cache")))
    )
    producer.ask(Dispatch(1, 1, "GUILD_CREATE", {"id": 5}), timeout=WAIT)
    names["cache"].stop(timeout=WAIT)
    names["cache"] = actors.add(FakeCache.start("restarted"))
    producer.ask(Dispatch(1, 2, "GUILD_UPDATE", {"id": 5}), timeout=WAIT)
    assert [event.data for event in got] == [
        ("first", "GUILD_CREATE", {"id": 5}, 1),
        ("restarted", "GUILD_UPDATE", {"id": 5}, 1),
    ]


def test_a_failing_apply_is_logged_and_the_raw_data_still_goes_out(
    groups: Groups, actors: Actors
) -> None:
    (got,) = members_of(groups, actors, 1)
    names: dict[str, pykka.ActorRef[Any]] = {}
    producer = actors.add(
        ProducerActor.start(3, groups, apply=ask_cache(lambda: names.get("cache")))
    )
    with capture_logs() as logs:
        producer.ask(Dispatch(3, 7, "MESSAGE_CREATE", "poison"), timeout=WAIT)  # no cache
        names["cache"] = actors.add(FakeCache.start("c"))
        producer.ask(Dispatch(3, 8, "MESSAGE_CREATE", "poison"), timeout=WAIT)  # cache raises
        names["cache"] = actors.add(FakeCache.start("restarted"))  # as its supervisor would
        producer.ask(Dispatch(3, 9, "MESSAGE_CREATE", "fine"), timeout=WAIT)
    assert [event.data for event in got[:2]] == ["poison", "poison"]
    failures = [entry for entry in logs if entry["event"] == "producer.apply_failed"]
    assert [(f["shard"], f["seq"], f["event_name"]) for f in failures] == [
        (3, 7, "MESSAGE_CREATE"),
        (3, 8, "MESSAGE_CREATE"),
    ]
    assert all(f["log_level"] == "error" and f.get("exc_info") for f in failures)
    assert producer.is_alive()
    assert got[2].data == ("restarted", "MESSAGE_CREATE", "fine", 3)


class Gate(Consumer):
    """Each handler waits until the test opens its gate."""

    max_workers = 2
    events = frozenset({"MESSAGE_CREATE"})

    def __init__(self, groups: Groups, gate: threading.Event, started: list[Event]) -> None:
        super().__init__(groups)
        self.gate = gate
        self.started = started

    def handle_event(self, event: Event) -> None:
        self.started.append(event)
        assert self.gate.wait(WAIT)


def test_a_consumer_at_max_workers_holds_the_reply_back(groups: Groups, actors: Actors) -> None:
    gate = threading.Event()
    started: list[Event] = []
    actors.add(Gate.start(groups, gate, started))
    producer = actors.add(ProducerActor.start(0, groups))

    def dispatch(seq: int, name: str = "MESSAGE_CREATE") -> pykka.Future[Any]:
        return producer.ask(Dispatch(0, seq, name, seq), block=False)

    dispatch(1).get(timeout=WAIT)
    dispatch(2).get(timeout=WAIT)  # two slots: both taken, both answered
    held = dispatch(3)
    with pytest.raises(pykka.Timeout):
        held.get(timeout=HELD)
    gate.set()
    held.get(timeout=WAIT)
    dispatch(4).get(timeout=WAIT)


def test_a_skipped_event_takes_no_slot(groups: Groups, actors: Actors) -> None:
    gate = threading.Event()
    started: list[Event] = []
    actors.add(Gate.start(groups, gate, started))
    producer = actors.add(ProducerActor.start(0, groups))
    producer.ask(Dispatch(0, 1, "MESSAGE_CREATE", 1), timeout=WAIT)
    producer.ask(Dispatch(0, 2, "MESSAGE_CREATE", 2), timeout=WAIT)
    # Every slot is taken, yet events the consumer does not handle pass at once.
    for seq in range(3, 50):
        producer.ask(Dispatch(0, seq, "TYPING_START", seq), timeout=WAIT)
    gate.set()
    assert {event.data for event in started} <= {1, 2}


def test_a_consumer_that_stops_lets_a_waiting_producer_go(groups: Groups, actors: Actors) -> None:
    gate = threading.Event()
    started: list[Event] = []
    consumer = actors.add(Gate.start(groups, gate, started))
    producer = actors.add(ProducerActor.start(0, groups))
    producer.ask(Dispatch(0, 1, "MESSAGE_CREATE", 1), timeout=WAIT)
    producer.ask(Dispatch(0, 2, "MESSAGE_CREATE", 2), timeout=WAIT)
    held = producer.ask(Dispatch(0, 3, "MESSAGE_CREATE", 3), block=False)
    stopped = consumer.stop(block=False)  # it leaves, then lets running handlers finish
    held.get(timeout=WAIT)
    gate.set()
    stopped.get(timeout=WAIT)


def attached_pipe(producer: pykka.ActorRef[Any], acked: list[int]) -> Handoff:
    """A shard's pipe, attached to `producer` as a shard attaches it (told, then waited on)."""
    pipe = Handoff(producer.tell, acked.append, deferred=True)
    producer.tell(Attach(pipe))
    producer.ask(Dispatch(0, None, "PING", None), timeout=WAIT)  # the Attach is done
    return pipe


def test_an_inline_producer_hands_on_in_the_shards_reader(groups: Groups, actors: Actors) -> None:
    threads: list[threading.Thread] = []
    groups.join("consumers", actors.recorder()[0], lambda e: threads.append(current_thread()))
    producer = actors.add(ProducerActor.start(0, groups, apply=raw))
    acked: list[int] = []
    pipe = attached_pipe(producer, acked)
    threads.clear()
    for seq in (1, 2, 3):
        assert pipe.put(Dispatch(0, seq, "MESSAGE_CREATE", {"n": seq}), timeout=0)
    assert acked == [1, 2, 3]  # each acknowledged before its put returned
    assert threads == [current_thread()] * 3
    assert producer.proxy().last_seq.get(timeout=WAIT) == 3


def test_a_producer_not_inline_hands_on_in_its_own_thread(groups: Groups, actors: Actors) -> None:
    threads: list[threading.Thread] = []
    done = threading.Event()

    def deliver(event: Event) -> None:
        threads.append(current_thread())
        if event.data["n"] == 2:
            done.set()

    groups.join("consumers", actors.recorder()[0], deliver)
    producer = actors.add(ProducerActor.start(0, groups, apply=raw, inline=False))
    acked: list[int] = []
    pipe = attached_pipe(producer, acked)
    threads.clear()
    for seq in (1, 2):
        assert pipe.put(Dispatch(0, seq, "MESSAGE_CREATE", {"n": seq}), timeout=0)
    pipe.flush()
    assert done.wait(WAIT) and pipe.wait_idle(WAIT)
    assert acked == [1, 2]
    assert len(threads) == 2 and current_thread() not in threads


class GatedPipe(NamedTuple):
    """A shard's pipe into an inline producer whose one consumer (`Gate`, two slots) holds its
    handlers until `gate` is set."""

    pipe: Handoff
    gate: threading.Event
    started: list[Event]
    acked: list[int]


def gated_pipe(groups: Groups, actors: Actors) -> GatedPipe:
    gate = threading.Event()
    started: list[Event] = []
    actors.add(Gate.start(groups, gate, started))
    producer = actors.add(ProducerActor.start(0, groups))
    acked: list[int] = []
    return GatedPipe(attached_pipe(producer, acked), gate, started, acked)


def test_an_inline_put_waiting_for_a_slot_pauses_its_reader_and_leaves_when_it_stops(
    groups: Groups, actors: Actors
) -> None:
    pipe, gate, started, acked = gated_pipe(groups, actors)
    pause = ReaderPause()
    outcome: list[BaseException | None] = []

    def reader() -> None:
        current.pause = pause
        try:
            for seq in (1, 2, 3):  # two slots: the third waits
                pipe.put(Dispatch(0, seq, "MESSAGE_CREATE", seq), timeout=0)
            outcome.append(None)
        except BaseException as exc:
            outcome.append(exc)

    thread = threading.Thread(target=reader)
    try:
        thread.start()
        assert pause.entered.wait(WAIT)  # the reader waits for a slot, told paused
        assert acked == [1, 2] and not pause.left.is_set()
        pause.stopping.set()
        thread.join(WAIT)
        assert not thread.is_alive()
        assert pause.left.is_set()
        assert len(outcome) == 1 and isinstance(outcome[0], DispatchAbandoned)
        assert acked == [1, 2]  # the third is not acknowledged: a RESUME replays it
    finally:
        gate.set()
        thread.join(WAIT)
    assert {event.data for event in started} == {1, 2}


def test_an_inline_put_waiting_for_a_slot_goes_on_once_one_frees(
    groups: Groups, actors: Actors
) -> None:
    pipe, gate, _, acked = gated_pipe(groups, actors)
    pause = ReaderPause()
    current.pause = pause
    try:
        pipe.put(Dispatch(0, 1, "MESSAGE_CREATE", 1), timeout=0)
        pipe.put(Dispatch(0, 2, "MESSAGE_CREATE", 2), timeout=0)
        assert not pause.entered.is_set()  # a free slot: no pause

        def open_when_paused() -> None:
            if pause.entered.wait(WAIT):
                gate.set()

        opener = threading.Thread(target=open_when_paused)
        opener.start()
        pipe.put(Dispatch(0, 3, "MESSAGE_CREATE", 3), timeout=0)
        opener.join(WAIT)
    finally:
        del current.pause
        gate.set()
    assert pause.entered.is_set() and pause.left.is_set()
    assert acked == [1, 2, 3]
