"""Shardline: Discord bots as an OTP-style supervision tree of Pykka actors."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.event_names import Events
from bot.events import Event, ShardInfo

if TYPE_CHECKING:
    from actors.consumer import Consumer
    from bot.app import Bot

__all__ = ["Bot", "Consumer", "Event", "Events", "ShardInfo"]


def __getattr__(name: str) -> Any:
    # `Consumer` (actors) and `Bot` (bot.app) sit above the pure Discord layer of this package.
    # Importing `bot.gateway` or `bot.cache` runs this file, so the upper layers load on first use
    # only: the pure layer stays importable, and testable, without any actor or thread.
    if name == "Consumer":
        from actors.consumer import Consumer

        return Consumer
    if name == "Bot":
        from bot.app import Bot

        return Bot
    raise AttributeError(f"module 'bot' has no attribute {name!r}")
