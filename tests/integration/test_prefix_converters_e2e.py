"""Text commands with Member, Channel and Role arguments through the whole tree: mentions and
ids resolved from the running bot's cache, and wrong ones answered with what was expected."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from bot import Bot, Consumer
from bot.interactions import PrefixContext, prefix_command
from bot.payloads import Channel, Member, Role
from bot.testing.scenarios import Scenario
from tests.integration.helpers import FAST_SIMULATOR

CONFIG: dict[str, Any] = {
    "gateway": {"url": "local"},
    "simulator": FAST_SIMULATOR,
    "bot": {"intents": ["guilds", "guild_members", "guild_messages", "message_content"]},
}


class Mod(Consumer):
    @prefix_command()
    def grant(self, ctx: PrefixContext, who: Member, role: Role, where: Channel) -> None:
        name = who.user.username if who.user is not None else "?"
        ctx.reply(f"{name} gets {role.name} in #{where.name}")


@pytest.fixture
def world() -> Iterator[tuple[Scenario, dict[str, Any], dict[str, Any], dict[str, Any]]]:
    with Bot.from_config(CONFIG, consumers=[Mod]) as bot:
        scenario = Scenario(bot.simulator)
        guild = scenario.guild(name="Club")
        channel = scenario.channel(guild, name="general")
        ada = scenario.user(name="ada")
        scenario.join(ada, guild)
        yield scenario, guild, channel, ada


def test_mentions_and_ids_become_members_roles_and_channels(world: Any) -> None:
    scenario, guild, channel, ada = world
    bo = scenario.user(name="bo")
    scenario.join(bo, guild)
    mods = scenario.role(guild, name="mods")
    by_mention = scenario.say(
        ada, channel, f"!grant <@{bo['id']}> <@&{mods['id']}> <#{channel['id']}>"
    )
    assert by_mention.reply["content"] == "bo gets mods in #general"
    by_id = scenario.say(ada, channel, f"!grant {bo['id']} {mods['id']} {channel['id']}")
    assert by_id.reply["content"] == "bo gets mods in #general"


def test_wrong_arguments_are_answered_with_what_was_expected_and_the_usage(world: Any) -> None:
    scenario, guild, channel, ada = world
    stranger = scenario.user(name="stranger")  # in no guild of the bot
    mods = scenario.role(guild, name="mods")
    elsewhere = scenario.guild(name="Elsewhere")
    far = scenario.channel(elsewhere, name="far")
    role, here = f"<@&{mods['id']}>", f"<#{channel['id']}>"
    cases = {
        f"!grant <@{stranger['id']}> {role} {here}": "`who`: expected a @member",
        f"!grant <@{ada['id']}> {role} <#{far['id']}>": "`where`: expected a #channel",
        f"!grant <@{ada['id']}> @everyone {here}": "`role`: expected a @role",
    }
    for text, expected in cases.items():
        reply = scenario.say(ada, channel, text).reply["content"]
        assert reply.startswith(expected), reply
        assert reply.endswith("Usage: `!grant <who> <role> <where>`")
        assert "@everyone" not in reply  # what was given is shown defused
