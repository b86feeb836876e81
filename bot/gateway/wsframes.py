"""`FrameBuffer`: websocket frames (RFC 6455, section 5.2) cut out of bytes read in bulk.

Why: websocket-client reads each frame with two `recv` calls (header, then payload), and each
call releases and takes back the GIL, which under load costs a thread hand-off per call. The
shard's reader instead reads whatever the socket holds (up to `READ_BYTES`) in one call and
takes every whole frame out of it: one system call for a burst of frames. Plain code, no IO.

`feed(data)` appends bytes; `next()` returns the next whole message as `(opcode, payload)`
(continuation frames joined; control frames returned as they come, even between fragments),
or None until more bytes are fed. A frame that breaks the protocol (reserved bits, unknown
opcode, a control frame that is fragmented or longer than 125 bytes, a continuation with
nothing to continue) or a message past `max_message` raises `FrameError`.
"""

from __future__ import annotations

__all__ = [
    "OP_BINARY",
    "OP_CLOSE",
    "OP_CONTINUATION",
    "OP_PING",
    "OP_PONG",
    "OP_TEXT",
    "READ_BYTES",
    "FrameBuffer",
    "FrameError",
]

OP_CONTINUATION, OP_TEXT, OP_BINARY = 0x0, 0x1, 0x2
OP_CLOSE, OP_PING, OP_PONG = 0x8, 0x9, 0xA
_DATA = (OP_TEXT, OP_BINARY)
_CONTROL = (OP_CLOSE, OP_PING, OP_PONG)

READ_BYTES = 256 * 1024
"""Ours: bytes asked of the socket per read (a burst of frames in one system call)."""

MAX_MESSAGE = 512 * 1024 * 1024
"""Ours: the largest message accepted (a GUILD_CREATE of a huge guild is tens of MB)."""

# RFC 6455 5.5: control frames carry at most 125 bytes.
MAX_CONTROL_PAYLOAD = 125


class FrameError(ValueError):
    """The bytes are not a websocket stream the client can follow."""


class FrameBuffer:
    """Bytes read from a websocket connection, cut into messages (see the module docstring)."""

    __slots__ = ("_buffer", "_fragments", "_max_message", "_opcode", "_pos")

    def __init__(self, max_message: int = MAX_MESSAGE) -> None:
        self._buffer = bytearray()
        self._pos = 0
        self._fragments: list[bytes] | None = None
        self._opcode = 0
        self._max_message = max_message

    def feed(self, data: bytes) -> None:
        """Appends bytes read from the socket."""
        if self._pos and self._pos == len(self._buffer):
            self._buffer.clear()
            self._pos = 0
        elif self._pos > READ_BYTES:
            del self._buffer[: self._pos]
            self._pos = 0
        self._buffer += data

    def next(self) -> tuple[int, bytes] | None:
        """The next whole message `(opcode, payload)`, or None until more bytes come."""
        buffer, pos = self._buffer, self._pos
        if self._fragments is None and len(buffer) - pos >= 4:
            # Nearly every frame, in one step: a whole text or binary message (FIN, no reserved
            # bits, not masked) of at most 65,535 bytes. Anything else goes the general way.
            first = buffer[pos]
            if first == 0x82 or first == 0x81:
                length, head = buffer[pos + 1], 2
                if length == 126:
                    length, head = (buffer[pos + 2] << 8) | buffer[pos + 3], 4
                elif length > 126:  # a 64-bit length, or masked
                    length = -1
                end = pos + head + length
                if 0 <= length <= self._max_message and end <= len(buffer):
                    self._pos = end
                    return first & 0x0F, bytes(buffer[pos + head : end])
        while True:
            frame = self._frame()
            if frame is None:
                return None
            fin, opcode, payload = frame
            if opcode in _CONTROL:
                return opcode, payload
            if opcode == OP_CONTINUATION:
                if self._fragments is None:
                    raise FrameError("a continuation frame with nothing to continue")
                self._fragments.append(payload)
                if sum(map(len, self._fragments)) > self._max_message:
                    raise FrameError("message too big")
                if fin:
                    parts, self._fragments = self._fragments, None
                    return self._opcode, b"".join(parts)
                continue
            if self._fragments is not None:
                raise FrameError("a new message inside a fragmented one")
            if fin:
                return opcode, payload
            self._fragments = [payload]
            self._opcode = opcode

    def _frame(self) -> tuple[bool, int, bytes] | None:
        buffer, pos = self._buffer, self._pos
        available = len(buffer) - pos
        if available < 2:
            return None
        first, second = buffer[pos], buffer[pos + 1]
        if first & 0x70:
            raise FrameError("reserved bits set")
        fin, opcode = bool(first & 0x80), first & 0x0F
        if opcode not in _DATA and opcode not in _CONTROL and opcode != OP_CONTINUATION:
            raise FrameError(f"unknown opcode {opcode}")
        length = second & 0x7F
        head = 2
        if length == 126:
            if available < 4:
                return None
            length = int.from_bytes(buffer[pos + 2 : pos + 4], "big")
            head = 4
        elif length == 127:
            if available < 10:
                return None
            length = int.from_bytes(buffer[pos + 2 : pos + 10], "big")
            head = 10
        if opcode in _CONTROL and (length > MAX_CONTROL_PAYLOAD or not fin):
            raise FrameError("a control frame fragmented or longer than 125 bytes")
        if length > self._max_message:
            raise FrameError("message too big")
        mask = None
        if second & 0x80:  # a server must not mask (RFC 6455 5.1), but unmasking is cheap
            if available < head + 4:
                return None
            mask = bytes(buffer[pos + head : pos + head + 4])
            head += 4
        end = pos + head + length
        if len(buffer) < end:
            return None
        payload = bytes(buffer[pos + head : end])
        self._pos = end
        if mask is not None:
            payload = _unmask(mask, payload)
        return fin, opcode, payload


def _unmask(mask: bytes, payload: bytes) -> bytes:
    key = int.from_bytes((mask * (len(payload) // 4 + 1))[: len(payload)], "big")
    return (int.from_bytes(payload, "big") ^ key).to_bytes(len(payload), "big")
