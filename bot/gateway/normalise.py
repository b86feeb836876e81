"""Turns what a JSON or ETF parser returns into the one shape the rest of Shardline sees.

The shape (docs/architecture.md, section 5): dicts with `str` keys, `str` text, snowflakes as `int`,
None/True/False, lists (never tuples), ints and floats. JSON and ETF give equal values for the
same payload:

- keys go through the fixed table in `keys` (interned names); unknown keys pass as `str`;
- values under a snowflake key (`id`, `*_id`, `*_ids`, `roles`, ...; see `keys.is_snowflake_key`)
  that are digit strings of at most 20 digits become `int`, in lists too; any other value keeps
  its type (`nonce`, `custom_id`, `session_id`, permission bitfields stay as sent);
- ETF only: binaries and atoms become `str` (erlpack already maps nil/true/false), tuples
  become lists, STRING_EXT already arrives as a list of small ints (erlpack >= 1.0).

The ETF walker raises only TypeError, UnicodeDecodeError or RecursionError on input no payload
can hold; the codecs translate those into `DecodeError`. The JSON walker raises nothing on what
a JSON parser gives: nesting deeper than Python's stack (the codec's orjson fallback takes up
to 1,024 levels) is walked again without recursion. That matters since MESSAGE_CREATE and
GUILD_CREATE are normalised lazily, in the cache or a handler, after the reader took the frame.
"""

from __future__ import annotations

from typing import Any

from erlpack import Atom

from .keys import KEY_TABLE, unknown_key

__all__ = ["LAZY_EVENTS", "MAX_SNOWFLAKE_DIGITS", "normalise_etf", "normalise_json"]

# A snowflake is a u64: at most 20 decimal digits (18446744073709551615). Longer digit strings
# are not ids, and int() of a huge one would cost quadratic time.
MAX_SNOWFLAKE_DIGITS = 20

LAZY_EVENTS = frozenset({"MESSAGE_CREATE", "GUILD_CREATE"})
"""Dispatches whose `d` a shard's JSON reader leaves as parsed: the cache and the consumers get
it as a `Payload.unnormalised`, normalised the first time something reads more than its ids and
scalars. MESSAGE_CREATE is most of a bot's traffic, read by handlers that look at two or three
fields; a GUILD_CREATE's members (thousands in a large guild, most of its keys) go into packed
records that take ids as strings, so the cache normalises all but them (`cache.guilds`)."""

_TABLE = KEY_TABLE
# JSON keys are `str` already: name -> is snowflake, for the JSON walker.
_SNOWFLAKE_BY_KEY: dict[str, bool] = {
    name: snowflake for name, (_, snowflake) in KEY_TABLE.items() if type(name) is str
}


def _is_id_text(text: str) -> bool:
    return len(text) <= MAX_SNOWFLAKE_DIGITS and text.isascii() and text.isdigit()


def normalise_json(value: Any) -> Any:
    """Normalises a tree from a JSON parser in place (its keys are already `str`); returns it."""
    kind = type(value)
    try:
        if kind is dict:
            _json_dict(value)
        elif kind is list:
            _json_list(value, False)
    except RecursionError:  # hostile nesting: what was done is kept, the rest done without it
        _json_deep(value)
    return value


def _json_deep(root: Any) -> None:
    """The walk of `_json_dict` and `_json_list` with a stack of its own (slower, any depth)."""
    table = _SNOWFLAKE_BY_KEY
    pending: list[tuple[Any, bool]] = [(root, False)]
    while pending:
        node, snowflakes = pending.pop()
        if type(node) is dict:
            for key, value in node.items():
                snowflake = table.get(key)
                if snowflake is None:
                    snowflake = unknown_key(key)[1]
                _deep_value(node, key, value, snowflake, pending)
        elif type(node) is list:
            for index, item in enumerate(node):
                _deep_value(node, index, item, snowflakes, pending)


def _deep_value(
    node: Any, place: Any, value: Any, snowflake: bool, pending: list[tuple[Any, bool]]
) -> None:
    """`_json_deep` on one value of `node` at `place`: an id text becomes an int in place (the
    container keeps its size), a container is left on the stack for later."""
    kind = type(value)
    if kind is str:
        if snowflake and _is_id_text(value):
            node[place] = int(value)
    elif kind is dict or kind is list:
        pending.append((value, snowflake if kind is list else False))


def _json_dict(obj: dict[str, Any]) -> None:
    # The hot loop of JSON decoding (about 40 keys in a MESSAGE_CREATE): the value's type
    # decides first, and the key table is read only where it matters (a digit string or a
    # list), or to note an unknown key once.
    table = _SNOWFLAKE_BY_KEY
    for key, value in obj.items():
        kind = type(value)
        if kind is str:
            if value.isdigit():
                snowflake = table.get(key)
                if snowflake is None:
                    snowflake = unknown_key(key)[1]
                if snowflake and len(value) <= MAX_SNOWFLAKE_DIGITS and value.isascii():
                    # Replacing the value of an existing key does not resize the dict.
                    obj[key] = int(value)
            elif key not in table:
                unknown_key(key)
        elif kind is dict:
            if key not in table:
                unknown_key(key)
            _json_dict(value)
        elif kind is list:
            snowflake = table.get(key)
            if snowflake is None:
                snowflake = unknown_key(key)[1]
            if value:
                _json_list(value, snowflake)
        elif key not in table:
            unknown_key(key)


def _json_list(items: list[Any], snowflakes: bool) -> None:
    for index, item in enumerate(items):
        kind = type(item)
        if kind is dict:
            _json_dict(item)
        elif kind is str:
            if snowflakes and _is_id_text(item):
                items[index] = int(item)
        elif kind is list:
            _json_list(item, snowflakes)


def normalise_etf(value: Any) -> Any:
    """Returns a normalised copy of a tree from `erlpack.unpack`."""
    return _etf_value(value, False)


def _etf_value(value: Any, snowflake: bool) -> Any:
    kind = type(value)
    if kind is dict:
        return _etf_dict(value)
    if kind is bytes:
        text = value.decode("utf-8")
        if snowflake and _is_id_text(text):
            return int(text)
        return text
    if kind is list or kind is tuple:
        return [_etf_value(item, snowflake) for item in value]
    if kind is int or kind is float or kind is bool or value is None:
        return value
    if kind is Atom or kind is str:
        text = str(value)
        if snowflake and _is_id_text(text):
            return int(text)
        return text
    raise TypeError(f"unsupported ETF term {kind.__name__}")


def _etf_dict(obj: dict[Any, Any]) -> dict[str, Any]:
    table = _TABLE
    out: dict[str, Any] = {}
    for key, value in obj.items():
        entry = table.get(key)
        if entry is None:
            entry = unknown_key(key)
        kind = type(value)
        # The common leaf types first: this loop is the cost of ETF decoding.
        if kind is bytes:
            text = value.decode("utf-8")
            out[entry[0]] = int(text) if entry[1] and _is_id_text(text) else text
        elif kind is int or value is None or kind is bool or kind is float:
            out[entry[0]] = value
        elif kind is dict:
            out[entry[0]] = _etf_dict(value)
        else:
            out[entry[0]] = _etf_value(value, entry[1])
    return out
