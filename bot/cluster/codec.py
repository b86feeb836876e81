"""Events as stream entries: what crosses nodes is the event with its (old, new) cache objects.

A node caches only the guilds of its own shards, so an event handled on another node must carry
what the cache gave on the node that read it: the payload object, `Update(old, new)`, a tuple of
objects, or raw data. Payload objects travel as their class name and raw mapping (msgpack), and
come back as the same class; an unknown class name comes back as a plain `Payload`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

import msgspec

from bot.events import Update
from bot.payloads import Payload

__all__ = ["Entry", "decode_data", "encode_data", "entry_fields", "parse_entry"]

_encode = msgspec.msgpack.Encoder().encode
_decode = msgspec.msgpack.Decoder().decode


def _payload_classes() -> dict[str, type[Payload]]:
    found: dict[str, type[Payload]] = {"Payload": Payload}
    pending = [Payload]
    while pending:
        for subclass in pending.pop().__subclasses__():
            found.setdefault(subclass.__name__, subclass)
            pending.append(subclass)
    return found


_CLASSES: dict[str, type[Payload]] | None = None


def _pack(value: Any) -> Any:
    if isinstance(value, Payload):
        return ["p", type(value).__name__, dict(value.raw)]
    if isinstance(value, Update):
        return ["u", _pack(value.old), _pack(value.new)]
    if isinstance(value, tuple):
        return ["t", [_pack(item) for item in value]]
    return ["r", value]


def _unpack(packed: Any) -> Any:
    global _CLASSES
    tag = packed[0]
    if tag == "p":
        if _CLASSES is None or packed[1] not in _CLASSES:
            _CLASSES = _payload_classes()  # a subclass defined after the first event
        return _CLASSES.get(packed[1], Payload)(packed[2])
    if tag == "u":
        return Update(_unpack(packed[1]), _unpack(packed[2]))
    if tag == "t":
        return tuple(_unpack(item) for item in packed[1])
    return packed[1]


def encode_data(data: Any) -> bytes:
    """An event's data as bytes (payload objects, updates and tuples keep their types)."""
    return _encode(_pack(data))


def decode_data(blob: bytes) -> Any:
    """The event data `encode_data` gave."""
    return _unpack(_decode(blob))


class Entry(NamedTuple):
    """One event as read from a stream: who published it, from which shard and seq."""

    name: str
    data: Any
    shard: int
    seq: int | None
    node: str


def entry_fields(name: str, data: Any, shard: int, seq: int | None, node: str) -> dict[str, Any]:
    """The fields of a stream entry (XADD) for one event."""
    return {
        "name": name,
        "data": encode_data(data),
        "shard": shard,
        "seq": -1 if seq is None else seq,
        "node": node,
    }


def parse_entry(fields: Mapping[bytes, bytes]) -> Entry:
    """The event of a stream entry's fields (as redis-py returns them, bytes)."""
    seq = int(fields[b"seq"])
    return Entry(
        fields[b"name"].decode(),
        decode_data(fields[b"data"]),
        int(fields[b"shard"]),
        None if seq < 0 else seq,
        fields[b"node"].decode(),
    )
