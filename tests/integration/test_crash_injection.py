"""Crash injection under a message flood: each kind of actor crashes once; nothing is lost.

Every message number must reach the recording consumer at least once. Some arrive twice; the
test prints how many and records them (`record_property("twice", ...)`): a crash between the
fan-out of a dispatch and its acknowledgement to the shard makes the resumed session replay it.
"""

from __future__ import annotations

from collections.abc import Hashable
from pathlib import Path
from typing import Any

import pytest

from bot.app import Bot
from supervisors import ExitKind
from tests.integration.consumers import WAIT, GatedRecorder, SlowToRestart, journal_of
from tests.integration.helpers import crash, running, wait_ready, write_config

RECORDER = "tests.integration.consumers:GatedRecorder"
REPLIER = "tests.integration.consumers:Replier"
FLOOD = 2000

KINDS: dict[str, Hashable] = {
    "shard": ("shard", 0),
    "producer": ("producer", 0),
    "cache": "cache",
    "registry": "groups",
    "consumer": ("consumer", 1),
    "recording consumer": ("consumer", 0),
    "ratelimiter": "ratelimiter",
}


@pytest.mark.parametrize("kind", list(KINDS))
def test_a_crash_under_a_flood_loses_no_message(
    tmp_path: Path, kind: str, record_property: Any
) -> None:
    name = KINDS[kind]
    config = write_config(tmp_path, [RECORDER, REPLIER], cache={"message_limit": FLOOD + 100})
    bot = Bot.from_config(config)
    with running(bot):
        journal = wait_ready(bot, 2)
        simulator = bot.simulator
        GatedRecorder.gate.set()
        seqs = simulator.stream_messages(FLOOD)
        journal.wait_until(lambda j: len(j.numbers) >= FLOOD // 4)
        # Mid-flood, at a known point: every slot of the recorder taken, the producer waiting
        # for one with the next event, the shard waiting for the producer.
        GatedRecorder.gate.clear()
        try:
            GatedRecorder.wait_until_all_held()
            at_crash = len(journal.numbers)
            old = bot.names.get(name, WAIT)
            crash(old)
        finally:
            GatedRecorder.gate.set()  # a crash told to a busy actor runs after its message
        assert old.lifeline.wait(WAIT)
        assert old.lifeline.reason.kind is ExitKind.CRASH
        new = bot.names.get(name, WAIT)
        assert new is not old and new.is_alive()

        # Every message reaches the recorder at least once (so every dispatch went through the
        # producer and the cache), then every handler is done.
        try:
            journal.wait_for_messages(range(FLOOD), timeout=30)
        except AssertionError:
            missing = sorted(set(range(FLOOD)) - set(journal.numbers))
            print(f"crash of {kind}: {len(missing)} lost {missing[:10]}")
            raise
        recorder = bot.names.get(("consumer", 0), WAIT)
        assert recorder.proxy().drain(WAIT).get(timeout=WAIT)
        twice = sorted(n for n, c in journal.numbers.items() if c > 1)
        assert all(c <= 2 for c in journal.numbers.values())
        record_property("twice", len(twice))
        print(f"crash of {kind} after {at_crash} messages: {len(twice)} twice {twice[:10]}")

        # The cache (its stores outlive the crash) holds every message, once.
        world = simulator.config.world
        # (The bot's own replies, echoed back as Discord does, are cached too: left aside.)
        bot_id = world.bot_user_id
        cached = sorted(m.id for m in bot.cache.messages() if int(m.raw["author"]["id"]) != bot_id)
        assert cached == sorted(world.message_id(n) for n in range(FLOOD))

        # The tree recovered: what comes next flows as before. These come after the RESUMED of
        # a resumed session (the simulator logs it after every message of the flood), and the
        # shard hands a dispatch to the producer only once it has acknowledged the one before:
        # so with them all in, the shard is connected with every dispatch acknowledged.
        more = simulator.stream_messages(10, first=FLOOD)
        journal.wait_for_messages(range(FLOOD, FLOOD + 10))
        shard = bot.shards[0]
        assert shard.state == "connected"
        assert (shard.seq or 0) >= more[-2] > seqs[-1]
        assert [v for v in simulator.violations] == []
        assert bot.supervisor.is_alive()


def test_a_consumer_restart_gets_the_events_dispatched_while_it_restarted(
    tmp_path: Path,
) -> None:
    SlowToRestart.starts = 0
    SlowToRestart.restart_gate.clear()
    bot = Bot.from_config(write_config(tmp_path, ["tests.integration.consumers:SlowToRestart"]))
    try:
        with running(bot):
            journal = wait_ready(bot, 2)
            simulator = bot.simulator
            simulator.stream_messages(100)
            journal.wait_for_messages(range(100))
            old = bot.names.get(("consumer", 0), WAIT)
            crash(old)
            assert old.lifeline.wait(WAIT)
            # Its supervisor is restarting it now; these are dispatched meanwhile, and wait
            # in its subscription (the producer, and so the shard, wait with them).
            subscription = bot._tree_state.subscriptions[("consumer", 0)]
            assert repr(subscription).endswith("waiting>")  # detached by the crash, kept
            simulator.stream_messages(50, first=100)
            SlowToRestart.restart_gate.set()
            assert bot.names.get(("consumer", 0), WAIT) is not old
            simulator.stream_messages(10, first=150)
            journal.wait_for_messages(range(150, 160))  # it has rejoined
            missing = sorted(set(range(100, 150)) - set(journal_of(bot.cache).numbers))
            assert missing == [], f"{len(missing)} events lost across the consumer's restart"
    finally:
        SlowToRestart.restart_gate.set()
