"""The two gateway encodings, JSON and ETF, as codecs with one interface.

`decode(frame)` takes one complete, already inflated payload and returns it normalised (see
`normalise`): JSON and ETF give equal values. `encode(payload)` gives the bytes to send; by
default it refuses payloads over Discord's 4096-byte client limit with `PayloadTooLarge`, before
anything is sent. Every failure is a `GatewayError`; library errors are translated here.

JSON is parsed with msgspec (`msgspec.json.Decoder`, untyped: the dicts, lists and scalars any
JSON parser gives). On gateway frames it is as fast as orjson, and on a storm GUILD_CREATE
a third faster: 1.0 against 1.6 us a member (`bench/bench_gateway.py`). Its dicts also read
faster (seven fields of a member: 0.11 against 0.16 us) and free faster, for a reason not
found (both parsers share key strings). And it keeps an integer past 64 bits exact, where
orjson gives a float. A frame msgspec refuses (NaN, 1e400, a lone surrogate escape) is retried
with the stdlib parser, which accepts those, so only frames neither accepts are errors; one
nested deeper than Python's stack (msgspec's limit) goes to orjson first, which takes up to
1,024 levels. orjson still encodes what a shard sends.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from enum import StrEnum
from typing import Any, Protocol

import erlpack
import msgspec
import orjson

from .errors import DecodeError, EncodeError, PayloadTooLarge
from .etf_guard import check_etf_frame
from .keys import is_snowflake_key
from .limits import MAX_SEND_PAYLOAD_BYTES
from .normalise import LAZY_EVENTS, MAX_SNOWFLAKE_DIGITS, normalise_etf, normalise_json

__all__ = ["Codec", "Encoding", "EtfCodec", "JsonCodec", "codec_for"]

Frame = bytes | bytearray | memoryview | str


class Encoding(StrEnum):
    """The `encoding` query parameter of the gateway URL."""

    JSON = "json"
    ETF = "etf"


class Codec(Protocol):
    """What the shard and the simulator need from an encoding."""

    encoding: Encoding
    #: True when uncompressed payloads travel as websocket text frames (JSON), else binary.
    text_frames: bool

    def decode(self, frame: Frame) -> Any:
        """Returns the normalised payload; raises DecodeError."""
        ...

    def decode_dispatch(self, frame: Frame) -> Any:
        """`decode` for a shard's reader: the `d` of a dispatch in `LAZY_EVENTS` may be left
        unnormalised (its payload is made with `Payload.unnormalised`)."""
        ...

    def encode(self, payload: Mapping[str, Any], *, limit: int | None = ...) -> bytes:
        """Returns the bytes to send; raises PayloadTooLarge or EncodeError."""
        ...


def _op_of(payload: Mapping[str, Any]) -> int | None:
    op = payload.get("op")
    return op if isinstance(op, int) else None


def _check_size(data: bytes, payload: Mapping[str, Any], limit: int | None) -> bytes:
    if limit is not None and len(data) > limit:
        raise PayloadTooLarge(len(data), limit, op=_op_of(payload))
    return data


_decode = msgspec.json.Decoder().decode

_ENVELOPE = frozenset({"op", "s", "t", "d"})
"""A gateway payload's keys (`gateway.mdx`, Payload Structure): none is a snowflake."""


class JsonCodec:
    """`encoding=json`: msgspec, with orjson and the stdlib as fallback parsers (module doc)."""

    encoding = Encoding.JSON
    text_frames = True

    def decode(self, frame: Frame) -> Any:
        return self._normalised(self._loads(frame), frame)

    def decode_dispatch(self, frame: Frame) -> Any:
        """`decode`, except that the `d` of a dispatch in `LAZY_EVENTS` is left as parsed (the
        shard's reader: see `normalise.LAZY_EVENTS`)."""
        value = self._loads(frame)
        if type(value) is dict and value.get("t") in LAZY_EVENTS and type(value.get("d")) is dict:
            if _ENVELOPE.issuperset(value):  # op, s, t and d: nothing to normalise but d
                return value
            data = value.pop("d")
            self._normalised(value, frame)  # the envelope's other keys
            value["d"] = data
            return value
        return self._normalised(value, frame)

    def _loads(self, frame: Frame) -> Any:
        try:
            return _decode(frame)  # bytes, bytearray, memoryview or str, as they are
        except msgspec.DecodeError:
            pass
        except RecursionError:  # msgspec nests as deep as Python's stack; orjson 1,024 levels
            try:
                return orjson.loads(frame)
            except orjson.JSONDecodeError:
                pass
        if isinstance(frame, bytearray | memoryview):  # the stdlib takes bytes or str
            frame = bytes(frame)
        return self._stdlib_loads(frame)

    @staticmethod
    def _normalised(value: Any, frame: Frame) -> Any:
        try:
            return normalise_json(value)
        except (TypeError, UnicodeDecodeError, RecursionError) as exc:
            raise DecodeError(type(exc).__name__, encoding="json", size=len(frame)) from exc

    @staticmethod
    def _stdlib_loads(frame: bytes | str) -> Any:
        try:
            return json.loads(frame)
        except (ValueError, TypeError, RecursionError) as exc:
            # The message of a ValueError quotes no payload text, only a position.
            reason = str(exc)[:120] if isinstance(exc, ValueError) else type(exc).__name__
            raise DecodeError(reason, encoding="json", size=len(frame)) from exc

    def encode(
        self, payload: Mapping[str, Any], *, limit: int | None = MAX_SEND_PAYLOAD_BYTES
    ) -> bytes:
        try:
            data = orjson.dumps(payload)
        except (orjson.JSONEncodeError, TypeError) as exc:
            raise EncodeError(f"cannot encode op {_op_of(payload)} as JSON: {exc}") from exc
        return _check_size(data, payload, limit)

    def __repr__(self) -> str:
        return "JsonCodec()"


