"""What consumers receive: `Event(name, data, shard)`, and the catalogue of every dispatch event.

The catalogue (`CATALOGUE`) lists every dispatch event of the current gateway docs
(`developers/events/gateway-events.mdx`, Receive Events) and, for each, what a consumer's
`event.data` is. The rules, taken from Nostrum where they are good:

- `Result.NEW`: the new object (`Message`, `Channel`, ...).
- `Result.UPDATE`: `Update(old, new)`; `old` is what the cache held before, or `None` when the
  cache did not have it (the event is never dropped for that).
- `Result.DELETE`: the old object as the cache held it; when the cache did not have it, the
  object built from what the delete payload carries (ids only, say). Never `None`.
- `Result.PAYLOAD`: the event's own payload type; the cache may learn from it.

GUILD_CREATE is split as Nostrum splits it: `GUILD_UNAVAILABLE` (an outage:
`UnavailableGuild`), `GUILD_AVAILABLE` (a guild from READY, or back from an outage: `Guild`) and
`GUILD_CREATE` (the bot joined a guild: `Guild`). GUILD_DELETE gives the old guild with
`unavailable` set from the payload (True: outage; False: the bot was removed).

An event name not in the catalogue passes on with its raw data (and a debug log line).
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

from bot.gateway.normalise import LAZY_EVENTS
from bot.payloads import (
    Channel,
    ChannelPinsUpdate,
    Emoji,
    Guild,
    GuildBan,
    GuildMembersChunk,
    GuildScheduledEventUser,
    Interaction,
    InviteEvent,
    Member,
    Message,
    MessageDelete,
    MessagePollVote,
    MessageReaction,
    Payload,
    Presence,
    RateLimited,
    Ready,
    Resumed,
    Role,
    Sticker,
    ThreadListSync,
    ThreadMember,
    ThreadMembersUpdate,
    TypingStart,
    UnavailableGuild,
    User,
    VoiceServerUpdate,
    VoiceState,
    WebhooksUpdate,
)

__all__ = [
    "CATALOGUE",
    "GUILD_AVAILABLE",
    "GUILD_UNAVAILABLE",
    "Event",
    "EventSpec",
    "Result",
    "ShardInfo",
    "Update",
    "spec_of",
]

# Names Shardline gives to the three cases of GUILD_CREATE (as Nostrum does).
GUILD_AVAILABLE = "GUILD_AVAILABLE"
GUILD_UNAVAILABLE = "GUILD_UNAVAILABLE"


class ShardInfo:
    """The shard an event came from: its id and its heartbeat latency (read live).

    `latency` is the last heartbeat round trip in seconds, None before the first ACK. A tree
    gives each producer one ShardInfo whose latency is read from the shard's kept state.
    """

    __slots__ = ("_latency", "_source", "id")

    def __init__(
        self,
        id: int,
        latency: float | None = None,
        source: Callable[[], float | None] | None = None,
    ) -> None:
        self.id = id
        self._latency = latency
        self._source = source

    @property
    def latency(self) -> float | None:
        return self._source() if self._source is not None else self._latency

    def __repr__(self) -> str:
        return f"ShardInfo(id={self.id}, latency={self.latency})"


class Event(NamedTuple):
    """One gateway event as a consumer gets it; `match` on it: `case Event("MESSAGE_CREATE", m)`."""

    name: str
    data: Any
    shard: ShardInfo

    @property
    def redelivered(self) -> bool:
        """True when this event was handed before and not acknowledged: with the cluster
        backend (docs/cluster.md) a node died, or a handler failed, before it finished."""
        return False


class Update(NamedTuple):
    """An update's data: `old` as the cache held it (None if it did not), and `new`."""

    old: Any
    new: Any


class Result(enum.Enum):
    """What `event.data` is for an event."""

    NEW = "new object"
    UPDATE = "Update(old | None, new)"
    DELETE = "old object (or the object the payload describes)"
    PAYLOAD = "the event payload"


class EventSpec(NamedTuple):
    """One catalogue entry: the event, its intent, what consumers get and of which type."""

    name: str
    intent: str | None
    result: Result
    payload: type[Payload] | None
    note: str = ""


def _specs(*rows: tuple[Any, ...]) -> dict[str, EventSpec]:
    return {row[0]: EventSpec(*row) for row in rows}


_N, _U, _D, _P = Result.NEW, Result.UPDATE, Result.DELETE, Result.PAYLOAD

