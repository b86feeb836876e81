"""The payload types the REST client returns: helper D's `bot.payloads`, plus REST-only ones.

Every endpoint wraps its JSON through this module, so the payload layer can change in one place.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

from bot.payloads import Channel, Guild, Member, Message, Role, User
from bot.payloads.base import Field, Int, Nested, OptionalSnowflake, Payload, Snowflake

__all__ = [
    "ApplicationCommand",
    "Ban",
    "Channel",
    "GatewayBot",
    "Guild",
    "Member",
    "Message",
    "Payload",
    "Role",
    "SessionStartLimit",
    "User",
    "Webhook",
    "wrap",
    "wrap_list",
]

P = TypeVar("P", bound=Payload)


class Ban(Payload):
    """A guild ban: the banned `user` and the `reason` (GET /guilds/{id}/bans)."""

    __slots__ = ()

    reason = Field[str | None]()
    user = Nested(User)


class ApplicationCommand(Payload):
    """A slash, user or message command registered for the application."""

    __slots__ = ()

    id = Snowflake()
    application_id = Snowflake()
    guild_id = OptionalSnowflake()
    name = Field[str]()
    description = Field[str](default="")
    type = Int(default=1)
    version = OptionalSnowflake()


class Webhook(Payload):
    """A webhook (incoming, channel follower or application)."""

    __slots__ = ()

    id = Snowflake()
    channel_id = OptionalSnowflake()
    guild_id = OptionalSnowflake()
    name = Field[str | None]()


class SessionStartLimit(Payload):
    """How many IDENTIFYs are left today, and how many may run at once."""

    __slots__ = ()

    total = Int()
    remaining = Int()
    reset_after = Int()
    max_concurrency = Int(default=1)


class GatewayBot(Payload):
    """GET /gateway/bot: the gateway URL, recommended shards and the session start limit."""

    __slots__ = ()

    url = Field[str]()
    shards = Int(default=1)
    session_start_limit = Nested(SessionStartLimit)


def wrap(cls: type[P], data: Any) -> P:
    """Wraps one JSON object in its payload type."""
    if not isinstance(data, Mapping):
        raise TypeError(f"expected a JSON object for {cls.__name__}, got {type(data).__name__}")
    return cls.from_dict(data)


def wrap_list(cls: type[P], data: Iterable[Mapping[str, Any]] | None) -> list[P]:
    """Wraps a JSON array of objects."""
    return [cls.from_dict(item) for item in data or ()]