class EtfCodec:
    """`encoding=etf`: Erlang's External Term Format through erlpack."""

    encoding = Encoding.ETF
    text_frames = False

    def decode(self, frame: Frame) -> Any:
        if isinstance(frame, str):
            raise DecodeError("ETF frames are binary, got text", encoding="etf", size=len(frame))
        data = bytes(frame) if not isinstance(frame, bytes) else frame
        check_etf_frame(data)
        try:
            value = erlpack.unpack(data)
        except Exception as exc:  # erlpack raises ValueError, TypeError, zlib.error, its own...
            raise DecodeError(
                f"{type(exc).__name__}: {str(exc)[:80]}", encoding="etf", size=len(data)
            ) from exc
        try:
            return normalise_etf(value)
        except (TypeError, UnicodeDecodeError, RecursionError) as exc:
            reason = "a binary is not UTF-8" if isinstance(exc, UnicodeDecodeError) else str(exc)
            raise DecodeError(reason, encoding="etf", size=len(data)) from exc

    def decode_dispatch(self, frame: Frame) -> Any:
        """`decode`: an ETF tree is copied whole to be normalised, nothing to save by waiting."""
        return self.decode(frame)

    def encode(
        self, payload: Mapping[str, Any], *, limit: int | None = MAX_SEND_PAYLOAD_BYTES
    ) -> bytes:
        """Encodes with string (binary) keys, never compressed, as Discord requires of clients."""
        return _check_size(self._pack(_client_term(payload), payload), payload, limit)

    def encode_as_discord(self, payload: Mapping[str, Any]) -> bytes:
        """Encodes the way Discord's servers do, for the simulator and for tests.

        Keys are atoms, snowflake strings are integers, and no size limit applies.
        """
        return self._pack(_server_term(payload, False), payload)

    @staticmethod
    def _pack(term: Any, payload: Mapping[str, Any]) -> bytes:
        try:
            return bytes(erlpack.pack(term))
        except Exception as exc:  # OverflowError, NotImplementedError, ...
            raise EncodeError(f"cannot encode op {_op_of(payload)} as ETF: {exc}") from exc

    def __repr__(self) -> str:
        return "EtfCodec()"


def _client_term(value: Any) -> Any:
    # Plain str keys (erlpack packs a str as a binary; an Atom would close us with 4002), lists
    # rather than tuples.
    if isinstance(value, Mapping):
        return {str(key): _client_term(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_client_term(item) for item in value]
    if isinstance(value, str):
        return str(value)
    return value


def _server_term(value: Any, snowflake: bool) -> Any:
    if isinstance(value, Mapping):
        return {
            erlpack.Atom(key): _server_term(item, is_snowflake_key(key))
            for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        return [_server_term(item, snowflake) for item in value]
    if (
        snowflake
        and isinstance(value, str)
        and len(value) <= MAX_SNOWFLAKE_DIGITS
        and value.isascii()
        and value.isdigit()
    ):
        return int(value)
    return value


_CODECS: dict[Encoding, JsonCodec | EtfCodec] = {
    Encoding.JSON: JsonCodec(),
    Encoding.ETF: EtfCodec(),
}


def codec_for(encoding: Encoding | str) -> JsonCodec | EtfCodec:
    """The (stateless, shareable) codec for an encoding name; ValueError for an unknown one."""
    return _CODECS[Encoding(encoding)]
