"""Builds the config dataclasses from parsed TOML, collecting every error with file and key.

`Builder.build(Config, raw)` walks the sections: unknown keys (with the nearest known key),
wrong types, out-of-range numbers and unknown names each become one `ConfigError` in
`Builder.errors`; a bad value falls back to its default so that the walk finds the rest.
"""

from __future__ import annotations

import dataclasses
import types
from collections.abc import Callable, Mapping
from typing import Any, Literal, Union, get_args, get_origin, get_type_hints

from bot.config.errors import ConfigError, InvalidValueError, UnknownKeyError
from bot.config.fields import Invalid, ParseContext, describe, nearest

__all__ = ["Builder", "known_keys"]


class SectionSkipped(Exception):
    """A required key was missing: the enclosing field keeps its default."""


def _public_fields(cls: type) -> list[dataclasses.Field[Any]]:
    return [f for f in dataclasses.fields(cls) if not f.metadata.get("internal")]


def _section_type(hint: Any) -> type | None:
    """The dataclass inside a hint (`Presence`, `Activity | None`), or None."""
    if get_origin(hint) in (Union, types.UnionType):
        inner = [arg for arg in get_args(hint) if arg is not type(None)]
        hint = inner[0] if len(inner) == 1 else None
    return hint if isinstance(hint, type) and dataclasses.is_dataclass(hint) else None


def known_keys(cls: type, prefix: str = "") -> list[str]:
    """Every dotted key of a config dataclass, sections included (`gateway.presence.status`)."""
    keys: list[str] = []
    hints = get_type_hints(cls)
    for f in _public_fields(cls):
        dotted = f"{prefix}{f.name}"
        keys.append(dotted)
        section = _section_type(hints[f.name]) if f.metadata.get("parse") is None else None
        if section is not None:
            keys += known_keys(section, dotted + ".")
    return keys


def _range_text(what: str, minimum: float | None, maximum: float | None) -> str:
    if minimum is not None and maximum is not None:
        return f"{what} from {minimum:g} to {maximum:g}"
    if minimum is not None:
        return f"{what} >= {minimum:g}"
    if maximum is not None:
        return f"{what} <= {maximum:g}"
    return what


class Builder:
    """One pass over one config: `build()` returns the object, `errors` what was wrong."""

    def __init__(
        self,
        root: type,
        context: ParseContext,
        where: Callable[[str], str],
    ) -> None:
        self.context = context
        self.where = where  # dotted key -> the file or environment variable it came from
        self.errors: list[ConfigError] = []
        self._all_keys = known_keys(root)

    def fail(self, kind: type[ConfigError], key: str, expected: str, **extra: Any) -> None:
        """Records one error for `key`."""
        self.errors.append(kind(self.where(key), key, expected, **extra))

    def build(self, cls: type, raw: Any, path: str = "") -> Any:
        """Builds `cls` from the mapping `raw` found at dotted `path` ("" for the root)."""
        if not isinstance(raw, Mapping):
            self.fail(InvalidValueError, path, f"a table [{path}]", got=describe(raw))
            raise SectionSkipped
        hints = get_type_hints(cls)
        fields = _public_fields(cls)
        names = [f.name for f in fields]
        for key in raw:
            if key not in names:
                self._unknown(str(key), names, path)
        kwargs: dict[str, Any] = {}
        missing = False
        for f in fields:
            dotted = f"{path}.{f.name}" if path else f.name
            if f.name not in raw:
                if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                    self.fail(InvalidValueError, dotted, f"a value for {dotted}", got="nothing")
                    missing = True
                continue
            try:
                kwargs[f.name] = self._convert(hints[f.name], raw[f.name], dotted, f.metadata)
            except Invalid as exc:
                self.fail(
                    InvalidValueError,
                    dotted + exc.subkey,
                    exc.expected,
                    got=exc.got,
                    suggestion=exc.suggestion,
                )
            except SectionSkipped:
                pass
        if missing:
            raise SectionSkipped
        return cls(**kwargs)

    def _unknown(self, key: str, names: list[str], path: str) -> None:
        dotted = f"{path}.{key}" if path else key
        if path:
            expected = f"a key of [{path}] ({', '.join(names)})"
        else:
            expected = f"a section ({', '.join(f'[{name}]' for name in names)})"
        close = nearest(key, names)
        if close:
            suggestion: str | None = f"{path}.{close}" if path else close
        else:
            # The right key in another section (`token` at the top means `bot.token`).
            elsewhere = [k for k in self._all_keys if k.rsplit(".", 1)[-1] == key]
            suggestion = elsewhere[0] if elsewhere else None
        self.fail(UnknownKeyError, dotted, expected, got="an unknown key", suggestion=suggestion)

    def _convert(self, hint: Any, value: Any, dotted: str, meta: Mapping[str, Any]) -> Any:
        parse = meta.get("parse")
        if parse is not None:
            return parse(value, self.context)
        minimum, maximum = meta.get("minimum"), meta.get("maximum")
        origin = get_origin(hint)
        if hint is bool:
            if not isinstance(value, bool):
                raise Invalid("true or false", describe(value))
            return value
        if hint is int or hint is float:
            is_number = isinstance(value, int) or (hint is float and isinstance(value, float))
            what = "an integer" if hint is int else "a number"
            if isinstance(value, bool) or not is_number:
                raise Invalid(_range_text(what, minimum, maximum), describe(value))
            too_low = minimum is not None and value < minimum
            if too_low or (maximum is not None and value > maximum):
                raise Invalid(_range_text(what, minimum, maximum), describe(value))
            return float(value) if hint is float else value
        if hint is str:
            if not isinstance(value, str):
                raise Invalid("a string", describe(value))
            return value
        if origin is Literal:
            choices = [str(arg) for arg in get_args(hint)]
            if value in choices:
                return value
            close = nearest(value, choices) if isinstance(value, str) else None
            suggestion = f'"{close}"' if close else None
            expected = "one of " + ", ".join(f'"{choice}"' for choice in choices)
            raise Invalid(expected, describe(value), suggestion)
        if origin in (Union, types.UnionType):
            inner = [arg for arg in get_args(hint) if arg is not type(None)]
            if len(inner) == 1:
                return self._convert(inner[0], value, dotted, meta)
        section = _section_type(hint)
        if section is not None:
            return self.build(section, value, dotted)
        raise TypeError(f"config type {hint!r} of {dotted} has no converter")  # a bug, not input
