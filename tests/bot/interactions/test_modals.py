"""Modals with labels (type 18) around text inputs and selects: payloads as the components
reference shows them, the layout rules, and the submitted values read back."""

from __future__ import annotations

import pytest

from bot.interactions import (
    ActionRow,
    Button,
    InteractionContext,
    Label,
    LimitError,
    Modal,
    RoleSelect,
    SelectOption,
    StringSelect,
    TextInput,
    TextInputStyle,
    UserSelect,
    layout,
)
from bot.payloads import Interaction
from tests.bot.interactions.helpers import USER, RecordingApi

DICE = [SelectOption("d6", "6"), SelectOption("d20", "20")]


def test_a_label_wraps_a_text_input_or_a_select_as_discord_documents() -> None:
    form = Modal(
        "feedback",
        "Feedback",
        [
            Label(
                "What did you like?",
                TextInput("text", style=TextInputStyle.PARAGRAPH, min_length=10),
                description="As much detail as you like",
            ),
            Label("Which die?", StringSelect("die", options=DICE)),
            Label("Who else?", UserSelect("others", max_values=3, min_values=0, required=False)),
            TextInput("old", "An input in a row"),
        ],
    )
    text, die, others, old = form.to_payload()["components"]
    assert text == {
        "type": 18,
        "label": "What did you like?",
        "description": "As much detail as you like",
        "component": {
            "type": 4,
            "custom_id": "text",
            "style": 2,
            "required": True,
            "min_length": 10,
        },
    }
    assert die["type"] == 18 and die["component"]["type"] == 3
    assert die["component"]["options"][1] == {"label": "d20", "value": "20"}
    assert others["component"] == {
        "type": 5,
        "custom_id": "others",
        "min_values": 0,
        "max_values": 3,
        "required": False,
    }
    assert old == {
        "type": 1,
        "components": [
            {
                "type": 4,
                "custom_id": "old",
                "label": "An input in a row",
                "style": 1,
                "required": True,
            }
        ],
    }


@pytest.mark.parametrize(
    ("build", "problem"),
    [
        (lambda: Label("x" * 46, TextInput("t")), "1 to 45 characters"),
        (lambda: Label("L", TextInput("t"), description="d" * 101), "description"),
        (lambda: Label("L", TextInput("t", "Own label")), "takes its label from the Label"),
        (lambda: Label("L", StringSelect("s", options=DICE, disabled=True)), "disabled"),
        (lambda: Label("L", RoleSelect("r", min_values=0)), "min_values >= 1"),
        (lambda: Label("L", Button("B", custom_id="b")), "not Button"),  # type: ignore[arg-type]
        (lambda: Modal("m", "M", [TextInput("t")]), "needs a label"),
        (
            lambda: Modal("m", "M", [Label("A", TextInput("t")), Label("B", TextInput("t"))]),
            "used twice",
        ),
        (lambda: Modal("m", "M", [Label(str(i), TextInput(f"t{i}")) for i in range(6)]), "1 to 5"),
        (lambda: TextInput("t", min_length=10, max_length=5), "min_length 10 > max_length 5"),
        (lambda: layout(Label("L", TextInput("t"))), "goes in modals only"),
        (lambda: layout(ActionRow((Label("L", TextInput("t")),))), "modals only"),
    ],
)
def test_the_modal_rules_are_checked_naming_the_component(build: object, problem: str) -> None:
    with pytest.raises(LimitError, match=problem):
        build()  # type: ignore[operator]


def _submit(components: object, resolved: object = None) -> InteractionContext:
    data: dict[str, object] = {"custom_id": "feedback", "components": components}
    if resolved is not None:
        data["resolved"] = resolved
    payload = Interaction(
        {
            "id": "10",
            "application_id": "20",
            "type": 5,
            "token": "t",
            "channel_id": "5",
            "guild_id": "7",
            "member": {"user": USER, "roles": []},
            "data": data,
        }
    )
    return InteractionContext(payload, RecordingApi())


def test_submitted_text_and_selections_are_read_from_labels_and_rows() -> None:
    ctx = _submit(
        [
            {
                "type": 18,
                "id": 1,
                "component": {"type": 4, "id": 2, "custom_id": "text", "value": "fine"},
            },
            {
                "type": 18,
                "id": 3,
                "component": {"type": 3, "id": 4, "custom_id": "die", "values": ["20"]},
            },
            {
                "type": 18,
                "id": 5,
                "component": {"type": 5, "custom_id": "others", "values": ["1", "2"]},
            },
            {"type": 18, "id": 6, "component": {"type": 6, "custom_id": "none", "values": []}},
            {"type": 1, "components": [{"type": 4, "custom_id": "old", "value": "row"}]},
        ],
        resolved={"users": {"1": {"id": "1", "username": "a"}, "2": {"id": "2", "username": "b"}}},
    )
    assert ctx.fields == {"text": "fine", "old": "row"}
    assert ctx.selected == {"die": ["20"], "others": ["1", "2"], "none": []}
    assert ctx.resolved["users"]["2"]["username"] == "b"
    with pytest.raises(KeyError, match="modal 'feedback' has no field 'missing'"):
        ctx.selected["missing"]


def test_a_malformed_submit_gives_what_can_be_read() -> None:
    ctx = _submit(
        [
            None,
            "label",
            {"type": 18, "component": "not an object"},
            {"type": 18, "component": {"type": 3, "custom_id": "die", "values": ["6", 7, None]}},
            {"type": 18, "component": {"type": 4, "custom_id": 5, "value": "no id"}},
            {
                "type": 1,
                "components": [
                    {"components": [{"components": [{"custom_id": "deep", "value": "x"}]}]}
                ],
            },
        ]
    )
    assert ctx.fields == {} and ctx.selected == {"die": ["6"]}
