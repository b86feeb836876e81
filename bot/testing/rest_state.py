"""The fake REST API's in-memory world: users, guilds, channels, messages, commands, webhooks.

Objects are stored as Discord's JSON shapes (snowflakes as strings) and handed out as copies.
Tests seed it (`add_guild`, `add_channel`, `add_user`, `add_member`, `add_webhook`) and read
it back to check what a bot did. Handlers work under `lock` (`FakeRest` holds it for them).
"""

from __future__ import annotations

import itertools
import secrets
import threading
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from bot.testing.gateway_world import World
from bot.testing.payloads import (
    channel_object,
    guild_object,
    member_object,
    role_object,
    user_object,
)

__all__ = ["DISCORD_EPOCH_MS", "State"]

# https://discord.com/developers/docs/reference#snowflakes
DISCORD_EPOCH_MS = 1_420_070_400_000

Json = dict[str, Any]


def now_iso() -> str:
    return datetime.now(UTC).isoformat()


class State:
    """What the fake server knows. Ids are snowflake strings, as Discord sends them."""

    def __init__(self, bot_user: Mapping[str, Any] | None = None) -> None:
        self.lock = threading.RLock()
        self._increment = itertools.count(1)
        # The gateway world's bot user by default, so READY and `GET /users/@me` agree.
        self.bot_user: Json = dict(bot_user or World().bot_user())
        self.application_id = self.bot_user["id"]
        self.users: dict[str, Json] = {self.bot_user["id"]: self.bot_user}
        self.guilds: dict[str, Json] = {}
        self.channels: dict[str, Json] = {}
        self.messages: dict[str, dict[str, Json]] = {}  # channel id -> message id -> message
        self.reactions: dict[str, dict[str, set[str]]] = {}  # message id -> emoji -> user ids
        self.members: dict[str, dict[str, Json]] = {}  # guild id -> user id -> member
        self.roles: dict[str, dict[str, Json]] = {}  # guild id -> role id -> role
        self.bans: dict[str, dict[str, Json]] = {}  # guild id -> user id -> ban
        self.thread_members: dict[str, set[str]] = {}  # thread id -> user ids
        self.commands: dict[str, dict[str, Json]] = {}  # "global" or guild id -> id -> command
        self.webhooks: dict[str, Json] = {}  # id -> webhook (with its token)
        self.interactions: dict[str, Json] = {}  # interaction token -> {"id", "channel_id", ...}
        self.files: dict[str, bytes] = {}  # attachment id -> the uploaded bytes
        # The gateway's generated world (FakeDiscord sets it): its streamed messages and its
        # members are found here without being stored one by one (benches stream millions).
        self.world: World | None = None
        self.streamed = 0  # generated message numbers below this were sent

    def find_message(self, channel_id: str, message_id: str) -> Json | None:
        """A stored message, or one of the world's generated messages the gateway streamed
        (stored on first use, so edits and reactions stick); None if there is none."""
        message = self.messages.get(channel_id, {}).get(message_id)
        if message is None and self.world is not None and channel_id in self.messages:
            found = self.world.message_at(int(channel_id), int(message_id), self.streamed)
            if found is not None:
                message = {k: v for k, v in found.items() if k != "member"}
                self.messages[channel_id][message_id] = message
        return message

    def find_member(self, guild_id: str, user_id: str) -> Json | None:
        """A guild member, or one of the world's generated members (stored on first use)."""
        member = self.members.get(guild_id, {}).get(user_id)
        if member is None and self.world is not None and guild_id in self.members:
            member = self.world.member_at(int(guild_id), int(user_id))
            if member is not None:
                self.members[guild_id][user_id] = member
                self.users.setdefault(user_id, member["user"])
        return member

    def snowflake(self) -> str:
        """A fresh snowflake for a created object, ordered by creation time."""
        millis = int(time.time() * 1000) - DISCORD_EPOCH_MS
        return str((millis << 22) | (next(self._increment) & 0x3FFFFF))

    # -- seeding -----------------------------------------------------------------------------

    def add_user(self, username: str = "someone", *, bot: bool = False) -> Json:
        user = user_object(self.snowflake(), username, bot=bot)
        with self.lock:
            self.users[user["id"]] = user
        return dict(user)

    def add_guild(self, name: str = "Test Guild", *, owner_id: str | None = None) -> Json:
        """A guild with its @everyone role (id = guild id) and the bot as a member."""
        guild_id = self.snowflake()
        guild = guild_object(guild_id, name, owner_id or self.bot_user["id"])
        with self.lock:
            self.guilds[guild_id] = guild
            self.roles[guild_id] = {guild_id: guild["roles"][0]}
            self.members[guild_id] = {}
            self.bans[guild_id] = {}
        self.add_member(guild_id, self.bot_user["id"])
        return dict(guild)

    def add_channel(
        self, guild_id: str | None = None, name: str = "general", type: int = 0
    ) -> Json:
        with self.lock:
            position = sum(1 for c in self.channels.values() if c.get("guild_id") == guild_id)
            channel = channel_object(
                self.snowflake(),
                type,
                name=name,
                guild_id=guild_id,
                position=position,
                owner_id=self.bot_user["id"],
            )
            self.channels[channel["id"]] = channel
            self.messages[channel["id"]] = {}
        return dict(channel)

    def add_member(self, guild_id: str, user_id: str, *, roles: list[str] | None = None) -> Json:
        with self.lock:
            member = member_object(self.users[user_id], roles=roles, joined_at=now_iso())
            self.members[guild_id][user_id] = member
        return dict(member)

    def add_webhook(self, channel_id: str, name: str = "hook") -> Json:
        """An incoming webhook in `channel_id`; the result holds its `token`."""
        with self.lock:
            channel = self.channels[channel_id]
            hook: Json = {
                "id": self.snowflake(),
                "type": 1,
                "channel_id": channel_id,
                "guild_id": channel.get("guild_id"),
                "name": name,
                "token": secrets.token_urlsafe(48),
            }
            self.webhooks[hook["id"]] = hook
        return dict(hook)

    def add_interaction(
        self, channel_id: str, *, type: int = 2, message_id: str | None = None
    ) -> Json:
        """An interaction the bot may answer: `{"id", "token", "application_id", ...}`.

        `message_id` is the message of a component interaction (type 3): an UPDATE_MESSAGE
        answer edits it. The record also keeps the answer: `response_type`, `response` (the
        callback's `data`), `original` (the response message's id) and `followups` (ids).
        """
        with self.lock:
            interaction: Json = {
                "id": self.snowflake(),
                "token": "aW50ZXJhY3Rpb24" + secrets.token_urlsafe(40),
                "application_id": self.application_id,
                "channel_id": channel_id,
                "type": type,
                "message_id": message_id,
                "original": None,  # message id once answered with a message
                "followups": [],
                "response_type": None,
                "response": None,
            }
            self.interactions[interaction["token"]] = interaction
        return dict(interaction)

    def add_role(self, guild_id: str, name: str = "role", *, permissions: str = "0") -> Json:
        """A role in `guild_id` (its position after the existing ones)."""
        with self.lock:
            roles = self.roles[guild_id]
            role = role_object(self.snowflake(), name, permissions=permissions, position=len(roles))
            roles[role["id"]] = role
            self.guilds[guild_id]["roles"] = list(roles.values())
        return dict(role)

    # -- messages ----------------------------------------------------------------------------

    def new_message(self, channel_id: str, author: Json, fields: Mapping[str, Any]) -> Json:
        """Stores a message built from a create-message body."""
        channel = self.channels[channel_id]
        message: Json = {
            "id": self.snowflake(),
            "type": 0,
            "channel_id": channel_id,
            "author": dict(author),
            "content": fields.get("content") or "",
            "timestamp": now_iso(),
            "edited_timestamp": None,
            "tts": bool(fields.get("tts", False)),
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": list(fields.get("attachments") or []),
            "embeds": list(fields.get("embeds") or []),
            "components": list(fields.get("components") or []),
            "reactions": [],
            "pinned": False,
            "flags": int(fields.get("flags") or 0),
        }
        if "guild_id" in channel:
            message["guild_id"] = channel["guild_id"]
        reference = fields.get("message_reference")
        if reference:
            referenced = self.messages[channel_id].get(str(reference.get("message_id")))
            message["type"] = 19  # REPLY
            message["message_reference"] = {
                "message_id": str(reference.get("message_id")),
                "channel_id": channel_id,
                **({"guild_id": channel["guild_id"]} if "guild_id" in channel else {}),
            }
            message["referenced_message"] = dict(referenced) if referenced else None
        self.messages[channel_id][message["id"]] = message
        channel["last_message_id"] = message["id"]
        return message
