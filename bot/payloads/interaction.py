"""Interactions (`developers/interactions/receiving-and-responding.mdx`)."""

from __future__ import annotations

import enum
from typing import Any

from bot.payloads.base import (
    Field,
    Int,
    Nested,
    OptionalSnowflake,
    Payload,
    Snowflake,
)
from bot.payloads.channel import Channel
from bot.payloads.message import Message
from bot.payloads.user import Member, User

__all__ = ["Interaction", "InteractionType"]


class InteractionType(enum.IntEnum):
    """What triggered an interaction (`receiving-and-responding.mdx`, Interaction Type);
    each equals Discord's number."""

    PING = 1
    APPLICATION_COMMAND = 2
    MESSAGE_COMPONENT = 3
    APPLICATION_COMMAND_AUTOCOMPLETE = 4
    MODAL_SUBMIT = 5


class Interaction(Payload):
    """An interaction (slash command, button, modal...). `token` is secret: it is never in the
    repr; pass it only to the REST client."""

    __slots__ = ()

    id = Snowflake()
    application_id = Snowflake()
    type = Int()
    data = Field[dict[str, Any] | None]()
    guild = Field[dict[str, Any] | None]()
    guild_id = OptionalSnowflake()
    channel = Nested(Channel)
    channel_id = OptionalSnowflake()
    member = Nested(Member)
    user = Nested(User)
    token = Field[str](default="")
    version = Int(default=1)
    message = Nested(Message)
    app_permissions = Int()
    locale = Field[str | None]()
    guild_locale = Field[str | None]()
    entitlements = Field[list[dict[str, Any]]](default=())
    authorizing_integration_owners = Field[dict[str, Any]](default={})
    context = Field[int | None]()

    @property
    def author(self) -> User | None:
        """Who triggered it: the member's user in a guild, else `user` (DMs)."""
        member = self.raw.get("member")
        if member and member.get("user"):
            return User(member["user"])
        return self.user

    @property
    def command_name(self) -> str | None:
        """The command's name for command and autocomplete interactions."""
        data = self.raw.get("data") or {}
        name = data.get("name")
        return name if isinstance(name, str) else None
