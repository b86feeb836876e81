"""The interactions framework through the whole tree and the simulator, used as a hostile user
would: forged INTERACTION_CREATE payloads, a handler blocked past the 3 s deadline, a
consumer-wide check. Each failure is contained and answered where Discord allows; the consumer
answers the next interaction as before."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Annotated, Any

import pytest

from bot import Bot, Consumer, Event
from bot.interactions import (
    CallbackType,
    InteractionContext,
    Range,
    autocomplete,
    deadline,
    limits,
    slash_command,
)
from bot.testing.scenario_interactions import interaction_payload
from bot.testing.scenario_results import InteractionResult
from bot.testing.scenarios import Scenario
from tests.integration.helpers import FAST_SIMULATOR

CONFIG: dict[str, Any] = {"gateway": {"url": "local"}, "simulator": FAST_SIMULATOR}

RELEASE = threading.Event()


class Dice(Consumer):
    """Commands to abuse; only members of guilds named "Club" may use them."""

    @slash_command(description="Roll")
    def roll(self, ctx: InteractionContext, sides: Annotated[int, Range(2, 100)] = 6) -> None:
        ctx.respond(f"d{sides}")

    @slash_command(description="Blocks until the test releases it, then answers late")
    def stuck(self, ctx: InteractionContext) -> None:
        RELEASE.wait(10)
        ctx.followup("too late") if ctx.responded else ctx.defer()

    @slash_command(description="Slow; deferred for it", auto_defer=True)
    def report(self, ctx: InteractionContext) -> None:
        RELEASE.wait(10)
        ctx.respond("the report")

    @slash_command(description="Finds a tag")
    def find(self, ctx: InteractionContext, query: str) -> None:
        ctx.respond(query[:50])

    @autocomplete("find", "query")
    def find_complete(self, ctx: InteractionContext, value: str) -> list[str]:
        return [value[:100], value]  # echoes what the user typed, however long

    def interaction_check(self, ctx: InteractionContext) -> bool:
        guild = self.cache.get_guild(ctx.guild_id) if ctx.guild_id is not None else None
        return guild is not None and guild.name == "Club"

    interaction_check_message = "Club members only."

    def handle_event(self, event: Event) -> None:
        pass


class DeadlineLog:
    """Stands for the deadline module's logger: records warnings, and says when one came."""

    def __init__(self) -> None:
        self.lines: list[dict[str, Any]] = []
        self.came = threading.Event()

    def warning(self, event: str, **fields: Any) -> None:
        self.lines.append({"event": event, **fields})
        self.came.set()


World = tuple[Bot, Scenario, dict[str, Any], dict[str, Any], dict[str, Any]]


@pytest.fixture
def world() -> Iterator[World]:
    RELEASE.clear()
    with Bot.from_config(CONFIG, consumers=[Dice]) as bot:
        scenario = Scenario(bot.simulator)
        guild = scenario.guild(name="Club")
        channel = scenario.channel(guild)
        ada = scenario.user(name="ada")
        scenario.join(ada, guild)
        try:
            yield bot, scenario, guild, channel, ada
        finally:
            RELEASE.set()  # no handler is left waiting when the bot stops


def _forge(scenario: Scenario, user: dict[str, Any], channel: dict[str, Any], **data: Any) -> Any:
    """An INTERACTION_CREATE with `data` as given (no typing from the registered command)."""
    with scenario.state.lock:
        payload = interaction_payload(
            scenario.state, 2, str(user["id"]), str(channel["id"]), {"id": "1", **data}
        )
    result = InteractionResult(scenario.fake, payload, scenario.timeout)
    scenario.fake.dispatch("INTERACTION_CREATE", payload)
    return result


def _refusal(result: InteractionResult) -> str:
    assert result.response_type == CallbackType.CHANNEL_MESSAGE_WITH_SOURCE
    assert result.ephemeral
    return str(result.message["content"])


