"""Transport compression: zlib-stream and zstd-stream inflaters, and the server-side compressors.

One inflater per connection, made fresh for every new connection (throw the old one away on
reconnect or resume: its context belongs to the old stream). `feed(frame)` takes each websocket
message as received and returns a complete payload, or None while a zlib-stream message is still
incomplete. Each payload is limited to `max_size` decompressed bytes; past it, or on a broken
stream, `feed` raises `DecompressionError` and the inflater refuses everything after (the
connection must be closed and resumed).

The compressors are what Discord's side does, for the simulator: one context per connection,
zlib flushed with Z_SYNC_FLUSH after each message (so each ends with 00 00 ff ff), zstd flushed
with FLUSH_BLOCK (so a message never ends the zstd frame).

Source: developers/events/gateway.mdx (Transport Compression).
"""

from __future__ import annotations

import zlib
from enum import StrEnum
from typing import Protocol

import zstandard

from .errors import DecompressionError
from .limits import MAX_DECOMPRESSED_FRAME_BYTES, ZLIB_SUFFIX

__all__ = [
    "Compression",
    "Compressor",
    "Inflater",
    "PassthroughCompressor",
    "PassthroughInflater",
    "ZlibStreamCompressor",
    "ZlibStreamInflater",
    "ZstdStreamCompressor",
    "ZstdStreamInflater",
    "make_compressor",
    "make_inflater",
]

Frame = bytes | bytearray | memoryview | str


class Compression(StrEnum):
    """The `compress` query parameter of the gateway URL (NONE: the parameter is left out)."""

    NONE = "none"
    ZLIB_STREAM = "zlib-stream"
    ZSTD_STREAM = "zstd-stream"

    @property
    def query_value(self) -> str | None:
        """The value for `?compress=`, or None when no parameter is sent."""
        return None if self is Compression.NONE else self.value


class Inflater(Protocol):
    """Per-connection decompression of received websocket messages."""

    compression: Compression

    def feed(self, frame: Frame) -> bytes | str | None:
        """Returns a complete payload, or None while one is incomplete; DecompressionError."""
        ...


class Compressor(Protocol):
    """Per-connection compression of sent messages (the server side)."""

    compression: Compression

    def compress(self, payload: bytes) -> bytes:
        """Returns one websocket message carrying `payload`."""
        ...


class PassthroughInflater:
    """No transport compression: each message is a payload (text for JSON, bytes for ETF)."""

    compression = Compression.NONE

    def __init__(self, max_size: int = MAX_DECOMPRESSED_FRAME_BYTES) -> None:
        self.max_size = max_size

    def feed(self, frame: Frame) -> bytes | str | None:
        if isinstance(frame, bytearray | memoryview):
            frame = bytes(frame)
        if len(frame) > self.max_size:
            raise DecompressionError(
                f"frame of {len(frame)} bytes is over the limit of {self.max_size}",
                compression=self.compression.value,
                limit=self.max_size,
            )
        return frame


class _StreamInflater:
    compression: Compression

    def __init__(self, max_size: int) -> None:
        self.max_size = max_size
        self._failed = False

    def _fail(self, reason: str) -> DecompressionError:
        self._failed = True
        return DecompressionError(reason, compression=self.compression.value, limit=self.max_size)

    def _binary(self, frame: Frame) -> bytes:
        if self._failed:
            raise DecompressionError(
                "the stream failed earlier; open a new connection",
                compression=self.compression.value,
            )
        if type(frame) is bytes:  # what the socket gives: one test, no call
            return frame
        if isinstance(frame, str):
            raise self._fail("got a text frame on a compressed stream")
        return frame if isinstance(frame, bytes) else bytes(frame)


class ZlibStreamInflater(_StreamInflater):
    """`compress=zlib-stream`: one inflate context, messages end with 00 00 ff ff."""

    compression = Compression.ZLIB_STREAM

    def __init__(self, max_size: int = MAX_DECOMPRESSED_FRAME_BYTES) -> None:
        super().__init__(max_size)
        self._inflater = zlib.decompressobj()
        self._buffer = bytearray()

    def feed(self, frame: Frame) -> bytes | None:
        data = self._binary(frame)
        if self._buffer:
            self._buffer += data
            if len(self._buffer) > self.max_size:
                raise self._fail(f"no message end within {self.max_size} compressed bytes")
            if not self._buffer.endswith(ZLIB_SUFFIX):
                return None
            data = bytes(self._buffer)
            self._buffer.clear()
        elif not data.endswith(ZLIB_SUFFIX):
            # Discord may split one message over several websocket frames: wait for the rest.
            self._buffer += data
            if len(self._buffer) > self.max_size:
                raise self._fail(f"no message end within {self.max_size} compressed bytes")
            return None
        try:
            payload = self._inflater.decompress(data, self.max_size + 1)
        except zlib.error as exc:
            raise self._fail(f"broken stream ({exc})") from exc
        if len(payload) > self.max_size:
            raise self._fail(f"message inflates past the limit of {self.max_size} bytes")
        return payload


