"""The simulated gateway's side of the wire: encode and compress what it sends, decode what it gets.

Speaks the encoding (`json` or `etf`) and transport compression (`zlib-stream`, `zstd-stream` or
none) that the client asked for in its URL. One `ServerWire` per connection: a stream compressor
keeps its context for the whole connection, as Discord's does.
"""

from __future__ import annotations

import zlib
from typing import Any

import erlpack
import orjson
import zstandard

__all__ = ["ENCODINGS", "TRANSPORT_COMPRESSIONS", "ServerWire", "WireError"]

ENCODINGS = ("json", "etf")
TRANSPORT_COMPRESSIONS = ("zlib-stream", "zstd-stream")


class WireError(Exception):
    """The client asked for an encoding or compression the gateway does not speak, or sent junk."""


class ServerWire:
    """Encoding and transport compression of one simulated gateway connection."""

    def __init__(self, encoding: str, compress: str | None) -> None:
        if encoding not in ENCODINGS:
            raise WireError(f"unknown encoding {encoding!r}")
        if compress is not None and compress not in TRANSPORT_COMPRESSIONS:
            raise WireError(f"unknown compression {compress!r}")
        self.encoding = encoding
        self.compression = compress
        self._zlib = zlib.compressobj() if compress == "zlib-stream" else None
        self._zstd = zstandard.ZstdCompressor().compressobj() if compress == "zstd-stream" else None

    def encode(self, payload: dict[str, Any]) -> tuple[bytes, bool]:
        """Returns the message for `payload` and whether it goes as a text frame."""
        data = orjson.dumps(payload) if self.encoding == "json" else erlpack.pack(payload)
        if self.compression is None:
            return data, self.encoding == "json"
        return self.compress(data), False

    def compress(self, data: bytes) -> bytes:
        """Runs `data` through the connection's stream compressor (if any) as one message."""
        if self._zlib is not None:
            return self._zlib.compress(data) + self._zlib.flush(zlib.Z_SYNC_FLUSH)
        if self._zstd is not None:
            return self._zstd.compress(data) + self._zstd.flush(zstandard.COMPRESSOBJ_FLUSH_BLOCK)
        return data

    def decode(self, data: bytes, text: bool) -> Any:
        """Decodes a client message; WireError if it is not valid for the encoding."""
        try:
            if self.encoding == "json":
                return orjson.loads(data)
            return _strings(erlpack.unpack(data))
        except Exception as exc:
            raise WireError(f"cannot decode {self.encoding} message: {exc}") from exc


def _strings(value: Any) -> Any:
    # erlpack gives bytes for binaries and Atom for atoms; the rules want str keys and values.
    if isinstance(value, dict):
        return {_strings(k): _strings(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_strings(v) for v in value]
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, erlpack.Atom):
        text = str(value)
        return {"nil": None, "true": True, "false": False}.get(text, text)
    return value
