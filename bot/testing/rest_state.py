"""The fake REST API's in-memory world: the bot user, users, guilds, channels, messages."""

from __future__ import annotations

import itertools
import threading
import time
from typing import Any

__all__ = ["DISCORD_EPOCH_MS", "State"]

# https://discord.com/developers/docs/reference#snowflakes
DISCORD_EPOCH_MS = 1_420_070_400_000


class State:
    """What the fake server knows; every handler works under `lock`."""

    def __init__(self, bot_user: dict[str, Any] | None = None) -> None:
        self.lock = threading.RLock()
        self._increment = itertools.count()
        self.bot_user: dict[str, Any] = bot_user or {
            "id": "1000000000000000001",  # Discord sends snowflakes as strings
            "username": "shardline-test",
            "global_name": None,
            "discriminator": "0",
            "avatar": None,
            "bot": True,
            "flags": 0,
        }

    def snowflake(self) -> int:
        """A fresh snowflake for a created object, ordered by creation time."""
        millis = int(time.time() * 1000) - DISCORD_EPOCH_MS
        return (millis << 22) | (next(self._increment) & 0xFFF)
