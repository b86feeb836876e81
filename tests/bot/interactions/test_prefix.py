"""Text commands: the prefix, argument splitting and conversion, the usage line."""

from __future__ import annotations

import pytest

from bot.interactions import CommandDefinitionError, OptionConversionError
from bot.interactions.prefix import convert_arguments, parse_invocation, prefix_command_of
from bot.payloads import Channel, Member, Message, Role, User
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
    with pytest.raises(
        OptionConversionError, match="target: expected a @user mention or a user id"
    ):
        convert_arguments(command, "ada hi", None)  # type: ignore[arg-type]


def test_bad_text_command_definitions_are_refused() -> None:
    def rest_not_last(self: object, ctx: object, *, text: str, more: str) -> None: ...

    with pytest.raises(CommandDefinitionError, match="only the last argument"):
        _command(rest_not_last)

    def bad_type(self: object, ctx: object, values: list[int]) -> None: ...

    with pytest.raises(
        CommandDefinitionError, match="use str, int, float, bool, User, Member, Channel or Role"
    ):
        _command(bad_type)
    with pytest.raises(CommandDefinitionError, match="one word"):
        prefix_command_of(add, "add", "two words", ())


class FakeCache:
    """The cache reader's lookups over a few dicts; `down` makes every lookup raise."""

    def __init__(self, down: bool = False) -> None:
        self.down = down
        self.members = {(7, 901): Member({"user": {"id": "901", "username": "bo"}, "roles": []})}
        self.channels = {
            55: (7, Channel({"id": "55", "name": "general"})),
            66: (8, Channel({"id": "66"})),
        }
        self.roles = {(7, 77): Role({"id": "77", "name": "mods"})}

    def _check(self) -> None:
        if self.down:
            raise RuntimeError("the cache is down")

    def get_member(self, guild_id: int, user_id: int) -> Member | None:
        self._check()
        return self.members.get((guild_id, user_id))

    def get_user(self, user_id: int) -> User | None:
        self._check()
        return User({"id": "901", "username": "bo"}) if user_id == 901 else None

    def get_channel(self, channel_id: int) -> Channel | None:
        self._check()
        found = self.channels.get(channel_id)
        return found[1] if found else None

    def guild_of_channel(self, channel_id: int) -> int | None:
        found = self.channels.get(channel_id)
        return found[0] if found else None

    def get_role(self, guild_id: int, role_id: int) -> Role | None:
        self._check()
        return self.roles.get((guild_id, role_id))


def mod(
    self: object, ctx: object, who: Member, where: Channel, role: Role, user: User | None = None
) -> None: ...


def _in_guild(content: str) -> Message:
    return Message({**message(content).raw, "guild_id": "7"})


def test_members_channels_and_roles_from_mentions_or_ids_through_the_cache() -> None:
    command = _command(mod)
    cache = FakeCache()
    values = convert_arguments(command, "<@901> <#55> <@&77> 901", _in_guild("!mod"), cache)  # type: ignore[arg-type]
    assert values["who"].user.username == "bo"
    assert values["where"].name == "general"
    assert values["role"].name == "mods"
    assert values["user"].username == "bo"  # a bare id, from the cache
    by_id = convert_arguments(command, "<@!901> 55 77", _in_guild("!mod"), cache)  # type: ignore[arg-type]
    assert by_id["who"].user.id == 901 and by_id["where"].id == 55 and by_id["role"].id == 77


@pytest.mark.parametrize(
    ("text", "argument", "expected"),
    [
        ("<@902> <#55> <@&77>", "who", "a @member mention or the id of a member of this server"),
        ("bo <#55> <@&77>", "who", "a @member mention"),
        ("<@901> <#66> <@&77>", "where", "a #channel mention or the id of a channel"),  # guild 8
        ("<@901> <#99> <@&77>", "where", "a #channel mention"),
        ("<@901> <#55> <@&78>", "role", "a @role mention or the id of a role of this server"),
        ("<@901> <#55> <@77>", "role", "a @role mention"),  # a user mention, not a role's
        (f"<@{2**70}> <#55> <@&77>", "who", "a @member mention"),  # beyond a snowflake
        ("<@901> <#55> <@&77> @everyone", "user", "a @user mention or a user id"),
    ],
)
def test_wrong_mentions_are_refused_with_what_was_expected(
    text: str, argument: str, expected: str
) -> None:
    with pytest.raises(OptionConversionError, match=f"{argument}: expected {expected}"):
        convert_arguments(_command(mod), text, _in_guild("!mod"), FakeCache())  # type: ignore[arg-type]


def test_a_refusal_shows_what_was_given_defused_and_cut() -> None:
    with pytest.raises(OptionConversionError) as raised:
        convert_arguments(_command(mod), "@everyone" + "x" * 100, _in_guild("!mod"), FakeCache())  # type: ignore[arg-type]
    assert "@\u200beveryone" in raised.value.got and len(raised.value.got) < 50


def test_in_a_dm_there_are_no_members_or_roles_and_a_cache_that_is_down_is_a_miss() -> None:
    command = _command(mod)
    with pytest.raises(OptionConversionError, match="who: expected a @member"):
        convert_arguments(command, "<@901> <#55> <@&77>", message("!mod"), FakeCache())  # type: ignore[arg-type]
    with pytest.raises(OptionConversionError, match="who: expected a @member"):
        convert_arguments(command, "<@901> <#55> <@&77>", _in_guild("!mod"), FakeCache(down=True))  # type: ignore[arg-type]


def test_without_a_cache_the_mentions_partial_member_and_ids_are_used() -> None:
    mentioned = Message(
        {
            **_in_guild("!mod").raw,
            "mentions": [{"id": "901", "username": "bo", "member": {"roles": [], "nick": "B"}}],
        }
    )
    values = convert_arguments(_command(mod), "<@901> <#55> <@&77>", mentioned, None)  # type: ignore[arg-type]
    assert values["who"].nick == "B" and values["who"].user.username == "bo"
    assert values["where"].id == 55 and values["role"].id == 77


def test_absurd_numbers_are_refused() -> None:
    command = _command(add)
    for word in ("nan", "inf", "1" * 5000):
        with pytest.raises(OptionConversionError):
            convert_arguments(command, f"1 {word}" if word != "1" * 5000 else word, None)  # type: ignore[arg-type]
