"""The whole tree from a config file against the built-in simulator (issue 6, first test)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from bot.app import Bot, BotState
from bot.events import Event
from tests.integration.consumers import WAIT, journal_of, message_number
from tests.integration.helpers import running, wait_ready, write_config

RECORDER = "tests.integration.consumers:Recorder"
PING = "examples.ping:PingConsumer"
GUILDS, MEMBERS = 2, 3


def ping_payload(bot: Bot, content: str, number: int = 10_000) -> dict[str, Any]:
    """A MESSAGE_CREATE from the simulated world, with `content`."""
    world = bot.simulator.config.world
    payload = world.message_create(number, world.guild_id(0))
    payload["content"] = content
    return payload


def replies(bot: Bot, channel_id: int) -> list[str]:
    rest = bot.simulator.rest
    with rest.state.lock:
        return [m["content"] for m in rest.state.messages.get(str(channel_id), {}).values()]


def test_a_config_file_runs_the_whole_tree(tmp_path: Path) -> None:
    # GUILD_PRESENCES: GUILD_CREATE then lists every member (without it, only the bot).
    intents = ["nonprivileged", "message_content", "guild_presences"]
    path = write_config(tmp_path, [PING, RECORDER], bot={"intents": intents})
    bot = Bot.from_config(path)
    assert bot.config.source == str(path)
    assert bot.state is BotState.NEW
    with running(bot):
        assert bot.state is BotState.RUNNING  # type: ignore[comparison-overlap]
        simulator = bot.simulator
        world = simulator.config.world
        journal = wait_ready(bot, GUILDS)

        # READY, then the guilds of READY arrive as GUILD_AVAILABLE, and the cache holds them.
        assert journal.names[0] == "READY"
        available = [e.data.id for e in journal.events if e.name == "GUILD_AVAILABLE"]
        assert sorted(available) == sorted(world.guild_ids())
        assert sorted(bot.cache.guild_ids()) == sorted(world.guild_ids())
        for guild_id in world.guild_ids():
            assert bot.cache.member_count(guild_id) == MEMBERS + 1  # the bot is a member too
            assert bot.cache.shard_of(guild_id) == 0
        assert bot.cache.me() is not None and bot.cache.me().id == world.bot_user_id

        # A stream of messages reaches the consumer.
        seqs = simulator.stream_messages(20)
        journal.wait_for_messages(range(20))
        assert all(count == 1 for count in journal.numbers.values())

        # The example consumer answers !ping through REST: the reply reaches FakeRest.
        channel_id = world.channel_id(0, 0)
        simulator.dispatch("MESSAGE_CREATE", ping_payload(bot, "!ping"))
        assert simulator.rest.wait_until(
            lambda: any(r.startswith("pong") for r in replies(bot, channel_id)), WAIT
        )
        posts = [r for r in simulator.rest.requests if r.method == "POST"]
        assert [(r.route, r.status) for r in posts] == [("/channels/{channel_id}/messages", 200)]
        assert posts[0].major == str(channel_id)
        assert simulator.rest.violations == []

        # bot.shards: state, latency (after a heartbeat ACK), guilds, the acknowledged seq.
        assert simulator.wait_until(lambda: bot.shards[0].latency is not None, WAIT)
        (shard,) = bot.shards
        assert shard.id == 0 and shard.state == "connected" and shard.fatal_error is None
        assert 0 < shard.latency < 5
        assert shard.guilds == GUILDS
        last = seqs[-1] + 1  # the !ping
        assert simulator.wait_until(lambda: (bot.shards[0].seq or 0) >= last, WAIT)
        assert simulator.violations == []
    assert bot.state is BotState.STOPPED
    assert bot.simulator is None


def test_wait_for_returns_the_next_matching_event(tmp_path: Path) -> None:
    bot = Bot.from_config(write_config(tmp_path, [RECORDER]))
    with running(bot), ThreadPoolExecutor(1) as pool:
        wait_ready(bot, GUILDS)
        simulator = bot.simulator
        seen = threading.Event()

        def check(event: Event) -> bool:
            seen.set()
            return event.data.content == "wanted"

        future = pool.submit(bot.wait_for, "MESSAGE_CREATE", check, WAIT)
        # bot.wait_for subscribes in the other thread: probe until its check sees a message.
        probes = 0
        while not seen.is_set():
            assert probes < 100, "bot.wait_for never subscribed"
            simulator.dispatch("MESSAGE_CREATE", ping_payload(bot, "probe", 20_000 + probes))
            probes += 1
            seen.wait(0.1)
        simulator.dispatch("MESSAGE_CREATE", ping_payload(bot, "not this one", 30_000))
        simulator.dispatch("MESSAGE_CREATE", ping_payload(bot, "wanted", 30_001))
        event = future.result(WAIT)
        assert event.name == "MESSAGE_CREATE" and event.data.content == "wanted"
        assert event.shard.id == 0

        # A timeout raises TimeoutError, and the consumers go on.
        try:
            bot.wait_for("GUILD_BAN_ADD", timeout=0.2)
        except TimeoutError:
            pass
        else:
            raise AssertionError("wait_for did not time out")
        simulator.stream_messages(3)
        journal_of(bot.cache).wait_for_messages(range(3))


def test_two_bots_in_one_process_share_nothing(tmp_path: Path) -> None:
    first = Bot.from_config(write_config(tmp_path, [RECORDER], name="first.toml"))
    second = Bot.from_config(
        write_config(tmp_path, [RECORDER], name="second.toml", simulator={"guilds": 3})
    )
    with running(first), running(second):
        one, two = wait_ready(first, 2), wait_ready(second, 3)
        assert one is not two
        assert first.cache is not second.cache and first.names is not second.names
        assert first.simulator is not second.simulator
        assert first.simulator.gateway_url != second.simulator.gateway_url
        assert first.simulator.token != second.simulator.token
        for name in ("groups", "cache", "ratelimiter", "identify_queue", ("shard", 0)):
            assert first.names.get(name, WAIT) is not second.names.get(name, WAIT)
        assert len(first.cache.guild_ids()) == 2 and len(second.cache.guild_ids()) == 3

        first.simulator.stream_messages(10)
        one.wait_for_messages(range(10))
        second.simulator.stream_messages(5, first=100)
        two.wait_for_messages(range(100, 105))
        assert set(one.numbers) == set(range(10))
        assert set(two.numbers) == set(range(100, 105))
        assert len(first.cache.messages()) == 10 and len(second.cache.messages()) == 5

        # Stopping one leaves the other running.
        assert first.stop(timeout=30)
        second.simulator.stream_messages(5, first=200)
        two.wait_for_messages(range(200, 205))
        assert not any(message_number(e) == 200 for e in one.events)


def test_a_stopped_bot_starts_again_against_a_new_simulator(tmp_path: Path) -> None:
    bot = Bot.from_config(write_config(tmp_path, [RECORDER]))
    with running(bot):
        journal = wait_ready(bot, GUILDS)
        bot.simulator.stream_messages(5)
        journal.wait_for_messages(range(5))
    # The kept session belonged to the first simulator: the second start identifies anew.
    with running(bot):
        journal.wait_until(lambda j: j.count("READY") == 2)
        bot.simulator.stream_messages(5, first=100)
        journal.wait_for_messages(range(100, 105))
        assert bot.simulator.violations == []
