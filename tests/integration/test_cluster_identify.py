"""IDENTIFY pacing across nodes: two nodes of 8 shards each (16 in all, max_concurrency 8), so
every rate-limit bucket has one shard on each node. The simulator records an IDENTIFY of a
bucket within 5 s of the last as a violation; with the cluster's shared windows there is none,
and the two shards of a bucket identify at least 5 s apart."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

import pytest

from bot.app import Bot
from bot.config import load_config
from bot.testing import FakeDiscord, GatewayConfig, World
from bot.testing.gateway_opcodes import OP_IDENTIFY
from bot.testing.redis_server import RedisServer
from examples.cluster_tally import TALLY_KEY_ENV, TALLY_REDIS_ENV

SHARDS, CONCURRENCY, WINDOW = 16, 8, 5.0


@pytest.fixture
def discord() -> Iterator[FakeDiscord]:
    world = World(guild_count=SHARDS, members_per_guild=2)
    config = GatewayConfig(heartbeat_interval_ms=1000, max_concurrency=CONCURRENCY, world=world)
    with FakeDiscord(None, config, shards=SHARDS) as server:
        yield server


def node(discord: FakeDiscord, server: RedisServer, prefix: str, first: int) -> Bot:
    config = load_config(
        {
            "bot": {
                "consumers": ["examples.cluster_tally:Tally"],
                "shards": {"first": first, "last": first + 7, "total": SHARDS},
            },
            "gateway": {"url": discord.gateway_url, "encoding": "json"},
            "rest": {"base_url": discord.rest_url},
            "log": {"level": "warning"},
            "cluster": {"backend": "redis", "redis_url": server.url, "key_prefix": prefix},
        },
        env={"DISCORD_TOKEN": discord.token},
    )
    return Bot(config)


@pytest.mark.timeout(90)
@pytest.mark.allow_threads("fake-", "cluster-")
def test_two_nodes_of_eight_shards_share_the_identify_windows(
    discord: FakeDiscord,
    redis_server: RedisServer,
    redis_prefix: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(TALLY_REDIS_ENV, redis_server.url)
    monkeypatch.setenv(TALLY_KEY_ENV, f"{redis_prefix}:tally")
    a = node(discord, redis_server, f"{redis_prefix}", 0)
    b = node(discord, redis_server, f"{redis_prefix}", 8)
    try:
        a.start()
        b.start()
        discord.wait_for_identify(timeout=30, count=SHARDS)
        identifies = discord.received(OP_IDENTIFY)
        assert len(identifies) == SHARDS
        assert [v for v in discord.violations if v.kind == "identify_concurrency"] == []
        by_bucket: dict[int, list[float]] = defaultdict(list)
        for received in identifies:
            shard_id = received.data["shard"][0]
            by_bucket[shard_id % CONCURRENCY].append(received.at)
        for times in by_bucket.values():
            first, second = sorted(times)
            assert second - first >= WINDOW - 0.05
    finally:
        a.stop()
        b.stop()
