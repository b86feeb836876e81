"""Fixtures: a FakeRest with a guild, a channel and a user, and a Client pointed at it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from bot.api import Client, RateLimitConfig
from bot.testing.rest import FakeRest


@pytest.fixture
def rest() -> Iterator[FakeRest]:
    with FakeRest() as fake:
        yield fake


@pytest.fixture
def world(rest: FakeRest) -> dict[str, Any]:
    guild = rest.state.add_guild("Guild")
    channel = rest.state.add_channel(guild["id"], "general")
    user = rest.state.add_user("alice")
    rest.state.add_member(guild["id"], user["id"])
    return {
        "guild_id": int(guild["id"]),
        "channel_id": int(channel["id"]),
        "user_id": int(user["id"]),
    }


@pytest.fixture
def api(rest: FakeRest) -> Iterator[Client]:
    client = Client(
        rest.token,
        base_url=rest.base_url,
        ratelimit_config=RateLimitConfig(max_ratelimit_wait=10.0),
        backoff_base=0.01,
        timeout=10.0,
    )
    yield client
    client.close()
