"""Guilds and what belongs to them: roles, emojis, stickers (`developers/resources/guild.mdx`)."""

from __future__ import annotations

from typing import Any

from bot.payloads.base import (
    Bool,
    Field,
    Int,
    Nested,
    NestedList,
    OptionalSnowflake,
    Payload,
    Snowflake,
    SnowflakeList,
    Timestamp,
)
from bot.payloads.channel import Channel
from bot.payloads.presence import Presence, VoiceState
from bot.payloads.user import Member, User

__all__ = ["Emoji", "Guild", "Role", "Sticker", "UnavailableGuild"]


class Role(Payload):
    """A guild role. `permissions` is an int whether it came as v6 int or v8+ string."""

    __slots__ = ()

    id = Snowflake()
    guild_id = OptionalSnowflake()
    name = Field[str](default="")
    color = Int()
    colors = Field[dict[str, Any] | None]()
    hoist = Bool()
    icon = Field[str | None]()
    unicode_emoji = Field[str | None]()
    position = Int()
    permissions = Int()
    managed = Bool()
    mentionable = Bool()
    tags = Field[dict[str, Any] | None]()
    flags = Int()

    @property
    def mention(self) -> str:
        """`<@&id>`, the text that mentions this role."""
        return f"<@&{self.id}>"


class Emoji(Payload):
    """A custom emoji, or a unicode one (then `id` is None and `name` is the character)."""

    __slots__ = ()

    id = OptionalSnowflake()
    guild_id = OptionalSnowflake()
    name = Field[str | None]()
    roles = SnowflakeList()
    user = Nested(User)
    require_colons = Bool()
    managed = Bool()
    animated = Bool()
    available = Bool(default=True)


class Sticker(Payload):
    """A sticker (`developers/resources/sticker.mdx`)."""

    __slots__ = ()

    id = Snowflake()
    pack_id = OptionalSnowflake()
    guild_id = OptionalSnowflake()
    name = Field[str](default="")
    description = Field[str | None]()
    tags = Field[str](default="")
    type = Int()
    format_type = Int()
    available = Bool(default=True)
    user = Nested(User)
    sort_value = Field[int | None]()


class UnavailableGuild(Payload):
    """A guild the gateway cannot send yet: `{id, unavailable}`."""

    __slots__ = ()

    id = Snowflake()
    unavailable = Bool()


class Guild(Payload):
    """A guild. From GUILD_CREATE it also carries members, channels, presences and so on;
    the cache keeps those in their own stores and gives the guild without them."""

    __slots__ = ()

    id = Snowflake()
    name = Field[str](default="")
    icon = Field[str | None]()
    splash = Field[str | None]()
    discovery_splash = Field[str | None]()
    owner_id = OptionalSnowflake()
    permissions = Field[str | None]()
    region = Field[str | None]()
    afk_channel_id = OptionalSnowflake()
    afk_timeout = Int()
    widget_enabled = Bool()
    widget_channel_id = OptionalSnowflake()
    verification_level = Int()
    default_message_notifications = Int()
    explicit_content_filter = Int()
    roles = NestedList(Role)
    emojis = NestedList(Emoji)
    stickers = NestedList(Sticker)
    features = Field[list[str]](default=())
    mfa_level = Int()
    application_id = OptionalSnowflake()
    system_channel_id = OptionalSnowflake()
    system_channel_flags = Int()
    rules_channel_id = OptionalSnowflake()
    max_presences = Field[int | None]()
    max_members = Field[int | None]()
    vanity_url_code = Field[str | None]()
    description = Field[str | None]()
    banner = Field[str | None]()
    premium_tier = Int()
    premium_subscription_count = Int()
    preferred_locale = Field[str](default="en-US")
    public_updates_channel_id = OptionalSnowflake()
    nsfw_level = Int()
    premium_progress_bar_enabled = Bool()
    safety_alerts_channel_id = OptionalSnowflake()
    # GUILD_CREATE extras
    joined_at = Timestamp()
    large = Bool()
    unavailable = Bool()
    member_count = Int()
    members = NestedList(Member)
    channels = NestedList(Channel)
    threads = NestedList(Channel)
    presences = NestedList(Presence)
    voice_states = NestedList(VoiceState)

    def get_role(self, role_id: int) -> Role | None:
        """The role with this id, or None."""
        for raw in self.raw.get("roles") or ():
            if raw.get("id") is not None and int(raw["id"]) == role_id:
                return Role(raw)
        return None

    @property
    def shard_key(self) -> int:
        """`id >> 22`; the shard is `shard_key % num_shards` (`gateway.mdx`, Sharding)."""
        return self.id >> 22
