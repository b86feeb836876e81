"""Components, modals, embeds and custom_id patterns: payloads and Discord's layout rules."""

from __future__ import annotations

import pytest

from bot.interactions import (
    ActionRow,
    Button,
    ButtonStyle,
    ChannelSelect,
    ChannelType,
    CommandDefinitionError,
    CustomId,
    Embed,
    LimitError,
    Modal,
    SelectOption,
    StringSelect,
    TextInput,
    TextInputStyle,
    UserSelect,
    layout,
)
from bot.interactions.embeds import check_embeds


def test_layout_puts_buttons_five_to_a_row_and_a_select_alone() -> None:
    buttons = [Button(str(i), custom_id=f"b{i}") for i in range(7)]
    select = StringSelect("pick", options=[SelectOption("a", "1"), SelectOption("b", "2")])
    rows = layout(*buttons, select)
    assert [len(r.components) for r in rows] == [5, 2, 1]
    payload = rows[2].to_payload()
    assert payload["type"] == 1
    assert payload["components"][0] == {
        "type": 3,
        "custom_id": "pick",
        "min_values": 1,
        "max_values": 1,
        "options": [{"label": "a", "value": "1"}, {"label": "b", "value": "2"}],
    }


def test_layout_rules_are_enforced() -> None:
    with pytest.raises(LimitError, match="6 action rows, at most 5"):
        layout(*[UserSelect(f"s{i}") for i in range(6)])
    with pytest.raises(LimitError, match="must be alone in its row"):
        ActionRow((Button("a", custom_id="a"), UserSelect("s")))
    with pytest.raises(LimitError, match="6 buttons, at most 5"):
        ActionRow(tuple(Button(str(i), custom_id=str(i)) for i in range(6)))
    with pytest.raises(LimitError, match="used twice in one message"):
        layout(Button("a", custom_id="same"), Button("b", custom_id="same"))
    with pytest.raises(LimitError, match=r"TextInput .t.: goes in modals only"):
        layout(TextInput("t", "Text"))


def test_buttons_check_their_fields() -> None:
    link = Button("Docs", url="https://example.org")
    assert link.to_payload() == {
        "type": 2,
        "style": int(ButtonStyle.LINK),
        "label": "Docs",
        "url": "https://example.org",
    }
    with pytest.raises(LimitError, match="needs a custom_id"):
        Button("x")
    with pytest.raises(LimitError, match="custom_id must be 1 to 100"):
        Button("x", custom_id="x" * 101)
    with pytest.raises(LimitError, match="at most 80"):
        Button("x" * 81, custom_id="x")
    with pytest.raises(LimitError, match="a link button has a url and no custom_id"):
        Button("x", custom_id="x", url="https://example.org")


def test_selects_check_their_values() -> None:
    with pytest.raises(LimitError, match="1 to 25 options"):
        StringSelect("s", options=[])
    with pytest.raises(LimitError, match="max_values 3 > 2 options"):
        StringSelect("s", max_values=3, options=[SelectOption("a", "1"), SelectOption("b", "2")])
    with pytest.raises(LimitError, match="option values must be unique"):
        StringSelect("s", options=[SelectOption("a", "1"), SelectOption("b", "1")])
    channels = ChannelSelect("c", channel_types=[ChannelType.GUILD_TEXT], max_values=3)
    assert channels.to_payload()["channel_types"] == [0]
    assert channels.to_payload()["type"] == 8


def test_a_modal_holds_one_to_five_text_inputs() -> None:
    form = Modal(
        "feedback",
        "Feedback",
        [TextInput("text", "Your words", style=TextInputStyle.PARAGRAPH, max_length=500)],
    )
    assert form.to_payload() == {
        "custom_id": "feedback",
        "title": "Feedback",
        "components": [
            {
                "type": 1,
                "components": [
                    {
                        "type": 4,
                        "custom_id": "text",
                        "label": "Your words",
                        "style": 2,
                        "required": True,
                        "max_length": 500,
                    }
                ],
            }
        ],
    }
    with pytest.raises(LimitError, match="1 to 5 components, not 6"):
        Modal("m", "M", [TextInput(f"t{i}", "T") for i in range(6)])
    with pytest.raises(LimitError, match="title must be 1 to 45"):
        Modal("m", "x" * 46, [TextInput("t", "T")])
    with pytest.raises(LimitError, match="label must be 1 to 45"):
        TextInput("t", "x" * 46)


def test_embeds_check_each_limit_and_the_total() -> None:
    embed = Embed(title="Dice", description="You rolled 4", colour=0x5865F2).add_field(
        "sides", "6", inline=True
    )
    embed.set_footer("good luck").set_author("bot")
    assert embed.to_payload() == {
        "title": "Dice",
        "description": "You rolled 4",
        "color": 0x5865F2,
        "fields": [{"name": "sides", "value": "6", "inline": True}],
        "footer": {"text": "good luck"},
        "author": {"name": "bot"},
    }
    with pytest.raises(LimitError, match="embed title: 257 characters, at most 256"):
        Embed(title="x" * 257)
    with pytest.raises(LimitError, match="at most 4096"):
        Embed(description="x" * 4097)
    many = Embed()
    for i in range(25):
        many.add_field(str(i), "v")
    with pytest.raises(LimitError, match="more than 25 fields"):
        many.add_field("26", "v")
    with pytest.raises(LimitError, match="embed field 1 value: 1025 characters"):
        Embed().add_field("n", "x" * 1025)
    big = [Embed(description="x" * 4000), Embed(description="y" * 2001)]
    with pytest.raises(LimitError, match="6001 characters in all, at most 6000"):
        check_embeds(big)
    with pytest.raises(LimitError, match="11 embeds, at most 10"):
        check_embeds([Embed(title="t")] * 11)


def test_custom_id_patterns_match_and_build() -> None:
    pattern = CustomId("vote:{poll:int}:{choice}")
    assert pattern.match("vote:12:yes") == {"poll": 12, "choice": "yes"}
    assert pattern.match("vote:x:yes") is None
    assert pattern.match("vote:12:yes:more") is None
    assert pattern.build(poll=12, choice="yes") == "vote:12:yes"
    rest = CustomId("note:{text:rest}")
    assert rest.match("note:a:b:c") == {"text": "a:b:c"}
    assert CustomId("exact").is_exact and CustomId("exact").match("exact") == {}
    with pytest.raises(CommandDefinitionError, match="takes"):
        pattern.build(poll=1)
    with pytest.raises(CommandDefinitionError, match="does not fit int"):
        pattern.build(poll="x", choice="y")
    with pytest.raises(LimitError, match="custom_id must be 1 to 100"):
        CustomId("p:{text:rest}").build(text="x" * 100)
    with pytest.raises(CommandDefinitionError, match="repeats"):
        CustomId("{a}:{a}")
