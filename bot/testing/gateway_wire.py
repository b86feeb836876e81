"""The simulated gateway's side of the wire: encode and compress what it sends, decode what it gets.

Speaks the encoding (`json` or `etf`) and transport compression (`zlib-stream`, `zstd-stream` or
none) that the client asked for in its URL, through the same codecs and compressors as the
client (`bot.gateway.codecs`, `bot.gateway.compression`). ETF goes out the way Discord sends it:
atom keys, the event name `t` an atom, integer snowflakes. One `ServerWire` per connection: a
stream compressor keeps its context for the whole connection, as Discord's does.
"""

from __future__ import annotations

import json
from typing import Any

from erlpack import Atom

from bot.gateway.codecs import EtfCodec, codec_for
from bot.gateway.compression import Compression, make_compressor
from bot.gateway.errors import EncodeError, GatewayError

__all__ = ["ServerWire", "UnencodableError", "WireError"]


class WireError(Exception):
    """The client asked for an encoding or compression the gateway does not speak, or sent junk."""


class UnencodableError(WireError):
    """A payload the connection's encoding cannot carry (say an integer past 64 bits in ETF,
    or a Python object that is not JSON): a fault of the test that dispatched it."""


class ServerWire:
    """Encoding and transport compression of one simulated gateway connection."""

    def __init__(self, encoding: str, compress: str | None) -> None:
        try:
            self._codec = codec_for(encoding)
        except ValueError as exc:
            raise WireError(f"unknown encoding {encoding!r}") from exc
        if compress == Compression.NONE.value:
            raise WireError("unknown compression 'none'")
        try:
            self._compressor = make_compressor(compress or Compression.NONE)
        except ValueError as exc:
            raise WireError(f"unknown compression {compress!r}") from exc
        self.encoding = encoding
        self.compression = compress

    def encode(self, payload: Any) -> tuple[bytes, bool]:
        """Returns the message for `payload` and whether it goes as a text frame;
        UnencodableError if the encoding cannot carry it (the stream is left as it was)."""
        try:
            data = self._encode(payload)
        except (GatewayError, TypeError, ValueError, OverflowError, RecursionError) as exc:
            raise UnencodableError(f"cannot encode as {self.encoding}: {exc}") from exc
        if self.compression is None:
            return data, self._codec.text_frames
        return self._compressor.compress(data), False

    def _encode(self, payload: Any) -> bytes:
        if isinstance(self._codec, EtfCodec):
            event = payload.get("t") if isinstance(payload, dict) else None
            if isinstance(event, str):
                # Discord's ETF sends the event name as an atom (and null as the atom nil).
                payload = {**payload, "t": Atom(event)}
            return self._codec.encode_as_discord(payload)
        try:
            return self._codec.encode(payload, limit=None)
        except EncodeError:
            # What orjson refuses but JSON text can carry (numbers past 64 bits, and the
            # `Infinity`/`NaN` a broken server might send): bad input for the client's tests.
            return json.dumps(payload, separators=(",", ":")).encode()

    def compress(self, data: bytes) -> bytes:
        """Runs `data` through the connection's stream compressor (if any) as one message."""
        return self._compressor.compress(data)

    def decode(self, data: bytes, text: bool) -> Any:
        """Decodes a client message; WireError if it is not valid for the encoding."""
        try:
            return self._codec.decode(data)
        except GatewayError as exc:
            raise WireError(str(exc)) from exc
