"""A small router for text commands (`!roll 20`), for bots that still read messages.

    class Tools(Consumer):
        prefix = "!"                                  # or a tuple of prefixes

        @prefix_command(aliases=["e"])
        def echo(self, ctx: PrefixContext, *, text: str): ...     # keyword-only: the rest

        @prefix_command()
        def add(self, ctx: PrefixContext, a: int, b: int = 0): ...

Arguments are split at spaces; quotes group words (`!tag "two words"`). Conversions: `str`, `int`,
`float`, `bool` (yes/no, true/false, on/off, 1/0), and mentions or bare ids of:
`User` (`<@id>`: from the message's mentions, else the cache, else a user with only its id),
`Member` (`<@id>`: a member of the message's guild, from the cache or the mention's member),
`Channel` (`<#id>`: from the cache; a channel of another guild is refused) and `Role`
(`<@&id>`: a role of the message's guild, from the cache). Without a cache (`cache=None`) a
channel or role is given with only its id. A keyword-only `str` parameter takes the rest of the
line as written. A wrong or missing argument answers the author with what was expected, what
was given and the command's usage; nothing is raised.
It reads message content, so the bot needs the `message_content` intent. Not a port of
discord.py's `ext.commands`: no cogs, no converters registry, no help command.
"""

from __future__ import annotations

import inspect
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from bot.interactions.errors import CommandDefinitionError, OptionConversionError
from bot.payloads import Channel, Member, Message, Role, User

__all__ = [
    "PrefixCommand",
    "PrefixParam",
    "convert_arguments",
    "parse_invocation",
    "prefix_command_of",
]

_TRUE = frozenset({"yes", "y", "true", "t", "1", "on"})
_FALSE = frozenset({"no", "n", "false", "f", "0", "off"})
# https://discord.com/developers/docs/reference#message-formatting : <@id>, <@!id>, <#id>, <@&id>.
_USER_MENTION = re.compile(r"<@!?([0-9]{1,20})>|([0-9]{1,20})")
_CHANNEL_MENTION = re.compile(r"<#([0-9]{1,20})>|([0-9]{1,20})")
_ROLE_MENTION = re.compile(r"<@&([0-9]{1,20})>|([0-9]{1,20})")
_SNOWFLAKE_MAX = 2**64 - 1
_KINDS: dict[Any, str] = {
    str: "text",
    int: "a whole number",
    float: "a number",
    bool: "yes or no",
    User: "a @user mention or a user id",
    Member: "a @member mention or the id of a member of this server",
    Channel: "a #channel mention or the id of a channel of this server",
    Role: "a @role mention or the id of a role of this server",
}


@dataclass(frozen=True, slots=True)
class PrefixParam:
    """One argument of a text command."""

    name: str
    kind: Any
    default: Any
    required: bool
    rest: bool  # takes the rest of the line


@dataclass(frozen=True, slots=True)
class PrefixCommand:
    """A text command: its name, the consumer method and its arguments."""

    name: str
    handler: str
    params: tuple[PrefixParam, ...]
    aliases: tuple[str, ...] = ()

    @property
    def usage(self) -> str:
        parts = [self.name]
        for p in self.params:
            label = f"{p.name}..." if p.rest else p.name
            parts.append(f"<{label}>" if p.required else f"[{label}]")
        return " ".join(parts)


def prefix_command_of(
    func: Callable[..., Any], handler: str, name: str, aliases: Sequence[str]
) -> PrefixCommand:
    """The text command of a handler `(self, ctx, ...)`; its annotations give the conversions."""
    from bot.interactions.registry import annotations_of, handler_parameters

    where = f"text command {name!r}"
    if not name or any(c.isspace() for c in name):
        raise CommandDefinitionError(f"{where}: a name is one word")
    hints = annotations_of(func)
    params: list[PrefixParam] = []
    parameters = handler_parameters(func, where, 1)
    for parameter in parameters:
        kind = hints.get(parameter.name, str)
        kind = _unoptional(kind)
        if kind not in _KINDS:
            raise CommandDefinitionError(
                f"{where} argument {parameter.name}: use str, int, float, bool, User, Member, "
                "Channel or Role"
            )
        rest = parameter.kind is inspect.Parameter.KEYWORD_ONLY
        if rest and (kind is not str or parameter.name != parameters[-1].name):
            raise CommandDefinitionError(
                f"{where}: only the last argument, a str, may be keyword-only (the rest)"
            )
        has_default = parameter.default is not inspect.Parameter.empty
        params.append(
            PrefixParam(
                parameter.name,
                kind,
                parameter.default if has_default else None,
                not has_default,
                rest,
            )
        )
    return PrefixCommand(name, handler, tuple(params), tuple(aliases))


def _unoptional(kind: Any) -> Any:
    args = getattr(kind, "__args__", None)
    if args and type(None) in args:
        inner = [a for a in args if a is not type(None)]
        if len(inner) == 1:
            return inner[0]
    return kind


def parse_invocation(content: str, prefixes: Sequence[str]) -> tuple[str, str] | None:
    """`(name, the rest of the line)` when `content` starts with one of `prefixes`, else None."""
    for prefix in sorted(prefixes, key=len, reverse=True):
        if prefix and content.startswith(prefix):
            body = content[len(prefix) :].lstrip()
            if not body:
                return None
            name, _, rest = body.partition(" ")
            return name, rest.strip()
    return None


