"""Parsers for the config values that are more than a plain type: token, intents, shards, URLs."""

from __future__ import annotations

import ipaddress
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bot.config import intents as intent_table
from bot.config.fields import Invalid, ParseContext, describe, nearest, type_name
from bot.config.secret import Secret, TokenSource
from bot.config.shards import ShardSpec, ShardSpecError, parse_shards

__all__ = [
    "is_loopback",
    "parse_consumers",
    "parse_gateway_url",
    "parse_http_url",
    "parse_intents",
    "parse_key_prefix",
    "parse_node_name",
    "parse_redis_url",
    "parse_shards_value",
    "parse_token",
]

TOKEN_EXPECTED = '"env:NAME" (an environment variable), "file:PATH" (a file), or the token itself'
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_IDENTIFIER = r"[A-Za-z_][A-Za-z0-9_]*"
_CONSUMER = re.compile(rf"{_IDENTIFIER}(\.{_IDENTIFIER})*:{_IDENTIFIER}(\.{_IDENTIFIER})*")
GATEWAY_NAMES = ("discord", "local")


def parse_token(value: Any, context: ParseContext) -> TokenSource:
    """`bot.token`: reads the token from the environment or a file, or wraps a literal one.

    Never puts a literal token into an error: `got` only ever holds a type, a variable name or a
    path.
    """
    if not isinstance(value, str):
        raise Invalid(TOKEN_EXPECTED, type_name(value))
    text = value.strip()
    if not text:
        return TokenSource("none", "", None)
    if text.startswith("env:"):
        name = text[len("env:") :]
        if not _ENV_NAME.fullmatch(name):
            raise Invalid('"env:NAME" with an environment variable name', describe(text))
        found = context.env.get(name, "").strip()
        return TokenSource("env", name, Secret(found) if found else None)
    if text.startswith("file:"):
        ref = text[len("file:") :]
        path = Path(ref).expanduser()
        if not path.is_absolute():
            path = context.base_dir / path
        try:
            content = path.read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as exc:
            reason = getattr(exc, "strerror", None) or type(exc).__name__
            raise Invalid("a readable file holding the token", f"{path}: {reason}") from None
        if not content:
            raise Invalid("a file holding the token", f"{path} is empty")
        return TokenSource("file", ref, Secret(content))
    return TokenSource("literal", "", Secret(text))


def parse_intents(value: Any, _context: ParseContext) -> tuple[str, ...]:
    """`bot.intents`: names (any case), "all", "nonprivileged", or an integer bitfield."""
    expected = (
        'intent names such as "guilds", "guild_messages", "message_content", or "all", '
        '"nonprivileged", or an integer bitfield'
    )
    if isinstance(value, int) and not isinstance(value, bool):
        try:
            return intent_table.intent_names(value)
        except ValueError:
            raise Invalid("an intent bitfield of documented bits only", hex(value)) from None
    names = [value] if isinstance(value, str) else value
    if not isinstance(names, list):
        raise Invalid(expected, describe(value))
    result: list[str] = []
    for index, name in enumerate(names):
        if not isinstance(name, str):
            raise Invalid("an intent name (a string)", describe(name), subkey=f"[{index}]")
        unknown, nearest = intent_table.unknown_intent(name)
        if unknown:
            suggestion = f'"{nearest}"' if nearest else None
            raise Invalid(expected, describe(name), suggestion, subkey=f"[{index}]")
        canonical = intent_table.canonical(name)
        if canonical not in result:
            result.append(canonical)
    return tuple(result)


def parse_shards_value(value: Any, _context: ParseContext) -> ShardSpec:
    """`bot.shards`: see `bot.config.shards`."""
    try:
        return parse_shards(value)
    except ShardSpecError as exc:
        raise Invalid(exc.expected, exc.got if exc.got is not None else describe(value)) from None


def parse_consumers(value: Any, _context: ParseContext) -> tuple[str, ...]:
    """`bot.consumers`: an array of distinct "module:Class" names (imported later, lazily)."""
    if not isinstance(value, list):
        raise Invalid('an array of "module:Class" names', describe(value))
    for index, name in enumerate(value):
        if not isinstance(name, str) or not _CONSUMER.fullmatch(name.strip()):
            raise Invalid(
                'a "module:Class" name such as "my_bot:MyConsumer"',
                describe(name),
                subkey=f"[{index}]",
            )
    names = tuple(name.strip() for name in value)
    if len(set(names)) != len(names):
        raise Invalid("each consumer named once", describe(value))
    return names


