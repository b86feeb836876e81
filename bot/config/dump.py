"""The config back as TOML (what `check-config` prints), with the token redacted.

`to_dict` gives TOML-ready data: the token as its reference (`env:NAME`, `file:PATH`, or
`[REDACTED]` for a literal one), shard sets as the value that gives them, absent optional keys
left out. `to_toml` writes it; `tomllib.loads(to_toml(c))` loads back to an equal config.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from bot.config.secret import TokenSource
from bot.config.shards import ShardSpec
from bot.log import REDACTED

__all__ = ["InlineTable", "to_dict", "to_toml"]


class InlineTable(dict[str, Any]):
    """A table written inline (`{ first = 0, last = 3, total = 8 }`)."""


def _hide_password(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", f":{REDACTED}@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


def _value(value: Any) -> Any:
    if isinstance(value, TokenSource):
        return value.spec
    if isinstance(value, ShardSpec):
        shards = value.to_toml_value()
        return InlineTable(shards) if isinstance(shards, dict) else shards
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return to_dict(value)
    if isinstance(value, tuple):
        return [_value(item) for item in value]
    return value


def to_dict(obj: Any) -> dict[str, Any]:
    """A config dataclass as nested dicts of TOML values (None values left out)."""
    result: dict[str, Any] = {}
    for field in dataclasses.fields(obj):
        if field.metadata.get("internal"):
            continue
        value = getattr(obj, field.name)
        if value is None:
            continue
        if field.name.endswith("_url") and isinstance(value, str):
            value = _hide_password(value)
        result[field.name] = _value(value)
    return result


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(_scalar(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{key} = {_scalar(item)}" for key, item in value.items()) + " }"
    raise TypeError(f"no TOML form for {type(value).__name__}")


def _table(name: str, table: dict[str, Any], lines: list[str]) -> None:
    lines.append(f"[{name}]")
    nested = []
    for key, value in table.items():
        if isinstance(value, dict) and not isinstance(value, InlineTable):
            nested.append((key, value))
        else:
            lines.append(f"{key} = {_scalar(value)}")
    for key, value in nested:
        lines.append("")
        _table(f"{name}.{key}", value, lines)


def to_toml(obj: Any) -> str:
    """The config as TOML text, one [section] per top-level table."""
    lines: list[str] = []
    for name, table in to_dict(obj).items():
        if lines:
            lines.append("")
        _table(name, table, lines)
    return "\n".join(lines) + "\n"
