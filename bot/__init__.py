"""Shardline: Discord bots as an OTP-style supervision tree of Pykka actors."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.events import Event, ShardInfo

if TYPE_CHECKING:
    from actors.consumer import Consumer
    from bot.app import Bot

__all__ = ["Bot", "Consumer", "Event", "ShardInfo"]


def __getattr__(name: str) -> Any:
    # `Consumer` lives with the actors, which import `bot`: load it on first use, not here.
    if name == "Consumer":
        from actors.consumer import Consumer

        return Consumer
    if name == "Bot":
        from bot.app import Bot

        return Bot
    raise AttributeError(f"module 'bot' has no attribute {name!r}")
