"""The payload base: a thin, read-only view over a decoded Discord mapping.

Why a wrapper and not eager objects: building one is a single allocation (about 0.2 us and 48
bytes over the shared mapping, measured in `bench/bench_payloads.py`), unknown fields are kept
for free, and the raw mapping is always at hand (`payload.raw`). Each known field is a
descriptor that converts on read: snowflakes become `int` (from `int` or `str`, so gateway and
REST shapes both work), timestamps parse when read, nested objects are wrapped when read.
Fields that no class declares are still readable as attributes (`payload.some_new_field`).

Payloads are values: never mutate `raw`; the cache replaces whole objects instead.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any, Generic, Self, TypeVar, overload

from bot.gateway.keys import is_snowflake_key
from bot.gateway.normalise import normalise_json

__all__ = [
    "DISCORD_EPOCH_MS",
    "Bool",
    "Field",
    "Int",
    "IntOrStr",
    "Nested",
    "NestedList",
    "OptionalSnowflake",
    "Payload",
    "Snowflake",
    "SnowflakeList",
    "Timestamp",
    "UnixTime",
    "parse_timestamp",
    "snowflake",
    "snowflake_time",
]

# Snowflake epoch, `developers/reference.mdx` (Snowflakes): ms since 2015-01-01T00:00:00Z.
DISCORD_EPOCH_MS = 1420070400000

T = TypeVar("T")
P = TypeVar("P", bound="Payload")


def snowflake(value: Any) -> int | None:
    """An id as `int`: accepts int, str (REST/JSON) or None."""
    if value is None or type(value) is int:
        return value
    return int(value)


def snowflake_time(value: int) -> datetime:
    """When a snowflake was made (its top 42 bits, ms since the Discord epoch)."""
    return datetime.fromtimestamp(((value >> 22) + DISCORD_EPOCH_MS) / 1000, tz=UTC)


def parse_timestamp(value: Any) -> datetime | None:
    """An ISO 8601 Discord timestamp (with or without fraction, `+00:00` or `Z`) as a datetime."""
    if value is None or isinstance(value, datetime):
        return value
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value, tz=UTC)
    return datetime.fromisoformat(value)


class Field(Generic[T]):
    """A payload field read from `raw[key]`, converted on every read; `default` if absent.

    On a payload made with `Payload.unnormalised`, a field whose value the conversion makes
    whole by itself (a scalar, an id in a snowflake field) is read without normalising the
    mapping; any other (a nested object or list, an id in a plain field) normalises it first.
    """

    __slots__ = ("default", "key", "plain", "settles")

    def __init__(self, key: str | None = None, default: Any = None) -> None:
        self.key = key or ""
        self.default = default
        self.plain = type(self).convert is Field.convert
        self.settles = False
        if self.key:
            self._keyed()

    def __set_name__(self, owner: type, name: str) -> None:
        if not self.key:
            self.key = name
            self._keyed()

    def _keyed(self) -> None:
        # A plain field hands the value on as it is: under an id key, only a normalised one.
        self.settles = self.plain and is_snowflake_key(self.key)

    @overload
    def __get__(self, obj: None, owner: type) -> Self: ...
    @overload
    def __get__(self, obj: Payload, owner: type) -> T: ...
    def __get__(self, obj: Payload | None, owner: type) -> Self | T:
        if obj is None:
            return self
        value = obj._raw.get(self.key)
        if value is None:
            return self.default  # type: ignore[no-any-return,unused-ignore]
        if obj._lazy and (self.settles or type(value) is dict or type(value) is list):
            value = obj.raw[self.key]
        if self.plain:  # the common case, without a second call
            return value
        return self.convert(value)

    def convert(self, value: Any) -> T:
        """Turns the raw value into the field's type (identity here)."""
        return value  # type: ignore[no-any-return,unused-ignore]


class Bool(Field[bool]):
    """A boolean that is False when absent."""

    def __init__(self, key: str | None = None, default: bool = False) -> None:
        super().__init__(key, default)


class Int(Field[int]):
    """An integer (also accepts a numeric string: v8+ permissions are strings, v6 ints)."""

    def __init__(self, key: str | None = None, default: int = 0) -> None:
        super().__init__(key, default)

    def convert(self, value: Any) -> int:
        return value if type(value) is int else int(value)


class IntOrStr(Field[int | str | None]):
    """A value that is an int or a string (message `nonce`, `sound_id`)."""


class Snowflake(Field[int]):
    """A required id as `int` (accepts str or int)."""

    @overload
    def __get__(self, obj: None, owner: type) -> Self: ...
    @overload
    def __get__(self, obj: Payload, owner: type) -> int: ...
    def __get__(self, obj: Payload | None, owner: type) -> Self | int:  # inlined: hot
        if obj is None:
            return self
        value = obj._raw.get(self.key)  # an id converts itself: no need to normalise
        return value if value is None or type(value) is int else int(value)  # type: ignore[return-value]

    def convert(self, value: Any) -> int:
        return value if type(value) is int else int(value)


class OptionalSnowflake(Field[int | None]):
    """An id that may be absent or null."""

    @overload
    def __get__(self, obj: None, owner: type) -> Self: ...
    @overload
    def __get__(self, obj: Payload, owner: type) -> int | None: ...
    def __get__(self, obj: Payload | None, owner: type) -> Self | int | None:  # inlined: hot
        if obj is None:
            return self
        value = obj._raw.get(self.key)
        return value if value is None or type(value) is int else int(value)

    def convert(self, value: Any) -> int | None:
        return value if type(value) is int else int(value)


