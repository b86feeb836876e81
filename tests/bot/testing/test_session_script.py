"""The scripted session as data, and the REST side seeded with the gateway's world."""

from __future__ import annotations

from bot.testing import FakeDiscord, World
from bot.testing.rest_state import State
from bot.testing.session_script import (
    AwaitReplies,
    AwaitSessions,
    Command,
    Drop,
    Messages,
    Pause,
    Reconnect,
    session_script,
)
from bot.testing.world_state import seed_world


def test_the_default_script_counts_every_message_and_sends_each_command() -> None:
    script = session_script(guilds=3, messages=20, rounds=2)
    commands = [step for step in script if isinstance(step, Command)]
    fillers = sum(step.count for step in script if isinstance(step, Messages))
    assert len(commands) == 8 and len(commands) + fillers == 20
    assert [c.content for c in commands[:4]] == ["!ping", "!echo hi", "!guilds", "!whoami"]
    assert {c.guild for c in commands} == {0, 1, 2}
    assert commands[2].reply == "I am in 3 guilds"
    assert script[0] == AwaitSessions() and script[-1] == AwaitReplies()
    reconnect = script.index(Reconnect())
    assert script.index(commands[3]) < reconnect < script.index(commands[4])
    assert Drop() not in script and not any(isinstance(step, Pause) for step in script)


def test_pace_adds_a_pause_after_each_phase_and_small_sessions_stay_valid() -> None:
    paced = session_script(pace=0.5, drop=True)
    assert paced.count(Pause(0.5)) == 5 and Drop() in paced
    tiny = session_script(guilds=1, messages=2)
    assert [s.content for s in tiny if isinstance(s, Command)] == ["!ping", "!echo hi"]
    assert not any(isinstance(s, Messages) for s in tiny)
    empty = session_script(guilds=0, messages=5, reconnect=False)
    assert empty == (AwaitSessions(), AwaitReplies())


def test_seed_world_gives_rest_the_gateways_guilds_and_channels() -> None:
    world = World(guild_count=2, members_per_guild=3, channels_per_guild=2)
    state = State()
    seed_world(state, world, members=True)
    for index in range(2):
        guild_id = str(world.guild_id(index))
        assert state.guilds[guild_id]["name"] == f"Guild {index}"
        assert str(world.bot_user_id) in state.members[guild_id]
        assert len(state.members[guild_id]) == 4  # the bot and three members
        channel = state.channels[str(world.channel_id(index, 1))]
        assert channel["guild_id"] == guild_id and state.messages[channel["id"]] == {}


def test_fake_discord_seeds_its_rest_side_unless_given_a_state() -> None:
    seeded = FakeDiscord()
    world = seeded.config.world
    assert str(world.channel_id(0)) in seeded.rest.state.channels
    own = State()
    assert FakeDiscord(rest_options={"state": own}).rest.state.channels == {}
