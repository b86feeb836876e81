"""Snowflakes as cache keys: the one check every id goes through before it keys a store.

Why strict: an id is a key of a store and goes into packed records (msgpack holds at most 64
bits), so a float (`1e400` is infinite), a bool, a negative number or one above 64 bits must be
refused as bad input before anything is written, not fail halfway through an event.
"""

from __future__ import annotations

from typing import Any

__all__ = ["MAX_SNOWFLAKE", "SAFE_DIGITS", "key", "optional_key"]

MAX_SNOWFLAKE = 2**64 - 1
"""Snowflakes are unsigned 64-bit integers (`developers/reference.mdx`, Snowflakes)."""

_MAX_DIGITS = len(str(MAX_SNOWFLAKE))
SAFE_DIGITS = _MAX_DIGITS - 1
"""A string of 1 to this many ASCII digits is always a snowflake in range: a loop over many ids
(a GUILD_CREATE's members) may take such a string as `int(value)` without the call to `key`."""


def key(value: Any) -> int:
    """`value` as a snowflake key: an int, or a string of ASCII digits (the JSON shape), in
    0..MAX_SNOWFLAKE. Raises `ValueError` (or `TypeError` for other types) otherwise."""
    if type(value) is str:  # JSON, and MESSAGE_CREATE left as parsed: the common case first
        if 0 < len(value) <= _MAX_DIGITS and value.isascii() and value.isdigit():
            number = int(value)
            if number <= MAX_SNOWFLAKE:
                return number
        raise ValueError(f"not a snowflake string: {value[:32]!r}")
    if type(value) is int:
        if 0 <= value <= MAX_SNOWFLAKE:
            return value
        raise ValueError(f"snowflake out of range: {value.bit_length()} bits")
    raise TypeError(f"snowflake of type {type(value).__name__}")


def optional_key(value: Any) -> int | None:
    """`key(value)`, or None for None (an optional id such as a DM's missing `guild_id`)."""
    return None if value is None else key(value)
