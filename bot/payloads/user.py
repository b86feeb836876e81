"""Users and guild members (`developers/resources/user.mdx`, `guild.mdx` Guild Member Object)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.payloads.base import (
    Bool,
    Field,
    Int,
    Nested,
    OptionalSnowflake,
    Payload,
    Snowflake,
    SnowflakeList,
    Timestamp,
    snowflake_time,
)

__all__ = ["Member", "User"]


class User(Payload):
    """A Discord user; in PRESENCE_UPDATE only `id` is guaranteed."""

    __slots__ = ()

    id = Snowflake()
    username = Field[str]()
    discriminator = Field[str](default="0")
    global_name = Field[str | None]()
    avatar = Field[str | None]()
    bot = Bool()
    system = Bool()
    mfa_enabled = Bool()
    banner = Field[str | None]()
    accent_color = Field[int | None]()
    locale = Field[str | None]()
    verified = Bool()
    email = Field[str | None]()
    flags = Int()
    premium_type = Int()
    public_flags = Int()
    avatar_decoration_data = Field[dict[str, object] | None]()

    @property
    def mention(self) -> str:
        """`<@id>`, the text that mentions this user."""
        return f"<@{self.id}>"

    @property
    def display_name(self) -> str:
        """The global display name if set, else the username."""
        return self.global_name or self.username or ""

    @property
    def created_at(self) -> datetime | None:
        """When the account was made (from its snowflake); None for a user without id."""
        ident = self.raw.get("id")
        return None if ident is None else snowflake_time(int(ident))


class Member(Payload):
    """A user's membership of one guild. `user` is absent in MESSAGE_CREATE's partial member.

    `guild_id` is set on everything the cache gives out and on member events.
    """

    __slots__ = ()

    def _ident(self) -> Any:
        return self.id

    user = Nested(User)
    guild_id = OptionalSnowflake()
    nick = Field[str | None]()
    avatar = Field[str | None]()
    banner = Field[str | None]()
    roles = SnowflakeList()
    joined_at = Timestamp()
    premium_since = Timestamp()
    deaf = Bool()
    mute = Bool()
    flags = Int()
    pending = Bool()
    permissions = Field[str | None]()
    communication_disabled_until = Timestamp()
    avatar_decoration_data = Field[dict[str, object] | None]()

    @property
    def id(self) -> int | None:
        """The member's user id (None for a partial member without `user`)."""
        user = self.raw.get("user")
        if user is None:
            return None
        ident = user.get("id")
        return ident if ident is None or type(ident) is int else int(ident)

    @property
    def display_name(self) -> str:
        """Nickname, else the user's display name."""
        if self.nick:
            return self.nick
        user = self.user
        return user.display_name if user is not None else ""

    @property
    def mention(self) -> str:
        """`<@id>`, the text that mentions this member."""
        return f"<@{self.id}>"
