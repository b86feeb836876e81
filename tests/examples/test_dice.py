"""examples/dice.py end to end: simulated users run its commands through the simulator's
scenarios, and the tests read the interaction responses and messages the bot produced."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from bot import Bot
from bot.interactions import ButtonStyle, CallbackType, ComponentType
from bot.testing.scenarios import Scenario
from examples.dice import DiceBot

CONFIG: dict[str, Any] = {
    "gateway": {"url": "local"},
    "bot": {"intents": ["guilds", "guild_messages", "message_content"]},
    "simulator": {"shards": 1, "guilds": 1, "members_per_guild": 2, "heartbeat_interval_ms": 500},
}


@pytest.fixture
def world() -> Iterator[tuple[Scenario, dict[str, Any], dict[str, Any], dict[str, Any]]]:
    with Bot.from_config(CONFIG, consumers=[DiceBot]) as bot:
        scenario = Scenario(bot.simulator)
        guild = scenario.guild(name="Dice Club")
        channel = scenario.channel(guild, name="rolls")
        alice = scenario.user(name="alice")
        scenario.join(alice, guild)
        yield scenario, guild, channel, alice


def _buttons(message: dict[str, Any]) -> list[dict[str, Any]]:
    return [c for row in message["components"] for c in row["components"]]


def test_roll_answers_with_an_embed_and_a_button_that_rolls_again(world: Any) -> None:
    scenario, _, channel, alice = world
    result = scenario.slash(alice, "roll", options={"sides": 20, "count": 3}, channel=channel)
    assert result.response_type == CallbackType.CHANNEL_MESSAGE_WITH_SOURCE
    [embed] = result.message["embeds"]
    assert embed["title"] == "3d20"
    total = next(f for f in embed["fields"] if f["name"] == "total")
    rolled = [int(part.strip("`")) for part in embed["description"].split()]
    assert len(rolled) == 3 and all(1 <= r <= 20 for r in rolled)
    assert int(total["value"]) == sum(rolled)
    [button] = _buttons(result.message)
    assert button["custom_id"] == "dice:again:20:3" and button["style"] == ButtonStyle.PRIMARY

    again = scenario.click(alice, result.message, "dice:again:20:3")
    assert again.response_type == CallbackType.UPDATE_MESSAGE
    assert again.data["embeds"][0]["title"] == "3d20"


def test_defaults_and_limits_of_the_options(world: Any) -> None:
    scenario, _, channel, alice = world
    result = scenario.slash(alice, "roll", channel=channel)
    assert result.message["embeds"][0]["title"] == "1d6"
    registered = {c["name"]: c for c in scenario.state.commands["global"].values()}
    sides = registered["roll"]["options"][0]
    assert (sides["min_value"], sides["max_value"]) == (2, 1000)
    assert {"roll", "coin", "dice", "pick", "clear", "feedback", "Roll for"} <= set(registered)


def test_subcommands_answer_ephemerally(world: Any) -> None:
    scenario, _, channel, alice = world
    scenario.slash(alice, "roll", options={"sides": 8}, channel=channel).wait()
    stats = scenario.slash(alice, "dice", subcommand="stats", channel=channel)
    assert stats.ephemeral and stats.message["content"] == "d8: 1"
    reset = scenario.slash(alice, "dice", subcommand="reset", channel=channel)
    assert reset.ephemeral and reset.message["content"] == "statistics cleared"


def test_autocomplete_offers_matching_dice(world: Any) -> None:
    scenario, _, channel, alice = world
    choices = scenario.autocomplete(
        alice, "pick", {"sides": "d1"}, focused="sides", channel=channel
    )
    assert [c["value"] for c in choices] == ["d10", "d12", "d100"]
    picked = scenario.slash(alice, "pick", options={"sides": "d12"}, channel=channel)
    assert picked.message["content"] == "you picked d12"


def test_the_confirmation_view_answers_only_its_author(world: Any) -> None:
    scenario, guild, channel, alice = world
    bob = scenario.user(name="bob")
    scenario.join(bob, guild)
    asked = scenario.slash(alice, "clear", channel=channel)
    assert asked.ephemeral
    clear, keep = _buttons(asked.message)
    assert clear["style"] == ButtonStyle.DANGER and keep["label"] == "Keep"

    refused = scenario.click(bob, asked.message, clear["custom_id"])
    assert refused.response_type == CallbackType.CHANNEL_MESSAGE_WITH_SOURCE
    assert refused.ephemeral and refused.message["content"] == "You cannot use this."

    done = scenario.click(alice, asked.message, clear["custom_id"])
    assert done.response_type == CallbackType.UPDATE_MESSAGE
    assert done.message["content"] == "cleared" and done.message["components"] == []


def test_the_feedback_modal_opens_and_its_submit_is_answered(world: Any) -> None:
    scenario, _, channel, alice = world
    opened = scenario.slash(alice, "feedback", channel=channel)
    assert opened.response_type == CallbackType.MODAL
    assert opened.modal["custom_id"] == "dice:feedback"
    labels = opened.modal["components"]
    assert [label["type"] for label in labels] == [ComponentType.LABEL, ComponentType.LABEL]
    inputs = [label["component"] for label in labels]
    assert [i["type"] for i in inputs] == [ComponentType.TEXT_INPUT, ComponentType.TEXT_INPUT]
    submitted = scenario.submit_modal(alice, "dice:feedback", {"rating": "5"})
    assert submitted.ephemeral and submitted.message["content"] == "thanks for the 5/5"


def test_the_user_command_rolls_for_its_target(world: Any) -> None:
    scenario, guild, channel, alice = world
    bob = scenario.user(name="bob")
    scenario.join(bob, guild)
    result = scenario.user_command(alice, "Roll for", bob, channel=channel)
    assert result.message["content"].startswith(f"<@{bob['id']}> rolled ")


def test_the_text_command_replies_with_an_embed_or_its_usage(world: Any) -> None:
    scenario, _, channel, alice = world
    reply = scenario.say(alice, channel, "!roll 12 2").reply
    assert reply["embeds"][0]["title"] == "2d12"
    assert reply["message_reference"]["message_id"]
    usage = scenario.say(alice, channel, "!roll many").reply
    assert "Usage: `!roll [sides] [count]`" in usage["content"]
