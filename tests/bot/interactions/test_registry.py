"""Commands declared with decorators: the JSON Discord gets, the routes, the limits."""

from __future__ import annotations

from typing import Annotated

import pytest

from bot.interactions import (
    CommandDefinitionError,
    CommandType,
    Group,
    InteractionContextType,
    LimitError,
    Option,
    Permissions,
    Range,
    Registry,
    autocomplete,
    component,
    message_command,
    modal,
    prefix_command,
    slash_command,
    user_command,
)
from bot.interactions.commands import total_characters
from bot.payloads import Message, User


class Dice:
    @slash_command(description="Roll a die", guild_only=True, nsfw=False)
    def roll(self, ctx: object, sides: Annotated[int, Range(2, 100)] = 6) -> None: ...

    @slash_command(default_member_permissions=Permissions.MANAGE_GUILD)
    def purge(self, ctx: object, count: int) -> None:
        """Delete messages."""

    tag = Group("tag", "Saved texts", contexts=[InteractionContextType.GUILD])
    admin = tag.group("admin", "Tag administration")

    @tag.command(name="show", description="Show a tag")
    def tag_show(self, ctx: object, name: str) -> None: ...

    @admin.command(name="wipe", description="Delete every tag")
    def tag_wipe(self, ctx: object) -> None: ...

    @autocomplete("tag show", "name")
    def tag_names(self, ctx: object, value: str) -> list[str]:
        return []

    @user_command("Profile")
    def profile(self, ctx: object, user: User) -> None: ...

    @message_command("Quote")
    def quote(self, ctx: object, message: Message) -> None: ...

    @component("dice:again:{sides:int}")
    def again(self, ctx: object, sides: int) -> None: ...

    @component("dice:exact")
    def exact(self, ctx: object) -> None: ...

    @modal("feedback")
    def feedback(self, ctx: object) -> None: ...

    @prefix_command(aliases=["r"])
    def rolltext(self, ctx: object, sides: int = 6) -> None: ...


def test_the_payload_is_discords_application_command_json() -> None:
    registry = Registry.of(Dice)
    by_name = {(c.type, c.name): c.to_payload() for c in registry.commands}
    assert by_name[(CommandType.CHAT_INPUT, "roll")] == {
        "type": 1,
        "name": "roll",
        "description": "Roll a die",
        "options": [
            {"type": 4, "name": "sides", "description": "sides", "min_value": 2, "max_value": 100}
        ],
        "contexts": [0],
    }
    purge = by_name[(CommandType.CHAT_INPUT, "purge")]
    assert purge["description"] == "Delete messages."  # the docstring's first line
    assert purge["default_member_permissions"] == str(1 << 5)
    assert by_name[(CommandType.CHAT_INPUT, "tag")] == {
        "type": 1,
        "name": "tag",
        "description": "Saved texts",
        "contexts": [0],
        "options": [
            {
                "type": 1,
                "name": "show",
                "description": "Show a tag",
                "options": [
                    {
                        "type": 3,
                        "name": "name",
                        "description": "name",
                        "required": True,
                        "autocomplete": True,
                    }
                ],
            },
            {
                "type": 2,
                "name": "admin",
                "description": "Tag administration",
                "options": [{"type": 1, "name": "wipe", "description": "Delete every tag"}],
            },
        ],
    }
    assert by_name[(CommandType.USER, "Profile")] == {"type": 2, "name": "Profile"}
    assert by_name[(CommandType.MESSAGE, "Quote")] == {"type": 3, "name": "Quote"}


def test_routes_point_at_the_methods() -> None:
    registry = Registry.of(Dice)
    assert registry.routes[(CommandType.CHAT_INPUT, ("tag", "admin", "wipe"))].handler == "tag_wipe"
    assert registry.routes[(CommandType.USER, ("Profile",))].handler == "profile"
    assert registry.autocompletes[(("tag", "show"), "name")] == "tag_names"
    assert registry.find_component("dice:again:20") == ("again", {"sides": 20})
    assert registry.find_component("dice:exact") == ("exact", {})
    assert registry.find_component("feedback") is None
    assert registry.find_component("feedback", modal=True) == ("feedback", {})
    assert registry.prefix_commands["r"].handler == "rolltext"
    assert registry.handles_interactions


def test_a_subclass_inherits_and_may_override_handlers() -> None:
    class Quiet(Dice):
        def roll(self, ctx: object, sides: int = 6) -> None:  # no longer a command
            ...

    names = {c.name for c in Registry.of(Quiet).commands}
    assert "roll" not in names and "purge" in names


def _define(body: dict[str, object]) -> Registry:
    return Registry.of(type("Bad", (), body))


def test_definition_errors_name_the_command_and_option() -> None:
    def bad_name(self: object, ctx: object) -> None: ...

    with pytest.raises(LimitError, match=r"/Roll: name 'Roll' must be lowercase"):
        _define({"f": slash_command("Roll", description="x")(bad_name)})

    def long_description(self: object, ctx: object) -> None: ...

    with pytest.raises(LimitError, match="/roll: description must be 1 to 100"):
        _define({"f": slash_command("roll", description="x" * 101)(long_description)})

    def required_after(self: object, ctx: object, a: int | None, b: int) -> None: ...

    with pytest.raises(LimitError, match="required option 'b' after an optional one"):
        _define({"f": slash_command("roll", description="x")(required_after)})

    def no_ctx(self: object) -> None: ...

    with pytest.raises(CommandDefinitionError, match=r"must take \(self, ctx\)"):
        _define({"f": slash_command("roll", description="x")(no_ctx)})

    def missing(self: object, ctx: object, value: str) -> list[str]:
        return []

    with pytest.raises(CommandDefinitionError, match="no such slash command"):
        _define({"f": autocomplete("nothing", "value")(missing)})


def test_too_many_options_and_too_many_characters() -> None:
    params = ", ".join(f"o{i}: int" for i in range(26))
    namespace: dict[str, object] = {}
    exec(f"def many(self, ctx, {params}): pass", namespace)
    with pytest.raises(LimitError, match="26 options, at most 25"):
        _define({"many": slash_command("many", description="x")(namespace["many"])})

    def wordy(
        self: object,
        ctx: object,
        a: Annotated[str, Option(choices={f"{'n' * 90}{i}": f"{'v' * 90}{i}" for i in range(23)})],
    ) -> None: ...

    with pytest.raises(LimitError, match="at most 4000"):
        _define({"wordy": slash_command("wordy", description="x")(wordy)})


def test_the_context_menu_counts_are_limited() -> None:
    def target(self: object, ctx: object, user: User) -> None: ...

    body: dict[str, object] = {}
    for i in range(16):
        copy = type(target)(target.__code__, target.__globals__, f"u{i}")
        body[f"u{i}"] = user_command(f"User {i}")(copy)
    with pytest.raises(LimitError, match="16 USER commands, at most 15"):
        _define(body)


def test_total_characters_counts_names_descriptions_and_values() -> None:
    payload = {
        "name": "ab",
        "description": "cde",
        "options": [{"name": "f", "description": "gh", "choices": [{"name": "i", "value": "jk"}]}],
    }
    assert total_characters(payload) == 2 + 3 + 1 + 2 + 1 + 2
