"""REST limits across nodes: two nodes (two `Bot`s, backend = "redis") send to one channel at
once. The simulator's bucket allows 5 per second; each node alone would learn it only from its
own answers, and together they would overrun it. With the cluster's shared bucket the simulator
records no violation (no 429) and every message is sent."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from bot.app import Bot
from bot.config import load_config
from bot.testing import FakeDiscord, GatewayConfig, World
from bot.testing.redis_server import RedisServer
from examples.cluster_tally import TALLY_KEY_ENV, TALLY_REDIS_ENV

PER_NODE = 12


@pytest.fixture
def discord() -> Iterator[FakeDiscord]:
    world = World(guild_count=2, members_per_guild=2)
    with FakeDiscord(None, GatewayConfig(heartbeat_interval_ms=1000, world=world)) as server:
        yield server


def node(discord: FakeDiscord, server: RedisServer, prefix: str, backend: str) -> Bot:
    config = load_config(
        {
            "bot": {"consumers": ["examples.cluster_tally:Tally"], "shards": 1},
            "gateway": {"url": discord.gateway_url, "encoding": "json"},
            "rest": {"base_url": discord.rest_url},
            "log": {"level": "warning"},
            "cluster": {"backend": backend, "redis_url": server.url, "key_prefix": prefix},
        },
        env={"DISCORD_TOKEN": discord.token},
    )
    return Bot(config)


@pytest.mark.timeout(90)
@pytest.mark.allow_threads("fake-", "cluster-")
def test_two_nodes_on_one_rest_bucket_cause_no_429(
    discord: FakeDiscord,
    redis_server: RedisServer,
    redis_prefix: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(TALLY_REDIS_ENV, redis_server.url)
    monkeypatch.setenv(TALLY_KEY_ENV, f"{redis_prefix}:tally")
    channel = discord.config.world.channel_id(0, 0)
    nodes = [node(discord, redis_server, redis_prefix, "redis") for _ in range(2)]
    errors: list[BaseException] = []
    go = threading.Barrier(2 * 3)

    def send(bot: Bot, first: int) -> None:
        try:
            go.wait(10)
            for number in range(first, first + PER_NODE // 3):
                bot.api.create_message(channel, content=f"n{number}")
        except BaseException as exc:
            errors.append(exc)

    try:
        for bot in nodes:
            bot.start()
        senders = [
            threading.Thread(target=send, args=(bot, 100 * index + 10 * part))
            for index, bot in enumerate(nodes)
            for part in range(3)
        ]
        for sender in senders:
            sender.start()
        for sender in senders:
            sender.join(60)
        assert errors == []
        sent = [r for r in discord.rest.requests if r.method == "POST"]
        assert len(sent) == 2 * PER_NODE
        assert discord.rest.violations == []
    finally:
        for bot in nodes:
            bot.stop()
