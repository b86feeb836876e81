"""Issue 4 end to end: the simulator's stream through shard, producer, cache and consumers."""

from __future__ import annotations

from pathlib import Path

import pytest
import structlog.testing

from actors.handoff import CAPACITY
from bot.app import Bot
from supervisors import ChildSpec
from tests.integration.consumers import WAIT, EveryTenthRaises, Late, journal_of
from tests.integration.helpers import running, wait_ready, write_config

RECORDER = "tests.integration.consumers:Recorder"
RAISING = "tests.integration.consumers:EveryTenthRaises"
GUILDS = 5


@pytest.mark.parametrize("shards", [1, 2])
def test_guilds_and_messages_reach_the_consumer_and_the_cache_exactly_once(
    tmp_path: Path, shards: int
) -> None:
    count = 800
    simulator = {"guilds": GUILDS, "shards": shards}
    bot = Bot.from_config(write_config(tmp_path, [RECORDER], simulator=simulator))
    with running(bot):
        journal = wait_ready(bot, GUILDS)
        world = bot.simulator.config.world
        per_shard = count // shards
        for shard in range(shards):
            bot.simulator.stream_messages(per_shard, shard_id=shard, first=shard * per_shard)
        journal.wait_for_messages(range(count))
        assert [s.id for s in bot.shards] == list(range(shards))
        # Each once in handle_event (the guilds came before the messages, in seq order).
        assert journal.count("READY") == shards
        assert {e.shard.id for e in journal.events} == set(range(shards))
        assert sorted(e.data.id for e in journal.events if e.name == "GUILD_AVAILABLE") == sorted(
            world.guild_ids()
        )
        assert journal.count("GUILD_CREATE", "GUILD_UNAVAILABLE") == 0
        assert sorted(journal.numbers) == list(range(count))
        assert set(journal.numbers.values()) == {1}
        # Each once in the cache: every guild, every message (under the 1000-message limit).
        assert sorted(bot.cache.guild_ids()) == sorted(world.guild_ids())
        cached = [m.id for m in bot.cache.messages()]
        assert sorted(cached) == sorted(world.message_id(n) for n in range(count))
        message = bot.cache.get_message(world.message_id(7))
        assert message is not None and message.content == "message 7"
        assert message.guild_id in world.guild_ids()
        assert message.author is not None and message.author.id > 0


def test_a_consumer_joining_mid_stream_gets_everything_after_its_join(tmp_path: Path) -> None:
    count = 1500
    bot = Bot.from_config(write_config(tmp_path, [RECORDER], simulator={"guilds": GUILDS}))
    with running(bot):
        journal = wait_ready(bot, GUILDS)
        bot.simulator.stream_messages(count)
        journal.wait_until(lambda j: len(j.numbers_of("Recorder")) >= 200)
        consumers = bot.names.get("consumers", WAIT)
        spec = ChildSpec(
            "late",
            lambda: Late.start(bot.groups, api=bot.api, cache=bot.cache),
        )
        consumers.proxy().start_child(spec).get(timeout=WAIT)  # returns once it has joined
        seen_by_first_at_join = len(journal.numbers_of("Recorder"))
        journal.wait_until(lambda j: count - 1 in j.numbers_of("Late"), WAIT)
        journal.wait_for_messages(range(count))
        late = journal.numbers_of("Late")
        first = min(late)
        # It joined mid-stream, and from its first event on it got every one, exactly once.
        assert 0 < first < count - 1
        assert sorted(late) == list(range(first, count))
        assert set(late.values()) == {1}
        # ...and nothing much before its join was still to be dispatched: at most the shard's
        # batch pipe (actors.handoff.CAPACITY) and the first consumer's slots (100) in flight.
        assert first <= seen_by_first_at_join + CAPACITY + 100
        # The first consumer got all of them, once (each consumer runs on its own pool, so
        # it may still be finishing its last ones when the late one is done).
        journal.wait_until(lambda j: set(range(count)) <= j.numbers_of("Recorder").keys(), WAIT)
        assert sorted(journal.numbers_of("Recorder")) == list(range(count))
        assert set(journal.numbers_of("Recorder").values()) == {1}


def test_a_handler_raising_on_every_tenth_event_loses_none_of_the_others(
    tmp_path: Path,
) -> None:
    count = 300
    bot = Bot.from_config(write_config(tmp_path, [RECORDER, RAISING]))
    with running(bot):
        journal = wait_ready(bot, 2)
        raising = bot.names.get(("consumer", 1), WAIT)
        with structlog.testing.capture_logs() as logs:
            bot.simulator.stream_messages(count)
            journal.wait_until(lambda j: len(j.numbers_of("EveryTenthRaises")) >= count)
            journal.wait_for_messages(range(count))
        got = journal.numbers_of("EveryTenthRaises")
        assert sorted(got) == list(range(count)) and set(got.values()) == {1}
        failures = [e for e in logs if e["event"] == "consumer.handler_failed"]
        # Logged once per raise, with the event name, the shard and the traceback.
        assert len(failures) == count // 10
        assert {(e["event_name"], e["shard"], e["consumer"]) for e in failures} == {
            ("MESSAGE_CREATE", 0, EveryTenthRaises.__name__)
        }
        assert all(e.get("exc_info") for e in failures)
        # Nothing else stopped: the same consumer runs, and the other consumer got everything.
        assert bot.names.get(("consumer", 1), WAIT) is raising
        # (each consumer runs on its own pool: the recorder may still be on its last ones)
        journal.wait_until(lambda j: set(range(count)) <= j.numbers_of("Recorder").keys(), WAIT)
        assert sorted(journal.numbers_of("Recorder")) == list(range(count))
        bot.simulator.stream_messages(10, first=count)
        journal.wait_for_messages(range(count, count + 10))
        assert journal_of(bot.cache) is journal
