"""`custom_id` patterns: route clicks and modal submits by id, with state kept in the id.

    pattern = CustomId("dice:reroll:{sides:int}")
    pattern.build(sides=20)              # "dice:reroll:20" (length checked: at most 100)
    pattern.match("dice:reroll:20")      # {"sides": 20}; None when it does not match

A parameter is `{name}` (text without ":"), `{name:int}` (digits, given as int) or
`{name:rest}` (everything to the end, ":" included). An id without braces matches exactly.
Because the state lives in the id, a handler routed this way works after a restart of the bot.
"""

from __future__ import annotations

import re
from typing import Any

from bot.interactions import limits
from bot.interactions.errors import CommandDefinitionError, LimitError

__all__ = ["CustomId", "check_custom_id"]

_PARAM = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)(?::(str|int|rest))?\}")
_KINDS = {"str": r"[^:]+", "int": r"-?[0-9]+", "rest": r".+"}


def check_custom_id(custom_id: str, where: str) -> None:
    """A custom_id must be 1 to 100 characters (`components/reference.mdx`)."""
    if not 1 <= len(custom_id) <= limits.CUSTOM_ID_MAX:
        raise LimitError(
            where,
            f"custom_id must be 1 to {limits.CUSTOM_ID_MAX} characters, not {len(custom_id)}",
            "CUSTOM_ID_MAX",
        )


class CustomId:
    """A custom_id pattern with typed parameters (see the module doc)."""

    __slots__ = ("_kinds", "_regex", "pattern")

    def __init__(self, pattern: str) -> None:
        if not pattern:
            raise CommandDefinitionError("a custom_id pattern cannot be empty")
        self.pattern = pattern
        self._kinds: dict[str, str] = {}
        parts: list[str] = []
        position = 0
        for found in _PARAM.finditer(pattern):
            name, kind = found.group(1), found.group(2) or "str"
            if name in self._kinds:
                raise CommandDefinitionError(f"custom_id pattern {pattern!r} repeats {{{name}}}")
            self._kinds[name] = kind
            parts.append(re.escape(pattern[position : found.start()]))
            parts.append(f"(?P<{name}>{_KINDS[kind]})")
            position = found.end()
        parts.append(re.escape(pattern[position:]))
        self._regex = re.compile("".join(parts))
        if "{" in _PARAM.sub("", pattern) or "}" in _PARAM.sub("", pattern):
            raise CommandDefinitionError(
                f"custom_id pattern {pattern!r}: a brace is not a parameter"
            )
        check_custom_id(_PARAM.sub("x", pattern), f"custom_id pattern {pattern!r}")

    @property
    def parameters(self) -> tuple[str, ...]:
        return tuple(self._kinds)

    @property
    def is_exact(self) -> bool:
        return not self._kinds

    def match(self, custom_id: str) -> dict[str, Any] | None:
        """The parameters of `custom_id` (ints converted), or None if it does not match (a
        custom_id longer than Discord allows never does)."""
        if len(custom_id) > limits.CUSTOM_ID_MAX:
            return None
        found = self._regex.fullmatch(custom_id)
        if found is None:
            return None
        return {
            name: int(text) if self._kinds[name] == "int" else text
            for name, text in found.groupdict().items()
        }

    def build(self, **params: Any) -> str:
        """The custom_id with these parameters; checks them and the 100-character limit."""
        missing = set(self._kinds) - set(params)
        extra = set(params) - set(self._kinds)
        if missing or extra:
            raise CommandDefinitionError(
                f"custom_id {self.pattern!r} takes {sorted(self._kinds)}, got {sorted(params)}"
            )

        def fill(found: re.Match[str]) -> str:
            name = found.group(1)
            text = str(params[name])
            if not re.fullmatch(_KINDS[self._kinds[name]], text):
                raise CommandDefinitionError(
                    f"custom_id {self.pattern!r}: {name}={text!r} does not fit {self._kinds[name]}"
                )
            return text

        custom_id = _PARAM.sub(fill, self.pattern)
        check_custom_id(custom_id, f"custom_id {self.pattern!r}")
        return custom_id

    def __repr__(self) -> str:
        return f"CustomId({self.pattern!r})"