def test_forged_options_are_refused_by_name_and_the_consumer_keeps_answering(world: World) -> None:
    _, scenario, _, channel, ada = world
    # An integer beyond 64 bits cannot be sent as a JSON number by the simulator (orjson), and
    # one received is decoded as a float: 2.0**65 stands for it.
    for value, shown in ((2**60, "sides"), (2.0**65, "sides"), ("20", "sides"), (500, "sides")):
        options = [{"name": "sides", "type": 4, "value": value}]
        refused = _forge(scenario, ada, channel, name="roll", type=1, options=options)
        assert f"`{shown}`" in _refusal(refused)
    unknown_type = _forge(scenario, ada, channel, name="roll", type=77)
    huge = _forge(scenario, ada, channel, name="roll", type=1, options="x" * 200_000)
    assert huge.message["content"] == "d6"  # unreadable options dropped: the default
    assert scenario.slash(ada, "roll", {"sides": 20}, channel=channel).message["content"] == "d20"
    assert not unknown_type.answered  # not a command of this bot: Discord would time it out


def test_a_handler_blocked_past_the_deadline_is_reported_at_the_deadline(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, scenario, _, channel, ada = world
    lines = DeadlineLog()
    monkeypatch.setattr(deadline, "log", lines)
    monkeypatch.setattr(limits, "INITIAL_RESPONSE_DEADLINE", 0.3)
    result = scenario.slash(ada, "stuck", channel=channel)
    # The handler is still blocked: the line comes from the timer, not from its return.
    assert lines.came.wait(5)
    assert not RELEASE.is_set()
    [missed] = lines.lines
    assert missed["event"] == "interaction.deadline_missed"
    assert missed["command"] == "stuck" and missed["user"] == int(ada["id"])
    assert missed["guild"] == int(channel["guild_id"]) and "ctx.defer()" in missed["hint"]
    RELEASE.set()
    assert result.wait().response_type == CallbackType.DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE
    assert scenario.slash(ada, "roll", channel=channel).message["content"] == "d6"


def test_the_consumer_wide_check_refuses_outside_the_club(world: World) -> None:
    _, scenario, _, channel, ada = world
    elsewhere = scenario.guild(name="Elsewhere")
    other_channel = scenario.channel(elsewhere)
    scenario.join(ada, elsewhere)
    refused = scenario.slash(ada, "roll", channel=other_channel)
    assert _refusal(refused) == "Club members only."
    assert _refusal(scenario.slash(ada, "roll")) == "Club members only."  # a DM
    assert scenario.slash(ada, "roll", channel=channel).message["content"] == "d6"


def test_an_autocomplete_echoing_a_long_input_still_answers(world: World) -> None:
    _, scenario, _, channel, ada = world
    typed = "tag" * 40  # 120 characters: longer than a choice may be
    choices = scenario.autocomplete(ada, "find", {"query": typed}, focused="query", channel=channel)
    # The whole echo (a value over 100 characters) is left out, not the whole answer.
    assert choices == [{"name": typed[:100], "value": typed[:100]}]
    short = scenario.autocomplete(ada, "find", {"query": "ab"}, focused="query", channel=channel)
    assert short == [{"name": "ab", "value": "ab"}, {"name": "ab", "value": "ab"}]


def test_an_auto_defer_handler_is_deferred_for_while_blocked_and_its_answer_fills_it_in(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, scenario, _, channel, ada = world
    monkeypatch.setattr(deadline, "AUTO_DEFER_AFTER", 0.2)
    result = scenario.slash(ada, "report", channel=channel)
    # Deferred by the dispatcher while the handler is still blocked.
    assert result.wait().response_type == CallbackType.DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE
    assert not RELEASE.is_set()
    RELEASE.set()
    assert result.wait_message(lambda m: m["content"] == "the report")["content"] == "the report"
    assert scenario.slash(ada, "roll", channel=channel).message["content"] == "d6"
