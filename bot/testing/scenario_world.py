"""The world half of a scenario: users, guilds, channels, roles, members, messages, reactions.

`ScenarioWorld` creates each object in the one world the gateway and the REST API share (the
REST state) and dispatches the matching gateway event (GUILD_CREATE, CHANNEL_CREATE,
GUILD_MEMBER_ADD, MESSAGE_CREATE...) to the shard that owns the guild, once every shard is
ready. `bot.testing.scenarios.Scenario` adds commands, components and modals.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from bot.testing.fake_discord import FakeDiscord
from bot.testing.payloads import channel_object, guild_create, message_object
from bot.testing.rest_state import State, now_iso
from bot.testing.scenario_interactions import Ref, member_view, object_id
from bot.testing.scenario_results import Exchange

__all__ = ["ScenarioWorld"]

Json = dict[str, Any]

# https://discord.com/developers/docs/reference#message-formatting : <@id> and <@!id>.
USER_MENTION = re.compile(r"<@!?(\d+)>")
# https://discord.com/developers/docs/resources/channel#channel-object-channel-types
DM_CHANNEL = 1
THREAD_TYPES = frozenset({10, 11, 12})
# https://discord.com/developers/docs/resources/message#message-object-message-types
REPLY = 19


def _find_message(state: State, channel_id: str, message_id: str) -> Json:
    message = state.messages.get(channel_id, {}).get(message_id)
    if message is None:
        raise ValueError(f"no message {message_id} in channel {channel_id}")
    return message


class ScenarioWorld:
    """The half of `Scenario` that makes users, guilds, channels and roles and sends messages.

    `timeout` is how long each step waits (for every shard to be ready before a dispatch, for
    the bot's answer when a result is read) unless the step gives its own. `shard_ids` are the
    shards to wait for when this process runs only some of them (default: all).
    """

    def __init__(
        self, fake: FakeDiscord, *, timeout: float = 10.0, shard_ids: list[int] | None = None
    ) -> None:
        self.fake = fake
        self.state = fake.rest.state
        self.timeout = timeout
        self.shard_ids = shard_ids

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.fake!r}>"

    def _dispatch(self, name: str, data: Json, timeout: float | None = None) -> None:
        timeout = self.timeout if timeout is None else timeout
        self.fake.wait_for_ready(timeout, shard_ids=self.shard_ids)
        self.fake.dispatch(name, data)

    # -- the world ---------------------------------------------------------------------------

    def user(self, name: str = "someone", *, bot: bool = False) -> Json:
        """A new user (no event: Discord tells the bot about users through guilds)."""
        return self.state.add_user(name, bot=bot)

    def guild(self, name: str = "Test Guild", *, owner: Ref | None = None) -> Json:
        """A new guild the bot is in (as its member); dispatches its GUILD_CREATE."""
        with self.state.lock:
            guild = self.state.add_guild(name, owner_id=object_id(owner) if owner else None)
            payload = self._guild_create(guild["id"])
        self._dispatch("GUILD_CREATE", payload)
        return guild

    def _guild_create(self, guild_id: str) -> Json:
        members = [dict(m) for m in self.state.members[guild_id].values()]
        channels = [dict(c) for c in self.state.channels.values() if c.get("guild_id") == guild_id]
        return guild_create(
            {**self.state.guilds[guild_id], "roles": list(self.state.roles[guild_id].values())},
            members=members,
            channels=channels,
            member_count=len(members),
            large=False,
            joined_at=now_iso(),
        )

    def channel(
        self,
        guild: Ref,
        *,
        name: str = "general",
        type: int = 0,
        parent: Ref | None = None,
    ) -> Json:
        """A new channel of `type` (a `bot.payloads.channel.ChannelType` number) in `guild`;
        dispatches CHANNEL_CREATE (THREAD_CREATE for a thread type)."""
        guild_id = object_id(guild)
        with self.state.lock:
            if guild_id not in self.state.guilds:
                raise ValueError(f"no guild {guild_id} in the simulated Discord")
            channel = self.state.add_channel(guild_id, name, int(type))
            stored = self.state.channels[channel["id"]]
            if parent is not None:
                stored["parent_id"] = object_id(parent)
            channel = dict(stored)
        event = "THREAD_CREATE" if int(type) in THREAD_TYPES else "CHANNEL_CREATE"
        self._dispatch(event, {**channel, **({"newly_created": True} if event[0] == "T" else {})})
        return channel

    def role(self, guild: Ref, *, name: str = "role", permissions: str = "0") -> Json:
        """A new role in `guild`; dispatches GUILD_ROLE_CREATE."""
        guild_id = object_id(guild)
        role = self.state.add_role(guild_id, name, permissions=permissions)
        self._dispatch("GUILD_ROLE_CREATE", {"guild_id": guild_id, "role": role})
        return role

    def join(self, user: Ref, guild: Ref, *, roles: list[Ref] | None = None) -> Json:
        """`user` joins `guild`; dispatches GUILD_MEMBER_ADD; returns the member."""
        guild_id, user_id = object_id(guild), object_id(user)
        role_ids = [object_id(r) for r in roles or []]
        with self.state.lock:
            if user_id not in self.state.users:
                raise ValueError(f"no user {user_id}: make it with scenario.user()")
            member = self.state.add_member(guild_id, user_id, roles=role_ids)
        self._dispatch("GUILD_MEMBER_ADD", {**member, "guild_id": guild_id})
        return member

    def leave(self, user: Ref, guild: Ref) -> None:
        """`user` leaves `guild`; dispatches GUILD_MEMBER_REMOVE."""
        guild_id, user_id = object_id(guild), object_id(user)
        with self.state.lock:
            member = self.state.members.get(guild_id, {}).pop(user_id, None)
            if member is None:
                raise ValueError(f"user {user_id} is not a member of guild {guild_id}")
        self._dispatch("GUILD_MEMBER_REMOVE", {"guild_id": guild_id, "user": member["user"]})

    def dm(self, user: Ref) -> Json:
        """The DM channel between the bot and `user` (made if needed; Discord sends no
        CHANNEL_CREATE for it)."""
        user_id = object_id(user)
        with self.state.lock:
            for channel in self.state.channels.values():
                recipients = channel.get("recipients") or [{}]
                if channel.get("type") == DM_CHANNEL and recipients[0].get("id") == user_id:
                    return dict(channel)
            channel = channel_object(self.state.snowflake(), DM_CHANNEL)
            channel["recipients"] = [dict(self.state.users[user_id])]
            self.state.channels[channel["id"]] = channel
            self.state.messages[channel["id"]] = {}
            return dict(channel)

    # -- messages ----------------------------------------------------------------------------

    def say(
        self,
        user: Ref,
        channel: Ref,
        content: str,
        *,
        timeout: float | None = None,
        reply_to: Ref | None = None,
        **fields: Any,
    ) -> Exchange:
        """`user` posts `content` in `channel` (MESSAGE_CREATE, stored so the bot can reply,
        fetch and react). Mentions `<@id>` in the content fill `mentions`, as on Discord.
        `fields` adds message fields (embeds, attachments...). Returns the `Exchange` whose
        `reply`, `replies` and `wait_replies(n)` give the bot's messages in the channel."""
        channel_id, user_id = object_id(channel), object_id(user)
        with self.state.lock:
            stored_channel = self.state.channels.get(channel_id)
            if stored_channel is None:
                raise ValueError(f"no channel {channel_id} in the simulated Discord")
            guild_id = stored_channel.get("guild_id")
            message = message_object(
                self.state.snowflake(),
                channel_id,
                self.state.users[user_id],
                content,
                guild_id=guild_id,
                timestamp=now_iso(),
            )
            message.update(fields)
            message["mentions"] = self._mentions(content, guild_id)
            if reply_to is not None:
                target = _find_message(self.state, channel_id, object_id(reply_to))
                message["type"] = REPLY
                message["message_reference"] = {
                    "type": 0,
                    "message_id": target["id"],
                    "channel_id": channel_id,
                    **({"guild_id": guild_id} if guild_id else {}),
                }
                message["referenced_message"] = dict(target)
            event = dict(message)
            if guild_id is not None:
                member = member_view(self.state, guild_id, user_id)
                event["member"] = {
                    k: v for k, v in member.items() if k not in ("user", "permissions")
                }
            self.state.messages[channel_id][message["id"]] = message
            stored_channel["last_message_id"] = message["id"]
        exchange = Exchange(self.fake, event, self.timeout if timeout is None else timeout)
        self._dispatch("MESSAGE_CREATE", event)
        return exchange

    def _mentions(self, content: str, guild_id: str | None) -> list[Json]:
        mentions = []
        for user_id in dict.fromkeys(USER_MENTION.findall(content)):
            user = self.state.users.get(user_id)
            if user is None:
                continue
            mention = dict(user)
            member = self.state.members.get(guild_id or "", {}).get(user_id)
            if member is not None:
                mention["member"] = {k: v for k, v in member.items() if k != "user"}
            mentions.append(mention)
        return mentions

    def react(self, user: Ref, message: Ref, emoji: str, *, channel: Ref | None = None) -> None:
        """`user` reacts to `message` with a unicode `emoji` (or `name:id`);
        dispatches MESSAGE_REACTION_ADD."""
        user_id = object_id(user)
        with self.state.lock:
            stored = self._message(message, channel)
            users = self.state.reactions.setdefault(stored["id"], {}).setdefault(emoji, set())
            users.add(user_id)
            name, _, emoji_id = emoji.partition(":")
            event: Json = {
                "user_id": user_id,
                "channel_id": stored["channel_id"],
                "message_id": stored["id"],
                "emoji": {"id": emoji_id or None, "name": name},
                "message_author_id": stored["author"]["id"],
                "burst": False,
                "burst_colors": [],
                "type": 0,
            }
            guild_id = stored.get("guild_id")
            if guild_id:
                event["guild_id"] = guild_id
                event["member"] = dict(self.state.members[guild_id][user_id])
        self._dispatch("MESSAGE_REACTION_ADD", event)

    def _message(self, message: Ref, channel: Ref | None) -> Json:
        channel_id = object_id(channel) if channel is not None else None
        if channel_id is None and isinstance(message, Mapping):
            channel_id = str(message["channel_id"])
        message_id = object_id(message)
        if channel_id is None:
            for channel_messages in self.state.messages.values():
                if message_id in channel_messages:
                    return channel_messages[message_id]
            raise ValueError(f"no message {message_id} in the simulated Discord")
        return _find_message(self.state, channel_id, message_id)
