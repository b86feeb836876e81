"""Which cache components are on, and the message bound. Off means no memory spent."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

__all__ = ["DEFAULT_MESSAGE_LIMIT", "CacheConfig"]

# The default: the last 1000 messages per bot, oldest evicted first.
DEFAULT_MESSAGE_LIMIT = 1000


@dataclass(frozen=True, slots=True)
class CacheConfig:
    """Switches for every cache component (all on by default).

    `channel_guild` is kept whenever `channels` is on (channel lookups need it). Unavailable
    guild ids are always kept: they only hold ids, and GUILD_AVAILABLE depends on them.
    """

    guilds: bool = True
    channels: bool = True
    roles: bool = True
    emojis: bool = True
    stickers: bool = True
    members: bool = True
    users: bool = True
    presences: bool = True
    voice_states: bool = True
    messages: bool = True
    message_limit: int = DEFAULT_MESSAGE_LIMIT
    channel_guild: bool = True
    guild_shard: bool = True

    def __post_init__(self) -> None:
        if self.message_limit < 1:
            raise ValueError(f"message_limit must be at least 1, got {self.message_limit}")

    @classmethod
    def from_mapping(cls, options: dict[str, Any]) -> CacheConfig:
        """From a config table such as `[cache]` in config.toml; unknown keys are an error."""
        known = {f.name for f in fields(cls)}
        unknown = set(options) - known
        if unknown:
            raise ValueError(f"unknown cache options: {sorted(unknown)}")
        return cls(**options)

    @classmethod
    def off(cls) -> CacheConfig:
        """Every component off."""
        return cls(**{f.name: False for f in fields(cls) if f.name != "message_limit"})