class SnowflakeList(Field[tuple[int, ...]]):
    """A list of ids as a tuple of ints (empty when absent)."""

    def __init__(self, key: str | None = None) -> None:
        super().__init__(key, ())

    def convert(self, value: Any) -> tuple[int, ...]:
        return tuple(v if type(v) is int else int(v) for v in value)


class Timestamp(Field[datetime | None]):
    """An ISO 8601 timestamp, parsed when read."""

    def convert(self, value: Any) -> datetime | None:
        return parse_timestamp(value)


class UnixTime(Field[datetime | None]):
    """A unix time in seconds (or ms with `millis=True`), as a UTC datetime."""

    __slots__ = ("millis",)

    def __init__(self, key: str | None = None, millis: bool = False) -> None:
        super().__init__(key, None)
        self.millis = millis

    def convert(self, value: Any) -> datetime | None:
        seconds = float(value) / 1000 if self.millis else float(value)
        return datetime.fromtimestamp(seconds, tz=UTC)


class Nested(Field[P | None], Generic[P]):
    """A nested object wrapped in its payload class when read."""

    __slots__ = ("cls",)

    def __init__(self, cls: Callable[[Any], P], key: str | None = None) -> None:
        super().__init__(key, None)
        self.cls = cls

    def convert(self, value: Any) -> P | None:
        return self.cls(value)


class NestedList(Field[tuple[P, ...]], Generic[P]):
    """A list of nested objects as a tuple of payloads (empty when absent)."""

    __slots__ = ("cls",)

    def __init__(self, cls: Callable[[Any], P], key: str | None = None) -> None:
        super().__init__(key, ())
        self.cls = cls

    def convert(self, value: Any) -> tuple[P, ...]:
        cls = self.cls
        return tuple(cls(v) for v in value)


_SETTLING = threading.Lock()


class Payload:
    """A read-only Discord object: declared fields convert on read, any other key reads raw.

    `raw` is the decoded mapping as received (str keys). Equality compares class and `raw`.
    `repr` shows only the class and id, so tokens inside a payload never reach a log line.
    """

    __slots__ = ("_lazy", "_raw")

    def __init__(self, raw: Mapping[str, Any]) -> None:
        self._raw = raw
        self._lazy = False

    @classmethod
    def unnormalised(cls, raw: Mapping[str, Any]) -> Self:
        """Wraps a mapping straight from the JSON parser, not yet normalised (snowflakes may be
        digit strings): it is normalised in place the first time `raw`, a nested object or an
        unknown field is read, and never if the reader only reads ids and scalars.

        Why: normalising walks every key of the payload (about 5 us for a MESSAGE_CREATE, a
        quarter of the whole path's CPU) and most handlers read two or three fields.
        `raw` is the mapping's owner from then on; normalising an already normalised mapping
        changes nothing.
        """
        payload = cls(raw)
        payload._lazy = True
        return payload

    @property
    def raw(self) -> Mapping[str, Any]:
        """The decoded mapping: snowflakes as `int` for gateway data (REST data as sent)."""
        if self._lazy:
            self._settle()
        return self._raw

    def _settle(self) -> None:
        with _SETTLING:  # one thread normalises; the others wait and read the result
            if self._lazy:
                normalise_json(self._raw)
                self._lazy = False

    @property
    def unsettled(self) -> Mapping[str, Any]:
        """The mapping as it is now, normalised or not (for packing it again as received)."""
        return self._raw

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Self:
        """Wraps a decoded mapping (gateway or REST shape; a payload is unwrapped first)."""
        if isinstance(data, Payload):
            data = data.raw
        return cls(data)

    @classmethod
    def from_list(cls, items: Iterable[Mapping[str, Any]] | None) -> tuple[Self, ...]:
        """Wraps every mapping of a list (None gives an empty tuple)."""
        return tuple(cls(item) for item in items or ())

    def to_dict(self) -> dict[str, Any]:
        """A shallow copy of the raw mapping."""
        return dict(self.raw)

    def get(self, key: str, default: Any = None) -> Any:
        """The raw value under `key` (unconverted), or `default`."""
        return self.raw.get(key, default)

    def __getattr__(self, name: str) -> Any:
        # Only reached for names no class declares: unknown and undocumented fields.
        if name.startswith("__"):
            raise AttributeError(name)
        try:
            raw = object.__getattribute__(self, "raw")
            return raw[name]
        except (KeyError, AttributeError):
            raise AttributeError(f"{type(self).__name__} has no field {name!r}") from None

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self.raw == other.raw

    def __hash__(self) -> int:
        ident = self.raw.get("id")
        if ident is None:
            raise TypeError(f"unhashable payload without id: {type(self).__name__}")
        return hash((type(self).__name__, snowflake(ident)))

    def __reduce__(self) -> tuple[type[Self], tuple[Mapping[str, Any]]]:
        return (type(self), (self.raw,))

    def _ident(self) -> Any:
        """What the repr shows to tell this object apart (its id)."""
        return self._raw.get("id") if isinstance(self._raw, Mapping) else None

    def __repr__(self) -> str:
        name = type(self).__name__
        ident = self._ident()
        return f"{name}(id={ident!r})" if ident is not None else f"{name}()"
