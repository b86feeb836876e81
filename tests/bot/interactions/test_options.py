"""Options typed from annotations, their limits, and received values converted back."""

from __future__ import annotations

import enum
import inspect
from typing import Annotated, Any, Literal

import pytest

from bot.interactions import (
    ChannelType,
    CommandDefinitionError,
    LimitError,
    Mentionable,
    Option,
    OptionConversionError,
    OptionType,
    Range,
)
from bot.interactions.options import convert_option, option_from_parameter
from bot.payloads import Attachment, Channel, Member, Role, User


class Colour(enum.Enum):
    RED = "red"
    BLUE = "blue"


def _option(hint: Any, default: Any = inspect.Parameter.empty, name: str = "value") -> Any:
    parameter = inspect.Parameter(name, inspect.Parameter.POSITIONAL_OR_KEYWORD, default=default)
    return option_from_parameter(parameter, hint, f"/test option {name}")


@pytest.mark.parametrize(
    ("hint", "expected"),
    [
        (str, OptionType.STRING),
        (int, OptionType.INTEGER),
        (float, OptionType.NUMBER),
        (bool, OptionType.BOOLEAN),
        (User, OptionType.USER),
        (Member, OptionType.USER),
        (Channel, OptionType.CHANNEL),
        (Role, OptionType.ROLE),
        (Mentionable, OptionType.MENTIONABLE),
        (Attachment, OptionType.ATTACHMENT),
    ],
)
def test_each_annotation_gives_its_option_type(hint: Any, expected: OptionType) -> None:
    spec = _option(hint)
    assert spec.type is expected
    assert spec.required
    assert spec.to_payload()["type"] == int(expected)


def test_a_default_or_none_makes_the_option_optional() -> None:
    assert not _option(int, 6).required
    assert _option(int, 6).default == 6
    optional = _option(int | None)
    assert not optional.required and optional.default is None
    assert "required" not in optional.to_payload()


def test_range_bounds_numbers_and_string_lengths() -> None:
    number = _option(Annotated[int, Range(2, 100)], 6).to_payload()
    assert (number["min_value"], number["max_value"]) == (2, 100)
    text = _option(Annotated[str, Range(1, 30)]).to_payload()
    assert (text["min_length"], text["max_length"]) == (1, 30)
    with pytest.raises(CommandDefinitionError, match="Range applies"):
        _option(Annotated[bool, Range(1, 2)])
    with pytest.raises(LimitError, match="max_length must be 0 to 6000"):
        _option(Annotated[str, Range(0, 6001)])


def test_literal_and_enum_give_choices() -> None:
    literal = _option(Literal["red", "blue"])
    assert literal.type is OptionType.STRING
    assert [c.value for c in literal.choices] == ["red", "blue"]
    numbers = _option(Literal[1, 2, 3])
    assert numbers.type is OptionType.INTEGER
    colour = _option(Colour)
    assert colour.to_payload()["choices"] == [
        {"name": "RED", "value": "red"},
        {"name": "BLUE", "value": "blue"},
    ]
    assert convert_option(colour, "blue", {}) is Colour.BLUE


def test_option_metadata_sets_name_description_choices_and_channel_types() -> None:
    hint = Annotated[
        Channel,
        Option(description="Where to post", name="where", channel_types=[ChannelType.GUILD_TEXT]),
    ]
    payload = _option(hint).to_payload()
    assert payload["name"] == "where"
    assert payload["description"] == "Where to post"
    assert payload["channel_types"] == [0]
    mapped = _option(Annotated[int, Option(choices={"small": 1, "big": 9})]).to_payload()
    assert mapped["choices"] == [{"name": "small", "value": 1}, {"name": "big", "value": 9}]


def test_names_and_limits_are_checked_naming_the_option() -> None:
    with pytest.raises(LimitError, match=r"/test option Sides: name 'Sides' must be lowercase"):
        _option(int, name="Sides")
    with pytest.raises(LimitError, match="description must be 1 to 100"):
        _option(Annotated[int, Option(description="x" * 101)])
    with pytest.raises(LimitError, match="26 choices, at most 25"):
        _option(Annotated[int, Option(choices={str(i): i for i in range(26)})])
    with pytest.raises(CommandDefinitionError, match="cannot make an option of"):
        _option(list)
    with pytest.raises(CommandDefinitionError, match="channel_types apply to Channel"):
        _option(Annotated[str, Option(channel_types=[ChannelType.GUILD_TEXT])])


RESOLVED = {
    "users": {"900": {"id": "900", "username": "ada"}},
    "members": {"900": {"nick": "Ada", "roles": []}},
    "roles": {"11": {"id": "11", "name": "mods"}},
    "channels": {"12": {"id": "12", "name": "general", "type": 0}},
    "attachments": {"13": {"id": "13", "filename": "a.png", "size": 4}},
}


def test_resolved_values_become_payload_objects() -> None:
    user = convert_option(_option(User), "900", RESOLVED)
    assert isinstance(user, User) and user.username == "ada"
    member = convert_option(_option(Member), "900", RESOLVED)
    assert isinstance(member, Member) and member.nick == "Ada" and member.user.id == 900
    assert convert_option(_option(Role), "11", RESOLVED).name == "mods"
    assert convert_option(_option(Channel), "12", RESOLVED).name == "general"
    assert convert_option(_option(Attachment), "13", RESOLVED).filename == "a.png"
    role = convert_option(_option(Mentionable), "11", RESOLVED)
    assert role.role is not None and role.user is None
    person = convert_option(_option(Mentionable), "900", RESOLVED)
    assert person.user is not None and person.member is not None


def test_values_of_the_wrong_kind_are_refused_with_the_option_named() -> None:
    with pytest.raises(OptionConversionError, match="value: expected int"):
        convert_option(_option(int), "7", {})
    with pytest.raises(OptionConversionError, match="expected an id in resolved users"):
        convert_option(_option(User), "1", RESOLVED)
    with pytest.raises(OptionConversionError, match="a member of this guild"):
        convert_option(_option(Member), "900", {"users": RESOLVED["users"]})
    with pytest.raises(OptionConversionError, match="one of Colour"):
        convert_option(_option(Colour), "green", {})
    assert convert_option(_option(float), 2, {}) == 2.0
