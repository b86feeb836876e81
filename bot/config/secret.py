"""The token as a value that never shows: `Secret`, and `TokenSource` (where it was read from).

`str()`, `repr()` and f-strings of a `Secret` give `[REDACTED]`; only `reveal()` gives the value,
and creating one registers it with `bot.log.register_secret` so no log line can carry it.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Any, Literal

from bot.log import REDACTED, register_secret

__all__ = ["Secret", "TokenKind", "TokenSource"]

TokenKind = Literal["env", "file", "literal", "none"]


class Secret:
    """A string that is redacted in every repr, str and format; `reveal()` reads it."""

    __slots__ = ("_value",)

    _value: str

    def __init__(self, value: str) -> None:
        object.__setattr__(self, "_value", value)
        register_secret(value)

    def reveal(self) -> str:
        """Returns the secret itself: pass it to the wire, never to a log or a message."""
        return self._value

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("Secret is immutable")

    def __repr__(self) -> str:
        return f"Secret({REDACTED!r})"

    def __str__(self) -> str:
        return REDACTED

    def __format__(self, format_spec: str) -> str:
        return format(REDACTED, format_spec)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Secret):
            return NotImplemented
        return hmac.compare_digest(self._value.encode(), other._value.encode())

    def __hash__(self) -> int:
        return hash((Secret, self._value))

    def __bool__(self) -> bool:
        return bool(self._value)

    def __reduce__(self) -> Any:
        # Pickling would write the token out in clear; there is no reason to.
        raise TypeError("a Secret cannot be pickled")


@dataclass(frozen=True, slots=True)
class TokenSource:
    """Where `bot.token` comes from, and the token itself once read (`secret`, or None).

    `kind` is `"env"` (`ref` is the variable's name), `"file"` (`ref` is the path), `"literal"`
    (written in the config itself) or `"none"`. `secret` is None when nothing was found, which is
    fine for `gateway.url = "local"` and an error for any other URL.
    """

    kind: TokenKind = "env"
    ref: str = "DISCORD_TOKEN"
    secret: Secret | None = None

    @property
    def spec(self) -> str:
        """The config value that gives this source, with a literal token redacted."""
        if self.kind == "env":
            return f"env:{self.ref}"
        if self.kind == "file":
            return f"file:{self.ref}"
        if self.kind == "literal":
            return REDACTED
        return ""

    def describe_missing(self) -> str:
        """Why `secret` is None, for the error message."""
        if self.kind == "env":
            return f"environment variable {self.ref} is not set"
        if self.kind == "file":
            return f"file {self.ref} holds no token"
        return "no token"
