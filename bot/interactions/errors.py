"""The errors of the interactions framework, under one root."""

from __future__ import annotations

__all__ = ["CommandDefinitionError", "InteractionsError", "LimitError", "OptionConversionError"]


class InteractionsError(Exception):
    """The root of every error raised by `bot.interactions`."""


class LimitError(InteractionsError, ValueError):
    """A command, component, modal or embed breaks one of Discord's limits.

    `where` names the thing at fault (`/roll option sides`, `embed field 3 value`), `limit` the
    constant of `bot.interactions.limits` it breaks.
    """

    def __init__(self, where: str, problem: str, limit: str | None = None) -> None:
        self.where = where
        self.problem = problem
        self.limit = limit
        cited = f" ({limit})" if limit else ""
        super().__init__(f"{where}: {problem}{cited}")


class CommandDefinitionError(InteractionsError, TypeError):
    """A command handler cannot become a command (bad annotation, bad signature, duplicates)."""


class OptionConversionError(InteractionsError, ValueError):
    """An option or a prefix-command argument could not be converted to its declared type."""

    def __init__(self, name: str, expected: str, got: str) -> None:
        self.name = name
        self.expected = expected
        self.got = got
        super().__init__(f"{name}: expected {expected}, got {got}")
