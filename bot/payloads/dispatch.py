"""Payloads that exist only as the data of one gateway event (`gateway-events.mdx`).

Fields not declared here are still readable as attributes (`Payload.__getattr__`).
"""

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
    UnixTime,
)
from bot.payloads.channel import Channel, ThreadMember
from bot.payloads.guild import Emoji, UnavailableGuild
from bot.payloads.presence import Presence
from bot.payloads.user import Member, User

__all__ = [
    "ChannelPinsUpdate",
    "GuildBan",
    "GuildMembersChunk",
    "GuildScheduledEventUser",
    "InviteEvent",
    "MessageDelete",
    "MessageDeleteBulk",
    "MessagePollVote",
    "MessageReaction",
    "RateLimited",
    "Ready",
    "Resumed",
    "ThreadListSync",
    "ThreadMembersUpdate",
    "TypingStart",
    "VoiceServerUpdate",
    "WebhooksUpdate",
]


class Ready(Payload):
    """READY: the session, the bot user and its guilds (all unavailable at first)."""

    __slots__ = ()

    v = Int()
    user = Nested(User)
    guilds = NestedList(UnavailableGuild)
    session_id = Field[str](default="")
    resume_gateway_url = Field[str | None]()
    shard = Field[list[int] | None]()
    application = Field[dict[str, Any] | None]()


class Resumed(Payload):
    """RESUMED: replay is over (may carry an undocumented `_trace`)."""

    __slots__ = ()


class MessageDelete(Payload):
    """MESSAGE_DELETE when the cache had no copy: only ids."""

    __slots__ = ()

    id = Snowflake()
    channel_id = Snowflake()
    guild_id = OptionalSnowflake()


class MessageDeleteBulk(Payload):
    """MESSAGE_DELETE_BULK's payload: `ids`, `channel_id`, `guild_id?`."""

    __slots__ = ()

    ids = SnowflakeList()
    channel_id = Snowflake()
    guild_id = OptionalSnowflake()


class MessageReaction(Payload):
    """MESSAGE_REACTION_ADD/REMOVE/REMOVE_ALL/REMOVE_EMOJI (fields depend on the event)."""

    __slots__ = ()

    user_id = OptionalSnowflake()
    channel_id = Snowflake()
    message_id = Snowflake()
    guild_id = OptionalSnowflake()
    member = Nested(Member)
    emoji = Nested(Emoji)
    message_author_id = OptionalSnowflake()
    burst = Bool()
    burst_colors = Field[list[str]](default=())
    type = Int()


class MessagePollVote(Payload):
    """MESSAGE_POLL_VOTE_ADD/REMOVE: one answer of one user."""

    __slots__ = ()

    user_id = Snowflake()
    channel_id = Snowflake()
    message_id = Snowflake()
    guild_id = OptionalSnowflake()
    answer_id = Int()


class TypingStart(Payload):
    """TYPING_START; `timestamp` is unix seconds on the wire."""

    __slots__ = ()

    channel_id = Snowflake()
    guild_id = OptionalSnowflake()
    user_id = Snowflake()
    timestamp = UnixTime()
    member = Nested(Member)


class ChannelPinsUpdate(Payload):
    """CHANNEL_PINS_UPDATE."""

    __slots__ = ()

    guild_id = OptionalSnowflake()
    channel_id = Snowflake()
    last_pin_timestamp = Timestamp()


class GuildBan(Payload):
    """GUILD_BAN_ADD / GUILD_BAN_REMOVE."""

    __slots__ = ()

    guild_id = Snowflake()
    user = Nested(User)


class GuildMembersChunk(Payload):
    """GUILD_MEMBERS_CHUNK: up to 1000 members (and presences if asked)."""

    __slots__ = ()

    guild_id = Snowflake()
    members = NestedList(Member)
    chunk_index = Int()
    chunk_count = Int(default=1)
    not_found = SnowflakeList()
    presences = NestedList(Presence)
    nonce = Field[str | None]()


class ThreadListSync(Payload):
    """THREAD_LIST_SYNC: threads of the channels the bot gained access to."""

    __slots__ = ()

    guild_id = Snowflake()
    channel_ids = SnowflakeList()
    threads = NestedList(Channel)
    members = NestedList(ThreadMember)


class ThreadMembersUpdate(Payload):
    """THREAD_MEMBERS_UPDATE."""

    __slots__ = ()

    id = Snowflake()
    guild_id = Snowflake()
    member_count = Int()
    added_members = NestedList(ThreadMember)
    removed_member_ids = SnowflakeList()


class GuildScheduledEventUser(Payload):
    """GUILD_SCHEDULED_EVENT_USER_ADD/REMOVE."""

    __slots__ = ()

    guild_scheduled_event_id = Snowflake()
    user_id = Snowflake()
    guild_id = Snowflake()


class InviteEvent(Payload):
    """INVITE_CREATE / INVITE_DELETE."""

    __slots__ = ()

    channel_id = Snowflake()
    guild_id = OptionalSnowflake()
    code = Field[str](default="")
    created_at = Timestamp()
    inviter = Nested(User)
    max_age = Int()
    max_uses = Int()
    temporary = Bool()
    uses = Int()
    expires_at = Timestamp()


class VoiceServerUpdate(Payload):
    """VOICE_SERVER_UPDATE; a null `endpoint` means the voice server is being reallocated.
    `token` is a voice secret and never appears in the repr."""

    __slots__ = ()

    token = Field[str](default="")
    guild_id = Snowflake()
    endpoint = Field[str | None]()


class WebhooksUpdate(Payload):
    """WEBHOOKS_UPDATE."""

    __slots__ = ()

    guild_id = Snowflake()
    channel_id = Snowflake()


class RateLimited(Payload):
    """RATE_LIMITED: a gateway send (opcode 8 today) was refused; retry after `retry_after` s."""

    __slots__ = ()

    opcode = Int()
    retry_after = Field[float](default=0.0)
    meta = Field[dict[str, Any]](default={})
