"""Channels and threads (`developers/resources/channel.mdx`)."""

from __future__ import annotations

import enum
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
from bot.payloads.user import Member, User

__all__ = [
    "THREAD_TYPES",
    "Channel",
    "ChannelType",
    "Overwrite",
    "ThreadMember",
    "ThreadMetadata",
]


class ChannelType(enum.IntEnum):
    """Channel type numbers (`channel.mdx`, Channel Types); each equals Discord's number."""

    GUILD_TEXT = 0
    DM = 1
    GUILD_VOICE = 2
    GROUP_DM = 3
    GUILD_CATEGORY = 4
    GUILD_ANNOUNCEMENT = 5
    ANNOUNCEMENT_THREAD = 10
    PUBLIC_THREAD = 11
    PRIVATE_THREAD = 12
    GUILD_STAGE_VOICE = 13
    GUILD_DIRECTORY = 14
    GUILD_FORUM = 15
    GUILD_MEDIA = 16


THREAD_TYPES = frozenset(
    {ChannelType.ANNOUNCEMENT_THREAD, ChannelType.PUBLIC_THREAD, ChannelType.PRIVATE_THREAD}
)

# v6 overwrite types were strings; v8+ are 0 (role) and 1 (member).
_OVERWRITE_TYPES = {"role": 0, "member": 1}


class OverwriteType(Field[int]):
    """Overwrite `type` as 0 (role) or 1 (member), from v8+ ints or v6 strings."""

    def convert(self, value: Any) -> int:
        if type(value) is int:
            return value
        if isinstance(value, str) and not value.isdigit():
            return _OVERWRITE_TYPES.get(value, 0)
        return int(value)


class Overwrite(Payload):
    """A permission overwrite; `allow`/`deny` are ints from v6 ints or v8+ strings."""

    __slots__ = ()

    id = Snowflake()
    type = OverwriteType()
    allow = Int()
    deny = Int()


class ThreadMetadata(Payload):
    """A thread's archive and lock state."""

    __slots__ = ()

    archived = Bool()
    auto_archive_duration = Int()
    archive_timestamp = Timestamp()
    locked = Bool()
    invitable = Bool(default=True)
    create_timestamp = Timestamp()


class ThreadMember(Payload):
    """A user's membership of a thread."""

    __slots__ = ()

    id = OptionalSnowflake()
    user_id = OptionalSnowflake()
    guild_id = OptionalSnowflake()
    join_timestamp = Timestamp()
    flags = Int()
    member = Nested(Member)


class Channel(Payload):
    """A guild channel, DM or thread. The cache sets `guild_id` on guild channels."""

    __slots__ = ()

    id = Snowflake()
    type = Int()
    guild_id = OptionalSnowflake()
    position = Int()
    permission_overwrites = NestedList(Overwrite)
    name = Field[str | None]()
    topic = Field[str | None]()
    nsfw = Bool()
    last_message_id = OptionalSnowflake()
    bitrate = Field[int | None]()
    user_limit = Field[int | None]()
    rate_limit_per_user = Int()
    recipients = NestedList(User)
    icon = Field[str | None]()
    owner_id = OptionalSnowflake()
    application_id = OptionalSnowflake()
    parent_id = OptionalSnowflake()
    last_pin_timestamp = Timestamp()
    rtc_region = Field[str | None]()
    video_quality_mode = Int(default=1)
    message_count = Field[int | None]()
    member_count = Field[int | None]()
    thread_metadata = Nested(ThreadMetadata)
    member = Nested(ThreadMember)
    default_auto_archive_duration = Field[int | None]()
    permissions = Field[str | None]()
    flags = Int()
    total_message_sent = Field[int | None]()
    available_tags = Field[list[dict[str, Any]]](default=())
    applied_tags = SnowflakeList()
    newly_created = Bool()

    @property
    def is_thread(self) -> bool:
        """True for announcement, public and private threads."""
        return self.type in THREAD_TYPES

    @property
    def mention(self) -> str:
        """`<#id>`, the text that links this channel."""
        return f"<#{self.id}>"
