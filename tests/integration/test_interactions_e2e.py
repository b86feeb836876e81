"""The interactions framework through the whole tree and the simulator: the verbs of
`InteractionContext`, failures answered, checks, selects, and custom_id routes that outlive a
restart of the consumer while views do not."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from bot import Bot, Consumer, Event
from bot.interactions import (
    Button,
    CallbackType,
    InteractionContext,
    UserSelect,
    View,
    check,
    component,
    slash_command,
)
from bot.interactions.dispatch import EXPIRED_TEXT, FAILED_TEXT
from bot.testing.scenarios import Scenario
from tests.integration.helpers import FAST_SIMULATOR, crash_and_wait_restart

CONFIG: dict[str, Any] = {"gateway": {"url": "local"}, "simulator": FAST_SIMULATOR}


class Verbs(Consumer):
    """One command per verb, and a few failures."""

    @slash_command(description="Deferred, then filled in and followed up")
    def slow(self, ctx: InteractionContext) -> None:
        ctx.defer(ephemeral=True)
        ctx.edit_original(content="done")
        ctx.followup("and one more", ephemeral=True)
        ctx.followup("and a last one")

    @slash_command(description="Answers, then deletes its answer")
    def vanish(self, ctx: InteractionContext) -> None:
        ctx.respond("now you see me")
        ctx.delete_original()
        ctx.followup("gone")

    @slash_command(description="Raises")
    def broken(self, ctx: InteractionContext) -> None:
        raise ValueError("no luck")

    @check(lambda ctx: ctx.guild_id is None, "Only in DMs.")
    @slash_command(description="DMs only")
    def private(self, ctx: InteractionContext) -> None:
        ctx.respond("psst")

    @slash_command(description="Pick people")
    def people(self, ctx: InteractionContext) -> None:
        ctx.respond("who?", components=[UserSelect("people:pick", max_values=2)])

    @component("people:pick")
    def picked(self, ctx: InteractionContext) -> None:
        names = sorted(ctx.resolved["users"][v]["username"] for v in ctx.values)
        ctx.update_message(", ".join(names), components=[])

    @slash_command(description="A persistent button and a view")
    def both(self, ctx: InteractionContext) -> None:
        view = View().button("View", lambda c: c.respond("view clicked"))
        ctx.respond("two buttons", view=view)
        ctx.followup("routed", components=[Button("Routed", custom_id="both:routed:7")])

    @component("both:routed:{n:int}")
    def routed(self, ctx: InteractionContext, n: int) -> None:
        ctx.respond(f"routed {n}")

    def handle_event(self, event: Event) -> None:
        pass  # interactions that no handler takes end here


class Careful(Consumer):
    @slash_command(description="Raises, answered by on_command_error")
    def fragile(self, ctx: InteractionContext) -> None:
        raise KeyError("missing")

    def on_command_error(self, ctx: InteractionContext, error: Exception) -> None:
        ctx.respond(f"handled {type(error).__name__}", ephemeral=True)


@pytest.fixture
def world() -> Iterator[tuple[Bot, Scenario, dict[str, Any], dict[str, Any], dict[str, Any]]]:
    with Bot.from_config(CONFIG, consumers=[Verbs, Careful]) as bot:
        scenario = Scenario(bot.simulator)
        guild = scenario.guild(name="Verbs")
        channel = scenario.channel(guild)
        ada = scenario.user(name="ada")
        scenario.join(ada, guild)
        yield bot, scenario, guild, channel, ada


def test_defer_then_edit_original_and_followups(world: Any) -> None:
    _, scenario, _, channel, ada = world
    result = scenario.slash(ada, "slow", channel=channel)
    assert result.response_type == CallbackType.DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE
    assert result.wait_message(lambda m: m["content"] == "done")["content"] == "done"
    first, last = result.wait_followups(2)
    assert first["content"] == "and one more" and first["flags"] & 64
    assert last["content"] == "and a last one"


def test_delete_original_then_a_followup(world: Any) -> None:
    _, scenario, _, channel, ada = world
    result = scenario.slash(ada, "vanish", channel=channel)
    [gone] = result.wait_followups(1)
    assert gone["content"] == "gone"
    assert result.message is None


def test_a_raising_handler_gets_an_apology_or_the_consumers_own_answer(world: Any) -> None:
    _, scenario, _, channel, ada = world
    failed = scenario.slash(ada, "broken", channel=channel)
    assert failed.ephemeral and failed.message["content"] == FAILED_TEXT
    handled = scenario.slash(ada, "fragile", channel=channel)
    assert handled.ephemeral and handled.message["content"] == "handled KeyError"


def test_a_failed_check_answers_ephemerally(world: Any) -> None:
    _, scenario, _, channel, ada = world
    refused = scenario.slash(ada, "private", channel=channel)
    assert refused.ephemeral and refused.message["content"] == "Only in DMs."
    allowed = scenario.slash(ada, "private")  # no channel: a DM with the bot
    assert allowed.message["content"] == "psst"


def test_a_user_select_gets_the_resolved_users(world: Any) -> None:
    _, scenario, guild, channel, ada = world
    bo = scenario.user(name="bo")
    scenario.join(bo, guild)
    asked = scenario.slash(ada, "people", channel=channel)
    chosen = scenario.select(ada, asked.message, "people:pick", [ada, bo])
    assert chosen.response_type == CallbackType.UPDATE_MESSAGE
    assert chosen.message["content"] == "ada, bo"


def test_routes_survive_a_restart_of_the_consumer_and_views_expire(world: Any) -> None:
    bot, scenario, _, channel, ada = world
    result = scenario.slash(ada, "both", channel=channel)
    [routed_message] = result.wait_followups(1)
    view_button = result.message["components"][0]["components"][0]["custom_id"]
    assert scenario.click(ada, result.message, view_button).message["content"] == "view clicked"

    crash_and_wait_restart(bot, ("consumer", 0))

    expired = scenario.click(ada, result.message, view_button)
    assert expired.ephemeral and expired.message["content"] == EXPIRED_TEXT
    routed = scenario.click(ada, routed_message, "both:routed:7")
    assert routed.message["content"] == "routed 7"
