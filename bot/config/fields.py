"""The pieces every config section is declared with: `setting()`, `Invalid`, `ParseContext`.

A section is a frozen dataclass whose fields are declared with `setting(default, ...)`; the
converter (`bot.config.convert`) reads the field's type hint for plain values (bool, int, float,
str, Literal names, arrays of strings, nested sections) and calls `parse` for the rest.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["Invalid", "ParseContext", "Parser", "describe", "nearest", "setting", "type_name"]


class Invalid(Exception):
    """Raised by a parser: the value is not what was `expected` (becomes an InvalidValueError)."""

    def __init__(
        self,
        expected: str,
        got: str | None = None,
        suggestion: str | None = None,
        subkey: str = "",
    ) -> None:
        super().__init__(expected)
        self.expected = expected
        self.got = got
        self.suggestion = suggestion
        self.subkey = subkey  # appended to the dotted key: "[2]" for the third array item


@dataclass(frozen=True, slots=True)
class ParseContext:
    """What a parser may need besides the value: the environment and the config's folder."""

    env: Mapping[str, str]
    base_dir: Path


Parser = Callable[[Any, ParseContext], Any]


def setting(
    default: Any,
    *,
    parse: Parser | None = None,
    minimum: float | None = None,
    maximum: float | None = None,
) -> Any:
    """Declares one config key: its default, and a parser or an inclusive numeric range."""
    metadata = {"parse": parse, "minimum": minimum, "maximum": maximum}
    return field(default=default, metadata=metadata)


def describe(value: Any) -> str:
    """A short TOML-like rendering of a found value, for `got` in error messages."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        text = json.dumps(value if len(value) <= 60 else value[:57] + "...", ensure_ascii=False)
        return text
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list):
        shown = json.dumps(value, default=str, ensure_ascii=False)
        return f"an array {shown}" if len(shown) <= 60 else "an array"
    return type_name(value)


def type_name(value: Any) -> str:
    """The TOML kind of a value with its article: "an integer", "a table", "a datetime"."""
    if isinstance(value, bool):
        return "a boolean"
    names = {int: "an integer", float: "a float", str: "a string", list: "an array"}
    for kind, name in names.items():
        if isinstance(value, kind):
            return name
    if isinstance(value, Mapping):
        return "a table"
    other = type(value).__name__
    return f"an {other}" if other[:1] in "aeiou" else f"a {other}"


def nearest(word: str, choices: Sequence[str]) -> str | None:
    """The known name closest to `word` (difflib), or one it begins ("zlib" -> "zlib-stream")."""
    lowered = word.lower()
    close = difflib.get_close_matches(lowered, choices, n=1)
    if close:
        return close[0]
    starting = [choice for choice in choices if lowered and choice.startswith(lowered)]
    return starting[0] if len(starting) == 1 else None
