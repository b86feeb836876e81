"""Discord payload types: read-only views over decoded mappings, read by attribute.

Every class has `from_dict(data)`; snowflakes read as `int` whether they came as int
(gateway) or str (REST JSON); timestamps parse when read; unknown fields stay readable;
`payload.raw` is the mapping as received.
"""

from __future__ import annotations

from bot.payloads.base import Payload, parse_timestamp, snowflake, snowflake_time
from bot.payloads.channel import (
    THREAD_TYPES,
    Channel,
    ChannelType,
    Overwrite,
    ThreadMember,
    ThreadMetadata,
)
from bot.payloads.dispatch import (
    ChannelPinsUpdate,
    GuildBan,
    GuildMembersChunk,
    GuildScheduledEventUser,
    InviteEvent,
    MessageDelete,
    MessageDeleteBulk,
    MessagePollVote,
    MessageReaction,
    RateLimited,
    Ready,
    Resumed,
    ThreadListSync,
    ThreadMembersUpdate,
    TypingStart,
    VoiceServerUpdate,
    WebhooksUpdate,
)
from bot.payloads.guild import Emoji, Guild, Role, Sticker, UnavailableGuild
from bot.payloads.interaction import Interaction, InteractionType
from bot.payloads.message import Attachment, Message, MessageReference
from bot.payloads.presence import Activity, Presence, VoiceState
from bot.payloads.user import Member, User

__all__ = [
    "THREAD_TYPES",
    "Activity",
    "Attachment",
    "Channel",
    "ChannelPinsUpdate",
    "ChannelType",
    "Emoji",
    "Guild",
    "GuildBan",
    "GuildMembersChunk",
    "GuildScheduledEventUser",
    "Interaction",
    "InteractionType",
    "InviteEvent",
    "Member",
    "Message",
    "MessageDelete",
    "MessageDeleteBulk",
    "MessagePollVote",
    "MessageReaction",
    "MessageReference",
    "Overwrite",
    "Payload",
    "Presence",
    "RateLimited",
    "Ready",
    "Resumed",
    "Role",
    "Sticker",
    "ThreadListSync",
    "ThreadMember",
    "ThreadMembersUpdate",
    "ThreadMetadata",
    "TypingStart",
    "UnavailableGuild",
    "User",
    "VoiceServerUpdate",
    "VoiceState",
    "WebhooksUpdate",
    "parse_timestamp",
    "snowflake",
    "snowflake_time",
]