def convert_arguments(
    command: PrefixCommand, text: str, message: Message | None, cache: Any = None
) -> dict[str, Any]:
    """The handler's keyword arguments from the text after the command's name; `cache` (the
    consumer's cache reader, or None) resolves members, channels and roles.

    Raises `OptionConversionError` naming the argument when one is missing or wrong.
    """
    values: dict[str, Any] = {}
    remaining = text
    for param in command.params:
        if param.rest:
            if not remaining and param.required:
                raise OptionConversionError(param.name, _KINDS[str], "nothing")
            values[param.name] = remaining if remaining else param.default
            remaining = ""
            break
        word, remaining = _next_word(remaining)
        if word is None:
            if param.required:
                raise OptionConversionError(param.name, _KINDS[param.kind], "nothing")
            values[param.name] = param.default
            continue
        values[param.name] = _convert(param, word, message, cache)
    return values


def _next_word(text: str) -> tuple[str | None, str]:
    """The next argument and the text after it; "double" or 'single' quotes group words."""
    text = text.lstrip()
    if not text:
        return None, ""
    quote = text[0]
    if quote in "\"'":
        closing = text.find(quote, 1)
        if closing > 0:
            return text[1:closing], text[closing + 1 :].lstrip()
    word, _, rest = text.partition(" ")
    return word, rest.lstrip()


def _convert(param: PrefixParam, word: str, message: Message | None, cache: Any) -> Any:
    kind = param.kind
    try:
        if kind is int:
            return int(word)
        if kind is float:
            number = float(word)
            if not math.isfinite(number):
                raise ValueError(word)
            return number
    except ValueError:
        raise OptionConversionError(param.name, _KINDS[kind], _shown(word)) from None
    if kind is bool:
        lowered = word.lower()
        if lowered in _TRUE or lowered in _FALSE:
            return lowered in _TRUE
        raise OptionConversionError(param.name, _KINDS[bool], _shown(word))
    if kind in (User, Member, Channel, Role):
        found = _mentioned(param, word)
        guild_id = message.guild_id if message is not None else None
        if kind is User:
            return _user(found, message, cache)
        if kind is Member:
            member = _member(found, guild_id, message, cache)
            if member is None:
                raise OptionConversionError(param.name, _KINDS[Member], _shown(word))
            return member
        if kind is Channel:
            channel = _channel(found, guild_id, cache)
            if channel is None:
                raise OptionConversionError(param.name, _KINDS[Channel], _shown(word))
            return channel
        role = _role(found, guild_id, cache)
        if role is None:
            raise OptionConversionError(param.name, _KINDS[Role], _shown(word))
        return role
    return word


def _shown(word: str) -> str:
    """A given argument for the answer: quoted, cut to 40 characters, mentions and code
    marks defused (a zero-width space after "@", no backticks)."""
    text = word if len(word) <= 40 else word[:37] + "..."
    return "'" + text.replace("@", "@\u200b").replace("`", "'") + "'"


def _mentioned(param: PrefixParam, word: str) -> int:
    """The id in a mention (or a bare id) of the argument's kind."""
    pattern = {User: _USER_MENTION, Member: _USER_MENTION, Channel: _CHANNEL_MENTION}.get(
        param.kind, _ROLE_MENTION
    )
    found = pattern.fullmatch(word)
    if found is None:
        raise OptionConversionError(param.name, _KINDS[param.kind], _shown(word))
    snowflake = int(found.group(1) or found.group(2))
    if not 0 < snowflake <= _SNOWFLAKE_MAX:
        raise OptionConversionError(param.name, _KINDS[param.kind], _shown(word))
    return snowflake


def _cached(cache: Any, method: str, *ids: int) -> Any:
    """A cache lookup; None without a cache or when the cache cannot answer."""
    if cache is None:
        return None
    try:
        return getattr(cache, method)(*ids)
    except Exception:
        return None  # a cache that is down is a cache miss, not a failed command


def _mention_of(message: Message | None, user_id: int) -> dict[str, Any] | None:
    for mention in (message.raw.get("mentions") or ()) if message is not None else ():
        if isinstance(mention, dict) and str(mention.get("id")) == str(user_id):
            return mention
    return None


def _user(user_id: int, message: Message | None, cache: Any) -> User:
    mention = _mention_of(message, user_id)
    if mention is not None:
        return User(mention)
    cached = _cached(cache, "get_user", user_id)
    return cached if isinstance(cached, User) else User({"id": str(user_id)})


def _member(
    user_id: int, guild_id: int | None, message: Message | None, cache: Any
) -> Member | None:
    if guild_id is None:
        return None  # a DM has no members
    cached = _cached(cache, "get_member", guild_id, user_id)
    if isinstance(cached, Member):
        return cached
    mention = _mention_of(message, user_id)
    if mention is not None and isinstance(mention.get("member"), dict):
        # A guild message's mentions carry a partial member (`resources/message.mdx`).
        user = {k: v for k, v in mention.items() if k != "member"}
        return Member({**mention["member"], "user": user, "guild_id": str(guild_id)})
    return None


def _channel(channel_id: int, guild_id: int | None, cache: Any) -> Channel | None:
    if cache is None:
        return Channel({"id": str(channel_id)})
    cached = _cached(cache, "get_channel", channel_id)
    if not isinstance(cached, Channel):
        return None
    if guild_id is not None and _cached(cache, "guild_of_channel", channel_id) != guild_id:
        return None  # another guild's channel: not one this member can name here
    return cached


def _role(role_id: int, guild_id: int | None, cache: Any) -> Role | None:
    if guild_id is None:
        return None  # no roles in a DM
    if cache is None:
        return Role({"id": str(role_id)})
    cached = _cached(cache, "get_role", guild_id, role_id)
    return cached if isinstance(cached, Role) else None