# Every receive event of `gateway-events.mdx`, grouped as there. Intent names from `gateway.mdx`.
CATALOGUE: dict[str, EventSpec] = _specs(
    # connection
    ("READY", None, _P, Ready, "cache: bot user, unavailable guilds, guild->shard"),
    ("RESUMED", None, _P, Resumed),
    ("RATE_LIMITED", None, _P, RateLimited),
    # application commands, auto moderation
    ("APPLICATION_COMMAND_PERMISSIONS_UPDATE", None, _P, Payload),
    ("AUTO_MODERATION_RULE_CREATE", "AUTO_MODERATION_CONFIGURATION", _P, Payload),
    ("AUTO_MODERATION_RULE_UPDATE", "AUTO_MODERATION_CONFIGURATION", _P, Payload),
    ("AUTO_MODERATION_RULE_DELETE", "AUTO_MODERATION_CONFIGURATION", _P, Payload),
    ("AUTO_MODERATION_ACTION_EXECUTION", "AUTO_MODERATION_EXECUTION", _P, Payload),
    # channels
    ("CHANNEL_CREATE", "GUILDS", _N, Channel),
    ("CHANNEL_UPDATE", "GUILDS", _U, Channel),
    ("CHANNEL_DELETE", "GUILDS", _D, Channel),
    ("CHANNEL_PINS_UPDATE", "GUILDS", _P, ChannelPinsUpdate, "updates last_pin_timestamp"),
    ("CHANNEL_INFO", None, _P, Payload, "reply to op 43"),
    ("VOICE_CHANNEL_STATUS_UPDATE", "GUILDS", _P, Payload),
    ("VOICE_CHANNEL_START_TIME_UPDATE", "GUILDS", _P, Payload),
    # threads
    ("THREAD_CREATE", "GUILDS", _N, Channel),
    ("THREAD_UPDATE", "GUILDS", _U, Channel),
    ("THREAD_DELETE", "GUILDS", _D, Channel, "payload is only id, guild_id, parent_id, type"),
    ("THREAD_LIST_SYNC", "GUILDS", _P, ThreadListSync, "cache: threads replaced"),
    ("THREAD_MEMBER_UPDATE", "GUILDS", _P, ThreadMember),
    ("THREAD_MEMBERS_UPDATE", "GUILDS", _P, ThreadMembersUpdate, "updates member_count"),
    # entitlements, subscriptions (shard 0 only)
    ("ENTITLEMENT_CREATE", None, _P, Payload),
    ("ENTITLEMENT_UPDATE", None, _P, Payload),
    ("ENTITLEMENT_DELETE", None, _P, Payload),
    ("SUBSCRIPTION_CREATE", None, _P, Payload),
    ("SUBSCRIPTION_UPDATE", None, _P, Payload),
    ("SUBSCRIPTION_DELETE", None, _P, Payload),
    # guilds
    (GUILD_AVAILABLE, "GUILDS", _N, Guild, "GUILD_CREATE of a guild from READY or an outage"),
    (GUILD_UNAVAILABLE, "GUILDS", _N, UnavailableGuild, "GUILD_CREATE with unavailable: true"),
    ("GUILD_CREATE", "GUILDS", _N, Guild, "the bot joined this guild; full payload"),
    ("GUILD_UPDATE", "GUILDS", _U, Guild),
    ("GUILD_DELETE", "GUILDS", _D, Guild, "old guild with `unavailable` from the payload"),
    ("GUILD_AUDIT_LOG_ENTRY_CREATE", "GUILD_MODERATION", _P, Payload),
    ("GUILD_BAN_ADD", "GUILD_MODERATION", _P, GuildBan),
    ("GUILD_BAN_REMOVE", "GUILD_MODERATION", _P, GuildBan),
    ("GUILD_EMOJIS_UPDATE", "GUILD_EXPRESSIONS", _U, Emoji, "Update(tuple|None, tuple)"),
    ("GUILD_STICKERS_UPDATE", "GUILD_EXPRESSIONS", _U, Sticker, "Update(tuple|None, tuple)"),
    ("GUILD_INTEGRATIONS_UPDATE", "GUILD_INTEGRATIONS", _P, Payload),
    ("GUILD_MEMBER_ADD", "GUILD_MEMBERS", _N, Member),
    ("GUILD_MEMBER_REMOVE", "GUILD_MEMBERS", _D, Member),
    ("GUILD_MEMBER_UPDATE", "GUILD_MEMBERS", _U, Member),
    ("GUILD_MEMBERS_CHUNK", None, _P, GuildMembersChunk, "cache: members and presences"),
    ("GUILD_ROLE_CREATE", "GUILDS", _N, Role),
    ("GUILD_ROLE_UPDATE", "GUILDS", _U, Role),
    ("GUILD_ROLE_DELETE", "GUILDS", _D, Role),
    ("GUILD_SCHEDULED_EVENT_CREATE", "GUILD_SCHEDULED_EVENTS", _P, Payload),
    ("GUILD_SCHEDULED_EVENT_UPDATE", "GUILD_SCHEDULED_EVENTS", _P, Payload),
    ("GUILD_SCHEDULED_EVENT_DELETE", "GUILD_SCHEDULED_EVENTS", _P, Payload),
    ("GUILD_SCHEDULED_EVENT_USER_ADD", "GUILD_SCHEDULED_EVENTS", _P, GuildScheduledEventUser),
    ("GUILD_SCHEDULED_EVENT_USER_REMOVE", "GUILD_SCHEDULED_EVENTS", _P, GuildScheduledEventUser),
    ("GUILD_SOUNDBOARD_SOUND_CREATE", "GUILD_EXPRESSIONS", _P, Payload),
    ("GUILD_SOUNDBOARD_SOUND_UPDATE", "GUILD_EXPRESSIONS", _P, Payload),
    ("GUILD_SOUNDBOARD_SOUND_DELETE", "GUILD_EXPRESSIONS", _P, Payload),
    ("GUILD_SOUNDBOARD_SOUNDS_UPDATE", "GUILD_EXPRESSIONS", _P, Payload),
    ("SOUNDBOARD_SOUNDS", None, _P, Payload, "reply to op 31"),
    # integrations
    ("INTEGRATION_CREATE", "GUILD_INTEGRATIONS", _P, Payload),
    ("INTEGRATION_UPDATE", "GUILD_INTEGRATIONS", _P, Payload),
    ("INTEGRATION_DELETE", "GUILD_INTEGRATIONS", _P, Payload),
    # interactions, invites
    ("INTERACTION_CREATE", None, _P, Interaction),
    ("INVITE_CREATE", "GUILD_INVITES", _P, InviteEvent),
    ("INVITE_DELETE", "GUILD_INVITES", _P, InviteEvent),
    # messages
    ("MESSAGE_CREATE", "GUILD_MESSAGES", _N, Message, "also DIRECT_MESSAGES"),
    ("MESSAGE_UPDATE", "GUILD_MESSAGES", _U, Message, "new = cached message + changes"),
    ("MESSAGE_DELETE", "GUILD_MESSAGES", _D, Message, "MessageDelete if not cached"),
    ("MESSAGE_DELETE_BULK", "GUILD_MESSAGES", _D, Message, "tuple: Message or MessageDelete"),
    ("MESSAGE_REACTION_ADD", "GUILD_MESSAGE_REACTIONS", _P, MessageReaction),
    ("MESSAGE_REACTION_REMOVE", "GUILD_MESSAGE_REACTIONS", _P, MessageReaction),
    ("MESSAGE_REACTION_REMOVE_ALL", "GUILD_MESSAGE_REACTIONS", _P, MessageReaction),
    ("MESSAGE_REACTION_REMOVE_EMOJI", "GUILD_MESSAGE_REACTIONS", _P, MessageReaction),
    ("MESSAGE_POLL_VOTE_ADD", "GUILD_MESSAGE_POLLS", _P, MessagePollVote),
    ("MESSAGE_POLL_VOTE_REMOVE", "GUILD_MESSAGE_POLLS", _P, MessagePollVote),
    # presence
    ("PRESENCE_UPDATE", "GUILD_PRESENCES", _U, Presence),
    ("TYPING_START", "GUILD_MESSAGE_TYPING", _P, TypingStart),
    ("USER_UPDATE", None, _U, User, "the bot's own user"),
    # stage instances
    ("STAGE_INSTANCE_CREATE", "GUILDS", _P, Payload),
    ("STAGE_INSTANCE_UPDATE", "GUILDS", _P, Payload),
    ("STAGE_INSTANCE_DELETE", "GUILDS", _P, Payload),
    # voice
    ("VOICE_CHANNEL_EFFECT_SEND", "GUILD_VOICE_STATES", _P, Payload),
    ("VOICE_STATE_UPDATE", "GUILD_VOICE_STATES", _U, VoiceState),
    ("VOICE_SERVER_UPDATE", None, _P, VoiceServerUpdate),
    # webhooks
    ("WEBHOOKS_UPDATE", "GUILD_WEBHOOKS", _P, WebhooksUpdate),
)

# Extra payload classes a consumer may get for delete events the cache did not know.
DELETE_FALLBACKS: dict[str, type[Payload]] = {"MESSAGE_DELETE": MessageDelete}


def payload_of(name: str, data: Any, *, lazy: bool | None = None) -> Any:
    """What consumers get for `data` as decoded: its payload type when the catalogue has one
    (made `unnormalised` for the dispatches a reader leaves so, `LAZY_EVENTS`; `lazy` says so
    for an event renamed on the way, GUILD_CREATE as GUILD_AVAILABLE), else `data`."""
    spec = CATALOGUE.get(name)
    if spec is None or spec.payload is None or not isinstance(data, Mapping):
        return data
    if name in LAZY_EVENTS if lazy is None else lazy:
        return spec.payload.unnormalised(data)
    return spec.payload(data)


def spec_of(name: str) -> EventSpec | None:
    """The catalogue entry of an event name, or None for an unknown event."""
    return CATALOGUE.get(name)
