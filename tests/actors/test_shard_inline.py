"""A shard whose producer runs inline, in the shard's reader (the tree's default): the reader
waits for a consumer's slot itself, told paused, and leaves that wait when the shard stops."""

from __future__ import annotations

import threading
import time
from typing import Any

import pykka

from actors.consumer import Consumer
from actors.groups import Groups
from actors.producer import ProducerActor, raw
from actors.shard import ShardActor, ShardState
from actors.waiting import expect
from bot.events import Event
from bot.testing import FakeDiscord, GatewayConfig, World
from tests.actors.pipeline_helpers import (  # noqa: F401
    WAIT,
    Actors,
    actors_fixture,
    groups_fixture,
)
from tests.actors.shard_helpers import session_config


class Held(Consumer):
    """Records every event; MESSAGE_CREATE and TYPING_START handlers wait for the gate."""

    max_workers = 2
    gate = threading.Event()
    seen: list[Event] = []
    changed = threading.Condition()

    def handle_event(self, event: Event) -> None:
        with Held.changed:
            Held.seen.append(event)
            Held.changed.notify_all()
        if event.name in ("MESSAGE_CREATE", "TYPING_START"):
            assert Held.gate.wait(WAIT)

    @classmethod
    def wait_for(cls, count: int, name: str = "MESSAGE_CREATE") -> bool:
        with cls.changed:
            return cls.changed.wait_for(
                lambda: sum(e.name == name for e in cls.seen) >= count, WAIT
            )


def start(
    discord: FakeDiscord, groups: Groups, actors: Actors
) -> tuple[pykka.ActorRef[ShardActor], ShardState]:
    """Shard 0 with an inline producer and one `Held` consumer (its gate closed)."""
    state = ShardState(0, 1)
    Held.gate.clear()
    Held.seen = []
    actors.add(Held.start(groups))
    producer = actors.add(ProducerActor.start(0, groups, apply=raw))
    # Uncompressed: the stream's padding must fill the sockets, not shrink to nothing.
    config = session_config(discord, compression="none")
    return actors.add(ShardActor.start(config, state, producer)), state


def test_a_full_consumer_pauses_the_inline_reader_without_a_zombie_verdict(
    groups: Groups, actors: Actors
) -> None:
    config = GatewayConfig(heartbeat_interval_ms=200, heartbeat_grace=1.0, world=World(1, 1))
    with FakeDiscord(config=config) as discord:
        _, state = start(discord, groups, actors)
        try:
            assert Held.wait_for(1, "GUILD_CREATE")
            big = "x" * 16_000  # 24 MB: more than the sockets on both sides buffer
            seqs = discord.stream(1500, lambda i: ("TYPING_START", {"n": i, "pad": big}))
            assert Held.wait_for(2, "TYPING_START")  # both slots taken: the reader waits
            before = len(discord.received(1))
            discord.wait_for_heartbeats(before + 8, timeout=10)  # ~1.6 s of heartbeats
            assert sum(e.name == "TYPING_START" for e in Held.seen) == 2
            assert discord.session(0).connection.sent_seq < seqs[-1]  # left in the server
            # Acknowledged: the two taken, not the third the reader holds.
            assert state.session.seq == Held.seen[-1].data["n"] + seqs[0]
        finally:
            Held.gate.set()
        assert Held.wait_for(1500, "TYPING_START")
        typed = [e.data["n"] for e in Held.seen if e.name == "TYPING_START"]
        assert sorted(typed) == list(range(1500))  # each once: no replay, no loss
        assert discord.wait_until(lambda: state.session.seq == seqs[-1])
    assert "heartbeat_late" not in {v.kind for v in discord.violations}
    assert len(discord.connections) == 1  # no zombie verdict while paused


def test_a_shard_stops_at_once_while_its_reader_waits_for_a_slot(
    groups: Groups, actors: Actors
) -> None:
    config = GatewayConfig(heartbeat_interval_ms=1000, world=World(1, 1))
    with FakeDiscord(config=config) as discord:
        shard, state = start(discord, groups, actors)
        try:
            assert Held.wait_for(1, "GUILD_CREATE")
            seqs = discord.stream_messages(10)
            assert Held.wait_for(2)
            taken = state.session.seq
            reader = next(t for t in threading.enumerate() if t.name == "shard-0-reader")
            started = time.monotonic()
            shard.stop(timeout=WAIT)
            assert time.monotonic() - started < 2.0  # not the reader's join timeout (5 s)
            reader.join(WAIT)
            assert not reader.is_alive()
            assert state.session.seq == taken < seqs[-1]  # the held one is not acknowledged
        finally:
            Held.gate.set()
        assert sum(e.name == "MESSAGE_CREATE" for e in Held.seen) == 2


def test_a_check_that_blocks_the_reader_past_a_heartbeat_costs_a_resume_not_an_event(
    groups: Groups, actors: Actors
) -> None:
    # An `expect` check runs in the reader (it hands events on): one that blocks holds the
    # reading, unpaused, so the missing ACK is a zombie verdict. Nothing may be lost for it.
    config = GatewayConfig(heartbeat_interval_ms=200, identify_window=0.0, world=World(1, 1))
    with FakeDiscord(config=config) as discord:
        _, state = start(discord, groups, actors)
        Held.gate.set()  # handlers run freely: only the check blocks
        assert Held.wait_for(1, "GUILD_CREATE")
        zombie = threading.Event()

        def check(event: Event) -> bool:
            # Blocks until the client has closed the connection it stopped reading.
            zombie.wait(WAIT)
            return True

        with expect(groups, "MESSAGE_CREATE", check) as expectation:
            seqs = discord.stream_messages(50)
            assert discord.wait_until(
                lambda: discord.connections[0].closed_by == "client", timeout=WAIT
            )
            zombie.set()
            assert expectation.result(WAIT).name == "MESSAGE_CREATE"
        discord.wait_for_resume(timeout=WAIT)
        assert Held.wait_for(50)
        contents = sorted(e.data["content"] for e in Held.seen if e.name == "MESSAGE_CREATE")
        assert contents == sorted(f"message {n}" for n in range(50))  # each once
        assert discord.wait_until(lambda: state.session.seq >= seqs[-1])


def test_big_dispatches_among_small_ones_each_arrive_once(groups: Groups, actors: Actors) -> None:
    # A dispatch of 128 KiB or more goes through the pipe to the producer's thread, and what
    # follows it too until the pipe is idle, then the reader hands on inline again.
    config = GatewayConfig(heartbeat_interval_ms=1000, world=World(1, 1))
    with FakeDiscord(config=config) as discord:
        _, state = start(discord, groups, actors)
        Held.gate.set()
        assert Held.wait_for(1, "GUILD_CREATE")
        big = "x" * 200_000

        def payload(n: int) -> tuple[str, dict[str, Any]]:
            return "TYPING_START", {"n": n, "pad": big if n % 10 == 3 else ""}

        seqs = discord.stream(200, payload)
        assert Held.wait_for(200, "TYPING_START")
        typed = sorted(e.data["n"] for e in Held.seen if e.name == "TYPING_START")
        assert typed == list(range(200))
        assert discord.wait_until(lambda: state.session.seq == seqs[-1])
    assert len(discord.connections) == 1
