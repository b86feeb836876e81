"""The shard's websocket: websocket-client with Shardline's rules, errors translated at one place.

- `wss://` only with TLS verified (certificate and host name); `ws://` only to a loopback host
  (the simulator, a local proxy): anything else is refused with `InsecureGatewayUrl` before a
  socket is opened.
- `recv()` returns one websocket message (text or bytes); a close frame or a dropped connection
  raises `SocketClosed(code)` (code None: no close frame). It reads the socket in bulk and cuts
  the frames out itself (`bot.gateway.wsframes`); websocket-client does the handshake. Every
  websocket-client error becomes `SocketClosed` here, so the shard sees one exception type.
- `send` is safe from any thread and never blocks past its timeout (`SEND_TIMEOUT_SECONDS`): a
  peer that stops reading makes the send raise `SocketClosed` and the socket is shut down, so no
  writer hangs on a full TCP buffer. (The reader blocks in `recv()` with no timeout, and a
  socket has one timeout for both directions, so the send waits for room with `select` itself.)
  `close(code)` sends a close frame (within `CLOSE_TIMEOUT_SECONDS`) and shuts the socket down
  at once, which wakes a reader blocked in `recv()`.
"""

from __future__ import annotations

import contextlib
import ipaddress
import select
import socket
import ssl
import struct
import time
from collections.abc import Callable
from urllib.parse import urlsplit

import websocket

from actors.errors import InsecureGatewayUrl
from bot.gateway.wsframes import OP_BINARY, OP_CLOSE, OP_PING, OP_TEXT, READ_BYTES, FrameBuffer

__all__ = ["GatewaySocket", "SocketClosed", "check_gateway_url"]

# Ours: how long opening a connection (TCP, TLS, upgrade) may take.
CONNECT_TIMEOUT_SECONDS = 10.0
# Ours: how long one message may take to go out. A peer that reads nothing for this long is
# given up (the shard then resumes on a new connection), long before a heartbeat is missed.
SEND_TIMEOUT_SECONDS = 10.0
# Ours: a close frame is a courtesy; the socket is shut down after it either way.
CLOSE_TIMEOUT_SECONDS = 1.0
# Written per select() round: a socket reported writable has at least this much room (Linux
# reports writable with a third of the send buffer free; the smallest buffer is 4.5 kB).
_SEND_CHUNK = 1024
_LOOPBACK_NAMES = ("localhost",)


class SocketClosed(Exception):
    """The connection ended: `code` from the close frame, or None if there was none."""

    def __init__(self, code: int | None, reason: str = "") -> None:
        super().__init__(f"connection closed: code={code} reason={reason}")
        self.code = code
        self.reason = reason


def check_gateway_url(url: str) -> None:
    """Raises InsecureGatewayUrl unless `url` is wss://, or ws:// to a loopback host."""
    parts = urlsplit(url)
    if parts.scheme == "wss":
        return
    if parts.scheme != "ws":
        raise InsecureGatewayUrl(url, "the scheme must be wss:// (or ws:// to loopback)")
    host = parts.hostname or ""
    if host in _LOOPBACK_NAMES:
        return
    try:
        if ipaddress.ip_address(host).is_loopback:
            return
    except ValueError:
        pass
    raise InsecureGatewayUrl(url, "ws:// (no TLS) is only allowed to a loopback address")


