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

from bot.testing.gateway_world import everyone_role

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
        self.bot_user: Json = dict(
            bot_user
            or {
                "id": "1000000000000000001",  # Discord sends snowflakes as strings
                "username": "shardline-test",
                "global_name": None,
                "discriminator": "0",
                "avatar": None,
                "bot": True,
                "flags": 0,
            }
        )
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

    def snowflake(self) -> str:
        """A fresh snowflake for a created object, ordered by creation time."""
        millis = int(time.time() * 1000) - DISCORD_EPOCH_MS
        return str((millis << 22) | (next(self._increment) & 0x3FFFFF))

    # -- seeding -----------------------------------------------------------------------------

    def add_user(self, username: str = "someone", *, bot: bool = False) -> Json:
        user: Json = {
            "id": self.snowflake(),
            "username": username,
            "global_name": None,
            "discriminator": "0",
            "avatar": None,
            "bot": bot,
        }
        with self.lock:
            self.users[user["id"]] = user
        return dict(user)

    def add_guild(self, name: str = "Test Guild", *, owner_id: str | None = None) -> Json:
        """A guild with its @everyone role (id = guild id) and the bot as a member."""
        guild_id = self.snowflake()
        everyone = everyone_role(guild_id)
        guild = {
            "id": guild_id,
            "name": name,
            "icon": None,
            "owner_id": owner_id or self.bot_user["id"],
            "roles": [everyone],
            "emojis": [],
            "features": [],
            "verification_level": 0,
            "premium_tier": 0,
        }
        with self.lock:
            self.guilds[guild_id] = guild
            self.roles[guild_id] = {guild_id: everyone}
            self.members[guild_id] = {}
            self.bans[guild_id] = {}
        self.add_member(guild_id, self.bot_user["id"])
        return dict(guild)

    def add_channel(
        self, guild_id: str | None = None, name: str = "general", type: int = 0
    ) -> Json:
        channel: Json = {"id": self.snowflake(), "type": type, "name": name}
        if guild_id is not None:
            channel.update(guild_id=guild_id, position=0, permission_overwrites=[], nsfw=False)
        channel["last_message_id"] = None
        with self.lock:
            self.channels[channel["id"]] = channel
            self.messages[channel["id"]] = {}
        return dict(channel)

    def add_member(self, guild_id: str, user_id: str, *, roles: list[str] | None = None) -> Json:
        with self.lock:
            member = {
                "user": dict(self.users[user_id]),
                "nick": None,
                "roles": list(roles or []),
                "joined_at": now_iso(),
                "deaf": False,
                "mute": False,
                "flags": 0,
            }
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

    def add_interaction(self, channel_id: str) -> Json:
        """An interaction the bot may answer: `{"id", "token", "application_id", ...}`."""
        with self.lock:
            interaction: Json = {
                "id": self.snowflake(),
                "token": "aW50ZXJhY3Rpb24" + secrets.token_urlsafe(40),
                "application_id": self.application_id,
                "channel_id": channel_id,
                "type": 2,
                "original": None,  # message id once answered with a message
                "followups": [],
                "response_type": None,
            }
            self.interactions[interaction["token"]] = interaction
        return dict(interaction)

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
