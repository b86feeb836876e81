from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.testing import FakeDiscord, GatewayConfig, World
from tests.bot.testing.client import RawClient


@pytest.fixture
def discord() -> Iterator[FakeDiscord]:
    config = GatewayConfig(
        heartbeat_interval_ms=5000, identify_window=0.0, world=World(guild_count=3)
    )
    with FakeDiscord(config=config) as fake:
        yield fake


@pytest.fixture
def connect(discord: FakeDiscord) -> Iterator[object]:
    clients: list[RawClient] = []

    def make(encoding: str = "json", compress: str | None = None) -> RawClient:
        client = RawClient(discord.gateway_url, encoding, compress)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()
