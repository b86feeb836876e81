"""Presences, activities and voice states (`gateway-events.mdx` Presence, `voice.mdx`)."""

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
    Timestamp,
    UnixTime,
)
from bot.payloads.user import Member, User

__all__ = ["Activity", "Presence", "VoiceState"]


class Activity(Payload):
    """A user activity; `created_at` is unix ms on the wire."""

    __slots__ = ()

    name = Field[str](default="")
    type = Int()
    url = Field[str | None]()
    created_at = UnixTime(millis=True)
    timestamps = Field[dict[str, int] | None]()
    application_id = OptionalSnowflake()
    details = Field[str | None]()
    state = Field[str | None]()
    emoji = Field[dict[str, Any] | None]()
    party = Field[dict[str, Any] | None]()
    assets = Field[dict[str, Any] | None]()
    instance = Bool()
    flags = Int()
    buttons = Field[list[Any]](default=())


class Presence(Payload):
    """A user's status in a guild. `user` may be partial (only `id` is guaranteed).

    v6 payloads carry `game` (one activity) instead of, or besides, `activities`.
    """

    __slots__ = ()

    def _ident(self) -> Any:
        return self.user_id

    user = Nested(User)
    guild_id = OptionalSnowflake()
    status = Field[str](default="offline")
    game = Nested(Activity)
    client_status = Field[dict[str, str]](default={})

    @property
    def user_id(self) -> int | None:
        """The user's id."""
        user = self.raw.get("user")
        if not user:
            return None
        ident = user.get("id")
        return ident if ident is None or type(ident) is int else int(ident)

    @property
    def activities(self) -> tuple[Activity, ...]:
        """The activities; a v6 `game` is given as a one-item tuple when `activities` is absent."""
        items = self.raw.get("activities")
        if items is None:
            game = self.raw.get("game")
            return (Activity(game),) if game else ()
        return tuple(Activity(item) for item in items)


class VoiceState(Payload):
    """A user's voice connection state; `channel_id` None means they left."""

    __slots__ = ()

    guild_id = OptionalSnowflake()
    channel_id = OptionalSnowflake()
    user_id = OptionalSnowflake()
    member = Nested(Member)
    session_id = Field[str](default="")
    deaf = Bool()
    mute = Bool()
    self_deaf = Bool()
    self_mute = Bool()
    self_stream = Bool()
    self_video = Bool()
    suppress = Bool()
    request_to_speak_timestamp = Timestamp()


# `NestedList` kept importable for subclasses that add typed activity lists.
_ = NestedList
