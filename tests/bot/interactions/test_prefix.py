"""Text commands: the prefix, argument splitting and conversion, the usage line."""

from __future__ import annotations

import pytest

from bot.interactions import CommandDefinitionError, OptionConversionError
from bot.interactions.prefix import convert_arguments, parse_invocation, prefix_command_of
from bot.payloads import User
from tests.bot.interactions.helpers import message


def _command(func: object) -> object:
    return prefix_command_of(func, func.__name__, func.__name__, ())  # type: ignore[attr-defined]


def add(self: object, ctx: object, a: int, b: float = 0.5, loud: bool = False) -> None: ...


def say(self: object, ctx: object, target: User, *, text: str) -> None: ...


def test_parse_invocation_finds_the_longest_prefix() -> None:
    assert parse_invocation("!add 1 2", ["!"]) == ("add", "1 2")
    assert parse_invocation("bot, add 1", ["!", "bot,"]) == ("add", "1")
    assert parse_invocation("hello", ["!"]) is None
    assert parse_invocation("!", ["!"]) is None


def test_arguments_are_converted_with_defaults() -> None:
    command = _command(add)
    assert convert_arguments(command, "3", None) == {"a": 3, "b": 0.5, "loud": False}  # type: ignore[arg-type]
    assert convert_arguments(command, "3 1.5 yes", None) == {"a": 3, "b": 1.5, "loud": True}  # type: ignore[arg-type]
    assert command.usage == "add <a> [b] [loud]"  # type: ignore[attr-defined]
    with pytest.raises(OptionConversionError, match="a: expected a whole number, got 'x'"):
        convert_arguments(command, "x", None)  # type: ignore[arg-type]
    with pytest.raises(OptionConversionError, match="a: expected a whole number, got nothing"):
        convert_arguments(command, "", None)  # type: ignore[arg-type]
    with pytest.raises(OptionConversionError, match="loud: expected yes or no"):
        convert_arguments(command, "1 2 maybe", None)  # type: ignore[arg-type]


def test_a_keyword_only_str_takes_the_rest_and_mentions_become_users() -> None:
    command = _command(say)
    mention = message("!say <@900>  hello   there", mentions=[{"id": "900", "username": "ada"}])
    values = convert_arguments(command, "<@900>  hello   there", mention)  # type: ignore[arg-type]
    assert values["text"] == "hello   there"
    assert values["target"].username == "ada"
    assert convert_arguments(command, '"<@900>" hi', None)["text"] == "hi"  # type: ignore[arg-type]
    with pytest.raises(OptionConversionError, match="target: expected a @mention"):
        convert_arguments(command, "ada hi", None)  # type: ignore[arg-type]


def test_bad_text_command_definitions_are_refused() -> None:
    def rest_not_last(self: object, ctx: object, *, text: str, more: str) -> None: ...

    with pytest.raises(CommandDefinitionError, match="only the last argument"):
        _command(rest_not_last)

    def bad_type(self: object, ctx: object, values: list[int]) -> None: ...

    with pytest.raises(CommandDefinitionError, match="use str, int, float, bool or User"):
        _command(bad_type)
    with pytest.raises(CommandDefinitionError, match="one word"):
        prefix_command_of(add, "add", "two words", ())
