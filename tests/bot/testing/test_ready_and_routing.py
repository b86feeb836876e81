"""`wait_for_ready` waits for every shard, and `dispatch` goes to the shard that owns the guild."""

from __future__ import annotations

from typing import Any

import pytest

from bot.testing import FakeDiscord, GatewayConfig, World
from tests.bot.testing.client import RawClient


def identify(discord: FakeDiscord, shard: list[int]) -> RawClient:
    client = RawClient(discord.gateway_url)
    assert client.recv()["op"] == 10
    client.identify(discord.token, shard=shard)
    return client


def read_ready_burst(client: RawClient) -> list[dict[str, Any]]:
    ready = client.recv()
    assert ready["t"] == "READY"
    return [ready] + [client.recv() for _ in ready["d"]["guilds"]]


@pytest.fixture
def two_shards() -> Any:
    config = GatewayConfig(
        heartbeat_interval_ms=5000, world=World(guild_count=6), max_concurrency=2
    )
    with FakeDiscord(config=config, shards=2) as discord:
        yield discord


def test_wait_for_ready_waits_for_every_shard(two_shards: FakeDiscord) -> None:
    discord = two_shards
    clients = [identify(discord, [1, 2])]
    try:
        read_ready_burst(clients[0])
        # Shard 1 is ready, shard 0 has not even connected: not every shard is ready.
        with pytest.raises(TimeoutError, match=r"shards \[0\] not ready"):
            discord.wait_for_ready(timeout=0.2)
        clients.append(identify(discord, [0, 2]))
        sessions = discord.wait_for_ready(timeout=5)
        assert [s.shard_id for s in sessions] == [0, 1]
        assert all(s.connection is not None for s in sessions)
    finally:
        for client in clients:
            client.close()


def test_wait_for_ready_can_wait_for_some_shards(two_shards: FakeDiscord) -> None:
    client = identify(two_shards, [1, 2])
    try:
        assert [s.shard_id for s in two_shards.wait_for_ready(timeout=5, shard_ids=[1])] == [1]
    finally:
        client.close()


def test_dispatch_goes_to_the_shard_that_owns_the_guild(two_shards: FakeDiscord) -> None:
    discord = two_shards
    clients = {shard: identify(discord, [shard, 2]) for shard in (0, 1)}
    try:
        discord.wait_for_ready(timeout=5)
        for client in clients.values():
            read_ready_burst(client)
        world = discord.config.world
        for guild_id in world.guild_ids(0, 1):
            owner = (guild_id >> 22) % 2
            assert discord.shard_for_guild(guild_id) == owner
            message = world.message_create(7, guild_id)
            discord.dispatch("MESSAGE_CREATE", message)
            got = clients[owner].recv()
            assert (got["t"], str(got["d"]["id"])) == ("MESSAGE_CREATE", message["id"])
        # Without a guild (a DM) the dispatch goes to shard 0, as Discord sends DMs.
        discord.dispatch("CHANNEL_PINS_UPDATE", {"channel_id": "1", "last_pin_timestamp": None})
        assert clients[0].recv()["t"] == "CHANNEL_PINS_UPDATE"
    finally:
        for client in clients.values():
            client.close()


def test_shard_count_before_any_session_is_the_recommended_count(two_shards: FakeDiscord) -> None:
    assert two_shards.shard_count() == 2
    guild_id = two_shards.config.world.guild_id(0)
    assert two_shards.shard_for_guild(str(guild_id)) == (guild_id >> 22) % 2
