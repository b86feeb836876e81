"""discord.py's and hikari's own models parse every payload the simulator sends.

The payloads come from one tour of the simulator (`payload_tour.tour`), decoded as plain JSON
the way those libraries get it. discord.py parses dispatches through its `ConnectionState`
parsers and REST answers through its model classes; hikari through its event and entity
factories. A parse that raises (a missing required field, a wrong type) fails the test.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from typing import Any
from unittest import mock

import pytest

from bot.testing import FakeDiscord, GatewayConfig, World
from tests.bot.testing.payload_tour import tour

Toured = tuple[list[tuple[str, Any]], list[tuple[str, Any]]]


@pytest.fixture(scope="module")
def toured() -> Iterator[Toured]:
    config = GatewayConfig(
        heartbeat_interval_ms=5000, world=World(guild_count=2, members_per_guild=4)
    )
    with FakeDiscord(config=config) as discord:
        yield tour(discord)


def test_discord_py_parses_every_dispatch_and_rest_answer(toured: Toured) -> None:
    discord = pytest.importorskip("discord")
    from discord.state import ConnectionState

    dispatches, answers = toured

    async def parse() -> dict[str, Any]:
        state = ConnectionState(
            dispatch=lambda *args, **kwargs: None,
            handlers={},
            hooks={},
            http=mock.MagicMock(),
            intents=discord.Intents.all(),
            chunk_guilds_at_startup=False,
        )
        state._get_client = lambda: mock.MagicMock()  # interactions keep their client
        try:
            for name, data in dispatches:
                state.parsers[name](data)
            guild = next(g for g in state.guilds if g.name == "Tour")
            channel = guild.text_channels[0]
            models: dict[str, Callable[[Any], Any]] = {
                "message": lambda d: discord.Message(state=state, channel=channel, data=d),
                "user": lambda d: discord.ClientUser(state=state, data=d),
                "application": lambda d: discord.AppInfo(state, d),
                "guild": lambda d: discord.Guild(data=d, state=state),
                "channel": lambda d: discord.TextChannel(state=state, guild=guild, data=d),
                "member": lambda d: discord.Member(data=d, guild=guild, state=state),
                "role": lambda d: discord.Role(guild=guild, state=state, data=d),
            }
            for kind, body in answers:
                models[kind](body)
            return {
                "guilds": len(state.guilds),
                "me": state.user.name if state.user else None,
                "me_in_guilds": all(g.me is not None for g in state.guilds),
                "members": len(guild.members),
            }
        finally:
            for task in asyncio.all_tasks() - {asyncio.current_task()}:
                task.cancel()

    seen = asyncio.run(parse())
    assert seen["guilds"] == 3  # the two world guilds and the scenario's
    assert seen["me"] == World().bot_username and seen["me_in_guilds"] is True
    assert seen["members"] >= 2  # the bot and alice (bob left)


def test_hikari_parses_every_dispatch_and_rest_answer(toured: Toured) -> None:
    pytest.importorskip("hikari")
    from hikari import Snowflake
    from hikari.impl.entity_factory import EntityFactoryImpl
    from hikari.impl.event_factory import EventFactoryImpl

    dispatches, answers = toured
    app = mock.Mock()
    app.entity_factory = entities = EntityFactoryImpl(app)
    events = EventFactoryImpl(app)
    shard = mock.Mock()
    shard.get_user_id.return_value = Snowflake(World().bot_user_id)
    by_event: dict[str, Callable[[Any, Any], Any]] = {
        "READY": events.deserialize_ready_event,
        "GUILD_CREATE": events.deserialize_guild_available_event,
        "CHANNEL_CREATE": events.deserialize_guild_channel_create_event,
        "THREAD_CREATE": events.deserialize_guild_thread_create_event,
        "GUILD_ROLE_CREATE": events.deserialize_guild_role_create_event,
        "GUILD_MEMBER_ADD": events.deserialize_guild_member_add_event,
        "GUILD_MEMBER_REMOVE": lambda s, d: events.deserialize_guild_member_remove_event(s, d),
        "MESSAGE_CREATE": events.deserialize_message_create_event,
        "MESSAGE_UPDATE": events.deserialize_message_update_event,
        "MESSAGE_DELETE": events.deserialize_message_delete_event,
        "MESSAGE_REACTION_ADD": events.deserialize_message_reaction_add_event,
        "INTERACTION_CREATE": events.deserialize_interaction_create_event,
        "GUILD_MEMBERS_CHUNK": events.deserialize_guild_member_chunk_event,
        "VOICE_STATE_UPDATE": events.deserialize_voice_state_update_event,
    }
    parsed = {name: by_event[name](shard, data) for name, data in dispatches}
    guild_id = Snowflake(next(d for n, d in answers if n == "guild")["id"])
    by_answer: dict[str, Callable[[Any], Any]] = {
        "message": entities.deserialize_message,
        "user": entities.deserialize_my_user,
        "application": entities.deserialize_application,
        "guild": entities.deserialize_rest_guild,
        "channel": entities.deserialize_channel,
        "member": lambda d: entities.deserialize_member(d, guild_id=guild_id),
        "role": lambda d: entities.deserialize_role(d, guild_id=guild_id),
    }
    for kind, body in answers:
        by_answer[kind](body)
    available = parsed["GUILD_CREATE"]
    assert str(available.guild.name) == "Tour"
    assert World().bot_user_id in available.members  # the bot is a member of its guild
    assert parsed["INTERACTION_CREATE"].interaction.command_name == "tour"