# Ours: compressed bytes fed to zstd per call. A zstd RLE block turns 4 bytes into up to 128 KiB,
# so one call can overshoot the limit by at most 1024 / 4 * 128 KiB = 32 MiB before we check.
ZSTD_FEED_SLICE = 1024


class ZstdStreamInflater(_StreamInflater):
    """`compress=zstd-stream`: one decompression context; a message does not end a zstd frame.

    Each message is fed through the context until all its input is consumed (the return value
    of ZSTD_decompressStream is not 0 at a message boundary, so we never wait for a frame end).
    Input goes in slices of ZSTD_FEED_SLICE bytes and the output is checked after each, so a
    bomb is stopped close to the limit.
    """

    compression = Compression.ZSTD_STREAM

    def __init__(self, max_size: int = MAX_DECOMPRESSED_FRAME_BYTES) -> None:
        super().__init__(max_size)
        self._decompressor = zstandard.ZstdDecompressor().decompressobj(read_across_frames=True)

    def feed(self, frame: Frame) -> bytes | None:
        data = self._binary(frame)
        decompress = self._decompressor.decompress
        try:
            if len(data) <= ZSTD_FEED_SLICE:
                payload: bytes = decompress(data)
                if len(payload) > self.max_size:
                    raise self._fail(f"message inflates past the limit of {self.max_size} bytes")
                return payload or None
            parts: list[bytes] = []
            size = 0
            view = memoryview(data)
            for start in range(0, len(data), ZSTD_FEED_SLICE):
                part = decompress(view[start : start + ZSTD_FEED_SLICE])
                size += len(part)
                if size > self.max_size:
                    raise self._fail(f"message inflates past the limit of {self.max_size} bytes")
                parts.append(part)
        except zstandard.ZstdError as exc:
            raise self._fail(f"broken stream ({exc})") from exc
        return b"".join(parts) or None


class PassthroughCompressor:
    """No transport compression."""

    compression = Compression.NONE

    def compress(self, payload: bytes) -> bytes:
        return payload


class ZlibStreamCompressor:
    """Discord's zlib-stream side: one deflate context, Z_SYNC_FLUSH after each message."""

    compression = Compression.ZLIB_STREAM

    def __init__(self, level: int = 6) -> None:
        self._deflater = zlib.compressobj(level)

    def compress(self, payload: bytes) -> bytes:
        return self._deflater.compress(payload) + self._deflater.flush(zlib.Z_SYNC_FLUSH)


class ZstdStreamCompressor:
    """Discord's zstd-stream side: one context, FLUSH_BLOCK after each message, frame kept open."""

    compression = Compression.ZSTD_STREAM

    def __init__(self, level: int = 3) -> None:
        self._compressor = zstandard.ZstdCompressor(level=level).compressobj()

    def compress(self, payload: bytes) -> bytes:
        return self._compressor.compress(payload) + self._compressor.flush(
            zstandard.COMPRESSOBJ_FLUSH_BLOCK
        )


def make_inflater(
    compression: Compression | str, max_size: int = MAX_DECOMPRESSED_FRAME_BYTES
) -> PassthroughInflater | ZlibStreamInflater | ZstdStreamInflater:
    """A fresh inflater for one new connection."""
    kind = Compression(compression)
    if kind is Compression.ZLIB_STREAM:
        return ZlibStreamInflater(max_size)
    if kind is Compression.ZSTD_STREAM:
        return ZstdStreamInflater(max_size)
    return PassthroughInflater(max_size)


def make_compressor(
    compression: Compression | str,
) -> PassthroughCompressor | ZlibStreamCompressor | ZstdStreamCompressor:
    """A fresh server-side compressor for one new connection."""
    kind = Compression(compression)
    if kind is Compression.ZLIB_STREAM:
        return ZlibStreamCompressor()
    if kind is Compression.ZSTD_STREAM:
        return ZstdStreamCompressor()
    return PassthroughCompressor()
