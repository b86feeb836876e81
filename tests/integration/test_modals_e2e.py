"""A modal with labels (type 18) around a text input and a select, through the whole tree and
the simulator: the simulator checks the modal the bot sends, the user submits it, and the
handler reads the text and the choice."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from bot import Bot, Consumer
from bot.interactions import (
    CallbackType,
    InteractionContext,
    Label,
    Modal,
    SelectOption,
    StringSelect,
    TextInput,
    TextInputStyle,
    modal,
    slash_command,
)
from bot.testing.scenarios import Scenario
from tests.integration.helpers import FAST_SIMULATOR

CONFIG: dict[str, Any] = {"gateway": {"url": "local"}, "simulator": FAST_SIMULATOR}


class Survey(Consumer):
    @slash_command(description="Asks what you think")
    def survey(self, ctx: InteractionContext) -> None:
        ctx.send_modal(
            Modal(
                "survey",
                "Survey",
                [
                    Label("Your thoughts", TextInput("thoughts", style=TextInputStyle.PARAGRAPH)),
                    Label(
                        "Favourite die",
                        StringSelect(
                            "die", options=[SelectOption("d6", "6"), SelectOption("d20", "20")]
                        ),
                        description="Pick one",
                    ),
                ],
            )
        )

    @modal("survey")
    def answered(self, ctx: InteractionContext) -> None:
        die = ctx.selected.get("die") or ["none"]
        ctx.respond(f"{ctx.fields['thoughts']} / d{die[0]}", ephemeral=True)


@pytest.fixture
def world() -> Iterator[tuple[Scenario, dict[str, Any], dict[str, Any]]]:
    with Bot.from_config(CONFIG, consumers=[Survey]) as bot:
        scenario = Scenario(bot.simulator)
        guild = scenario.guild(name="Club")
        channel = scenario.channel(guild)
        ada = scenario.user(name="ada")
        scenario.join(ada, guild)
        yield scenario, channel, ada


def test_the_labelled_modal_is_accepted_and_its_submit_read(world: Any) -> None:
    scenario, channel, ada = world
    opened = scenario.slash(ada, "survey", channel=channel)
    assert opened.response_type == CallbackType.MODAL
    thoughts, die = opened.modal["components"]
    assert thoughts["type"] == 18 and thoughts["component"]["custom_id"] == "thoughts"
    assert die["description"] == "Pick one" and die["component"]["type"] == 3
    # The scenario submits as Discord does (`components/reference.mdx`, Label interaction
    # response): the text input's `value`, the select's `values`.
    submitted = scenario.submit_modal(ada, "survey", {"thoughts": "great", "die": ["20"]})
    thoughts, die = submitted.interaction["data"]["components"]
    assert thoughts["component"] == {"type": 4, "id": 2, "custom_id": "thoughts", "value": "great"}
    assert die["component"] == {"type": 3, "id": 4, "custom_id": "die", "values": ["20"]}
    assert submitted.ephemeral and submitted.message["content"] == "great / d20"


def test_the_scenarios_own_submit_reads_the_labelled_text_input(world: Any) -> None:
    scenario, channel, ada = world
    assert scenario.slash(ada, "survey", channel=channel).wait().modal is not None
    # One pick may be given alone; a pick that is not an option is refused as the client would.
    submitted = scenario.submit_modal(ada, "survey", {"thoughts": "fine", "die": "6"})
    assert submitted.message["content"] == "fine / d6"
    scenario.slash(ada, "survey", channel=channel).wait()
    with pytest.raises(ValueError, match="no options"):
        scenario.submit_modal(ada, "survey", {"thoughts": "fine", "die": ["7"]})
