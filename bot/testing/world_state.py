"""Puts the gateway's simulated world into the REST side's state, so both sides agree on ids.

The gateway builds its guilds and channels from `World` indexes; FakeRest answers from its own
`State`. A bot that gets a MESSAGE_CREATE in a world channel and answers through REST needs that
channel to exist on the REST side too, as on Discord. `seed_world` adds every world guild (with
its @everyone role and the bot as a member) and every channel; members only when asked, since a
large world (benches use thousands of guilds) would cost memory for nothing.
"""

from __future__ import annotations

from typing import Any

from bot.testing.gateway_world import World
from bot.testing.rest_state import State

__all__ = ["SEED_MEMBERS_MAX", "seed_world", "store_message"]

# Worlds up to this many members get them all in the REST state (member fetches work); larger
# ones (the benches use thousands of guilds) would spend memory on members nobody fetches.
SEED_MEMBERS_MAX = 20_000


def seed_world(state: State, world: World, *, members: bool | None = None) -> None:
    """Adds the world's guilds, roles, channels and the bot's membership to `state`; and its
    members when asked, or (`members=None`) when the world has at most `SEED_MEMBERS_MAX`."""
    if members is None:
        members = world.guild_count * world.members_per_guild <= SEED_MEMBERS_MAX
    with state.lock:
        bot_id = str(world.bot_user_id)
        if bot_id not in state.users:
            state.users[bot_id] = {**world.bot_user(), "id": bot_id}
        for index in range(world.guild_count):
            guild_id = str(world.guild_id(index))
            guild = world.guild(int(guild_id))
            state.guilds[guild_id] = guild
            state.roles[guild_id] = {role["id"]: role for role in guild["roles"]}
            state.members.setdefault(guild_id, {})
            state.bans.setdefault(guild_id, {})
            state.members[guild_id][bot_id] = world.bot_member()
            for channel_index in range(world.channels_per_guild):
                channel = {**world.channel(index, channel_index), "guild_id": guild_id}
                state.channels[channel["id"]] = channel
                state.messages.setdefault(channel["id"], {})
            if members:
                for member_index in range(world.members_per_guild):
                    member = world.member(index, member_index)
                    user = member["user"]
                    state.users[user["id"]] = user
                    state.members[guild_id][user["id"]] = member


def store_message(state: State, message: dict[str, Any]) -> None:
    """Records a message the gateway dispatched, so REST can find it (replies refer to it);
    its author becomes a known user. The gateway's `member` field is not part of a stored
    message (`GET` answers without it)."""
    with state.lock:
        channel_id = str(message["channel_id"])
        stored = {k: v for k, v in message.items() if k != "member"}
        state.messages.setdefault(channel_id, {})[str(message["id"])] = stored
        author = message.get("author")
        if isinstance(author, dict) and "id" in author:
            state.users.setdefault(str(author["id"]), dict(author))
        channel = state.channels.get(channel_id)
        if channel is not None:
            channel["last_message_id"] = str(message["id"])
