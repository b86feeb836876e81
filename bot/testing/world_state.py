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

__all__ = ["seed_world", "store_message"]


def seed_world(state: State, world: World, *, members: bool = False) -> None:
    """Adds the world's guilds, roles and channels (and members if asked) to `state`."""
    with state.lock:
        bot_id = str(world.bot_user_id)
        if bot_id not in state.users:
            state.users[bot_id] = {**world.bot_user(), "id": bot_id}
        for index in range(world.guild_count):
            guild_id = str(world.guild_id(index))
            everyone = world.role(index)
            state.guilds[guild_id] = {
                "id": guild_id,
                "name": f"Guild {index}",
                "icon": None,
                "owner_id": bot_id,
                "roles": [everyone],
                "emojis": [],
                "features": [],
                "verification_level": 0,
                "premium_tier": 0,
            }
            state.roles[guild_id] = {guild_id: everyone}
            state.members.setdefault(guild_id, {})
            state.bans.setdefault(guild_id, {})
            state.members[guild_id][bot_id] = _member(state.users[bot_id])
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
    """Records a message the gateway dispatched, so REST can find it (replies refer to it)."""
    with state.lock:
        channel_id = str(message["channel_id"])
        state.messages.setdefault(channel_id, {})[str(message["id"])] = dict(message)


def _member(user: dict[str, Any]) -> dict[str, Any]:
    return {
        "user": dict(user),
        "nick": None,
        "roles": [],
        "joined_at": "2024-01-01T00:00:00.000000+00:00",
        "deaf": False,
        "mute": False,
        "flags": 0,
    }
