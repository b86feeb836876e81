"""A small router for text commands (`!roll 20`), for bots that still read messages.

    class Tools(Consumer):
        prefix = "!"                                  # or a tuple of prefixes

        @prefix_command(aliases=["e"])
        def echo(self, ctx: PrefixContext, *, text: str): ...     # keyword-only: the rest

        @prefix_command()
        def add(self, ctx: PrefixContext, a: int, b: int = 0): ...

Arguments are split at spaces; quotes group words (`!tag "two words"`). Conversions: `str`, `int`,
`float`, `bool` (yes/no, true/false, on/off, 1/0) and `User` (a mention, `<@id>`, resolved from
the message's mentions). A keyword-only `str` parameter takes the rest of the line as written.
A wrong or missing argument answers the author with the command's usage; nothing is raised.
It reads message content, so the bot needs the `message_content` intent. Not a port of
discord.py's `ext.commands`: no cogs, no converters registry, no help command.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from bot.interactions.errors import CommandDefinitionError, OptionConversionError
from bot.payloads import Message, User

__all__ = [
    "PrefixCommand",
    "PrefixParam",
    "convert_arguments",
    "parse_invocation",
    "prefix_command_of",
]

_TRUE = frozenset({"yes", "y", "true", "t", "1", "on"})
_FALSE = frozenset({"no", "n", "false", "f", "0", "off"})
_MENTION = re.compile(r"<@!?([0-9]+)>")
_KINDS: dict[Any, str] = {
    str: "text",
    int: "a whole number",
    float: "a number",
    bool: "yes or no",
    User: "a @mention",
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
                f"{where} argument {parameter.name}: use str, int, float, bool or User"
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


def convert_arguments(command: PrefixCommand, text: str, message: Message | None) -> dict[str, Any]:
    """The handler's keyword arguments from the text after the command's name.

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
        values[param.name] = _convert(param, word, message)
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


def _convert(param: PrefixParam, word: str, message: Message | None) -> Any:
    kind = param.kind
    try:
        if kind is int:
            return int(word)
        if kind is float:
            return float(word)
    except ValueError:
        raise OptionConversionError(param.name, _KINDS[kind], repr(word)) from None
    if kind is bool:
        lowered = word.lower()
        if lowered in _TRUE or lowered in _FALSE:
            return lowered in _TRUE
        raise OptionConversionError(param.name, _KINDS[bool], repr(word))
    if kind is User:
        found = _MENTION.fullmatch(word)
        mentions = message.raw.get("mentions", ()) if message is not None else ()
        if found is not None:
            for user in mentions:
                if str(user.get("id")) == found.group(1):
                    return User(user)
            return User({"id": found.group(1)})
        raise OptionConversionError(param.name, _KINDS[User], repr(word))
    return word
