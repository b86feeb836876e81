"""Errors of `bot.config`: one root, `ConfigError`, carrying where, which key and what was expected.

Every error names the place the value came from (`file`: the config file's path, `"<mapping>"`,
or `"environment variable SHARDLINE_..."`), the dotted `key` (`gateway.encoding`), what was
`expected`, and where it helps what was found (`got`) and the nearest known name (`suggestion`).
Messages pass through `bot.log.redact`, so a token that slipped into a value never shows.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.log import redact

__all__ = [
    "ConfigError",
    "ConfigErrors",
    "ConfigFileError",
    "ConsumerError",
    "InvalidValueError",
    "MissingTokenError",
    "UnknownKeyError",
]


class ConfigError(Exception):
    """Root of every config error: the file, the dotted key and what was expected there."""

    def __init__(
        self,
        file: str,
        key: str,
        expected: str,
        got: str | None = None,
        suggestion: str | None = None,
    ) -> None:
        self.file = file
        self.key = key
        self.expected = expected
        self.got = got
        self.suggestion = suggestion
        super().__init__(self.message)

    @property
    def message(self) -> str:
        """The one-line message: `file: key: expected ..., got ...; did you mean ...?`."""
        where = f"{self.file}: {self.key}" if self.key else self.file
        text = f"{where}: expected {self.expected}"
        if self.got is not None:
            text += f", got {self.got}"
        if self.suggestion is not None:
            text += f"; did you mean {self.suggestion}?"
        return redact(text)

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r})"


class ConfigFileError(ConfigError):
    """The file cannot be read or is not valid TOML."""


class UnknownKeyError(ConfigError):
    """A key or section that Shardline does not know (a typo, most often)."""


class InvalidValueError(ConfigError):
    """A value of the wrong type, out of range, or not one of the allowed names."""


class MissingTokenError(ConfigError):
    """No token where one is needed (any `gateway.url` other than `"local"`)."""


class ConsumerError(ConfigError):
    """A consumer `module:Class` that cannot be imported or is not a consumer class."""


class ConfigErrors(ConfigError):
    """Several errors found in one pass; the fields are the first one's, `errors` holds all."""

    def __init__(self, errors: Sequence[ConfigError]) -> None:
        if not errors:
            raise ValueError("ConfigErrors needs at least one error")
        self.errors = tuple(errors)
        first = self.errors[0]
        super().__init__(first.file, first.key, first.expected, first.got, first.suggestion)

    @property
    def message(self) -> str:
        lines = [f"{len(self.errors)} config errors:"]
        lines += [f"  {error.message}" for error in self.errors]
        return "\n".join(lines)