class GatewaySocket:
    """One open websocket connection of a shard."""

    def __init__(self, ws: websocket.WebSocket) -> None:
        self._ws = ws
        self._frames = FrameBuffer()

    @classmethod
    def open(cls, url: str, timeout: float = CONNECT_TIMEOUT_SECONDS) -> GatewaySocket:
        """Connects; InsecureGatewayUrl for a refused URL, SocketClosed if it cannot connect."""
        check_gateway_url(url)
        sslopt = {"cert_reqs": ssl.CERT_REQUIRED, "check_hostname": True}
        # websocket-client does the handshake and the sending; `recv` reads frames itself.
        ws = websocket.WebSocket(sslopt=sslopt, enable_multithread=True, skip_utf8_validation=True)
        try:
            ws.connect(url, timeout=timeout, suppress_origin=True)
        except (websocket.WebSocketException, OSError) as exc:
            with contextlib.suppress(Exception):
                ws.shutdown()
            raise SocketClosed(None, f"connect failed: {type(exc).__name__}: {exc}") from exc
        ws.settimeout(None)  # the reader blocks; close() wakes it
        return cls(ws)

    def recv(self, before_read: Callable[[], None] | None = None) -> bytes | str:
        """The next message; SocketClosed when the connection ends.

        Reads what the socket holds in one call and cuts every whole frame out of it
        (`bot.gateway.wsframes`): one system call, one GIL hand-off, for a burst of frames.
        `before_read()` is called before each read of the socket, which may block (the shard
        wakes its producer for what the frames before gave). Pings are answered here."""
        frames = self._frames
        try:
            while True:
                message = frames.next()
                if message is None:
                    sock = self._ws.sock
                    if sock is None:
                        raise SocketClosed(None, "socket shut down")
                    if before_read is not None:
                        before_read()
                    data = sock.recv(READ_BYTES)
                    if not data:
                        raise SocketClosed(None, "connection closed by the server")
                    frames.feed(data)
                    continue
                opcode, payload = message
                if opcode == OP_TEXT:
                    return payload.decode("utf-8")
                if opcode == OP_BINARY:
                    return payload
                if opcode == OP_CLOSE:
                    code, reason = _close_payload(payload)
                    self.abort()
                    raise SocketClosed(code, reason)
                if opcode == OP_PING:
                    pong = websocket.ABNF.create_frame(payload, websocket.ABNF.OPCODE_PONG)
                    self._send_frame(pong, SEND_TIMEOUT_SECONDS)
        except SocketClosed:
            self.abort()
            raise
        except (websocket.WebSocketException, OSError, ValueError, AttributeError) as exc:
            # ValueError: FrameError, or text that is not UTF-8.
            self.abort()
            raise SocketClosed(None, f"{type(exc).__name__}: {exc}") from exc

    def send(self, data: bytes, *, text: bool, timeout: float = SEND_TIMEOUT_SECONDS) -> None:
        """Sends one message within `timeout` seconds; SocketClosed if the connection is gone
        or the peer took none of it for that long (the socket is then shut down: a message
        cut halfway leaves the stream unusable)."""
        opcode = websocket.ABNF.OPCODE_TEXT if text else websocket.ABNF.OPCODE_BINARY
        self._send_frame(websocket.ABNF.create_frame(data, opcode), timeout)

    def _send_frame(self, frame: websocket.ABNF, timeout: float) -> None:
        raw = memoryview(frame.format())
        deadline = time.monotonic() + timeout
        try:
            with self._ws.lock:  # websocket-client's own writers (pongs) take it too
                sock = self._ws.sock
                if sock is None:
                    raise SocketClosed(None, "socket is already closed")
                while raw:
                    left = deadline - time.monotonic()
                    writable = left > 0 and select.select([], [sock], [], left)[1]
                    if not writable:
                        self.abort()
                        raise SocketClosed(None, f"send timed out after {timeout} s")
                    raw = raw[sock.send(raw[:_SEND_CHUNK]) :]
        except (websocket.WebSocketException, OSError, ValueError) as exc:
            # ValueError: select() on a socket shut down and closed meanwhile
            self.abort()
            raise SocketClosed(None, f"{type(exc).__name__}: {exc}") from exc

    def close(self, code: int, reason: str = "") -> None:
        """Sends a close frame with `code` (best effort, within `CLOSE_TIMEOUT_SECONDS`) and
        shuts the socket down."""
        payload = struct.pack("!H", code) + reason.encode("utf-8")[:120]
        with contextlib.suppress(SocketClosed):
            frame = websocket.ABNF.create_frame(payload, websocket.ABNF.OPCODE_CLOSE)
            self._send_frame(frame, CLOSE_TIMEOUT_SECONDS)
        self.abort()

    def abort(self) -> None:
        """Shuts the socket down at once (no close frame); wakes a blocked reader."""
        sock = self._ws.sock
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def dispose(self) -> None:
        """Releases the socket once nobody reads it any more."""
        self.abort()
        with contextlib.suppress(Exception):
            self._ws.shutdown()


def _close_payload(data: bytes) -> tuple[int | None, str]:
    if len(data) < 2:
        return None, ""
    (code,) = struct.unpack("!H", data[:2])
    return code, data[2:].decode("utf-8", "replace")