def parse_guild_ids(value: Any, _context: ParseContext) -> tuple[int, ...]:
    """`commands.guilds`: an array of guild ids (integers, or strings of digits)."""
    if not isinstance(value, list):
        raise Invalid("an array of guild ids", describe(value))
    ids: list[int] = []
    for index, item in enumerate(value):
        if isinstance(item, str) and item.strip().isdigit():
            item = int(item.strip())
        if isinstance(item, bool) or not isinstance(item, int) or item <= 0:
            raise Invalid("a guild id (a positive integer)", describe(item), subkey=f"[{index}]")
        ids.append(item)
    if len(set(ids)) != len(ids):
        raise Invalid("each guild named once", describe(value))
    return tuple(ids)


def is_loopback(host: str) -> bool:
    """True for localhost and loopback addresses (127.0.0.0/8, ::1)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _url_parts(value: str) -> tuple[str, str]:
    try:
        parts = urlsplit(value)
        host = parts.hostname or ""
        _ = parts.port  # raises ValueError on a bad port
    except ValueError:
        return "", ""
    return parts.scheme.lower(), host


def parse_gateway_url(value: Any, _context: ParseContext) -> str:
    """`gateway.url`: "discord", "local", a wss:// address, or a ws:// address on loopback."""
    expected = '"discord", "local", a wss:// address, or a ws:// address on this machine'
    if not isinstance(value, str):
        raise Invalid(expected, describe(value))
    text = value.strip()
    if text in GATEWAY_NAMES:
        return text
    scheme, host = _url_parts(text)
    if scheme == "wss" and host:
        return text
    if scheme == "ws" and host:
        if not is_loopback(host):
            # Plain ws:// would send the token in clear over the network.
            raise Invalid("ws:// only to a loopback address (use wss:// elsewhere)", describe(text))
        return text
    close = nearest(text, GATEWAY_NAMES)
    raise Invalid(expected, describe(value), f'"{close}"' if close else None)


def parse_http_url(value: Any, _context: ParseContext) -> str:
    """`rest.base_url`: an https:// URL, or http:// on loopback (the simulator, a local proxy)."""
    expected = "an https:// URL, or an http:// URL on this machine"
    if not isinstance(value, str):
        raise Invalid(expected, describe(value))
    text = value.strip().rstrip("/")
    scheme, host = _url_parts(text)
    if scheme == "https" and host:
        return text
    if scheme == "http" and host:
        if not is_loopback(host):
            expected = "http:// only to a loopback address (use https:// elsewhere)"
            raise Invalid(expected, describe(text))
        return text
    raise Invalid(expected, describe(value))


def parse_redis_url(value: Any, _context: ParseContext) -> str:
    """`cluster.redis_url`: a redis://, rediss:// or unix:// URL."""
    expected = "a redis://, rediss:// or unix:// URL"
    if not isinstance(value, str):
        raise Invalid(expected, describe(value))
    text = value.strip()
    scheme, host = _url_parts(text)
    if (scheme in ("redis", "rediss") and host) or (scheme == "unix" and urlsplit(text).path):
        return text
    # Only the scheme: the URL may hold a password.
    raise Invalid(expected, f"a URL with scheme {scheme!r}" if scheme else "no URL")


_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")


def parse_node_name(value: Any, _context: ParseContext) -> str:
    """`cluster.node`: "" (host and pid) or a name of letters, digits, `_ . -` (64 at most)."""
    expected = '"" or a name of letters, digits, "_", "." and "-" (up to 64)'
    if not isinstance(value, str):
        raise Invalid(expected, describe(value))
    text = value.strip()
    if text and not _NAME.fullmatch(text):
        raise Invalid(expected, describe(value))
    return text


def parse_key_prefix(value: Any, _context: ParseContext) -> str:
    """`cluster.key_prefix`: the first part of every Redis key (two bots on one Redis differ)."""
    expected = 'a name of letters, digits, "_", "." and "-" (up to 64)'
    if not isinstance(value, str) or not _NAME.fullmatch(value.strip()):
        raise Invalid(expected, describe(value))
    return value.strip()
