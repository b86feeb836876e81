"""Two nodes of one bot in one process (two `Bot`s, backend = "redis", shard leases) against one
simulator and a real Redis: the shards are shared, every message is handled once, and a node's
planned stop hands its shards to the other, which RESUMEs them (no new IDENTIFY)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
import redis

from bot.app import Bot
from bot.config import load_config
from bot.testing import FakeDiscord, GatewayConfig, World
from bot.testing.gateway_opcodes import OP_IDENTIFY, OP_RESUME
from bot.testing.redis_server import RedisServer
from examples.cluster_tally import TALLY_KEY_ENV, TALLY_REDIS_ENV

SHARDS = 4
WAIT = 20.0


@pytest.fixture
def discord() -> Iterator[FakeDiscord]:
    world = World(guild_count=2 * SHARDS, members_per_guild=3)
    config = GatewayConfig(heartbeat_interval_ms=500, max_concurrency=SHARDS, world=world)
    with FakeDiscord(None, config, shards=SHARDS) as server:
        yield server


def node(discord: FakeDiscord, server: RedisServer, prefix: str, name: str) -> Bot:
    config = load_config(
        {
            "bot": {"consumers": ["examples.cluster_tally:Tally"], "shards": "auto"},
            "gateway": {"url": discord.gateway_url, "encoding": "json"},
            "rest": {"base_url": discord.rest_url},
            "log": {"level": "warning"},
            "cluster": {
                "backend": "redis",
                "redis_url": server.url,
                "node": name,
                "shards": "leases",
                "key_prefix": prefix,
                "lease_ttl": 1.0,
                "handler_timeout": 2.0,
            },
        },
        env={"DISCORD_TOKEN": discord.token},
    )
    return Bot(config)


def running(bot: Bot) -> list[int]:
    shards: list[int] = bot.shard_supervisor().proxy().running_shards().get()
    return shards


def wait_until(condition: Any, timeout: float = WAIT) -> bool:
    done = threading.Event()
    for _ in range(int(timeout / 0.05)):
        if condition():
            return True
        done.wait(0.05)
    return bool(condition())


@pytest.mark.allow_threads("fake-", "cluster-")
def test_two_nodes_share_the_shards_and_a_planned_stop_hands_them_over(
    discord: FakeDiscord,
    redis_server: RedisServer,
    redis_prefix: str,
    redis_client: redis.Redis,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    tally = f"{redis_prefix}:tally"
    monkeypatch.setenv(TALLY_REDIS_ENV, redis_server.url)
    monkeypatch.setenv(TALLY_KEY_ENV, tally)
    a = node(discord, redis_server, redis_prefix, "node-a").start()
    b = node(discord, redis_server, redis_prefix, "node-b").start()
    try:
        assert discord.wait_for_identify(timeout=WAIT, count=SHARDS)
        # Whoever started first took every shard, then handed half over to the other.
        assert wait_until(lambda: len(running(a)) == len(running(b)) == SHARDS // 2)
        assert sorted(running(a) + running(b)) == list(range(SHARDS))
        for shard in range(SHARDS):
            discord.stream_messages(50, shard)
        assert wait_until(lambda: redis_client.hlen(tally) == SHARDS * 50)
        a.stop()
        assert wait_until(lambda: running(b) == list(range(SHARDS)))
        assert discord.wait_for_resume(timeout=WAIT)
        for shard in range(SHARDS):
            discord.stream_messages(50, shard, first=50)
        assert wait_until(lambda: redis_client.hlen(tally) == SHARDS * 100)
        counts = {k.decode(): int(v) for k, v in redis_client.hgetall(tally).items()}
        assert set(counts.values()) == {1}
        # Handed over by RESUME only: one IDENTIFY per shard in the whole run.
        assert len(discord.received(OP_IDENTIFY)) == SHARDS
        assert len(discord.received(OP_RESUME)) >= 1
    finally:
        a.stop()
        b.stop()
