"""Writes to the gateway socket: bounded by a timeout, and never under the shard's state lock
(the reader needs that lock for every frame, the actor for every command)."""

from __future__ import annotations

import base64
import hashlib
import socket
import threading
import time
from collections import deque
from collections.abc import Iterator
from typing import Any

import pytest
import structlog

from actors.shard_sender import ShardSender
from actors.shard_socket import GatewaySocket, SocketClosed
from bot.gateway.codecs import JsonCodec
from bot.gateway.session import SessionState

WAIT = 10.0
_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"  # RFC 6455, section 1.3


@pytest.fixture
def deaf_server() -> Iterator[tuple[str, threading.Event]]:
    """A websocket server that completes the upgrade, then never reads a byte (tiny buffers)."""
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    done = threading.Event()
    accepted: list[socket.socket] = []

    def serve() -> None:
        conn, _ = listener.accept()
        accepted.append(conn)
        request = b""
        while b"\r\n\r\n" not in request:
            request += conn.recv(4096)
        key = next(
            line.split(b":", 1)[1].strip()
            for line in request.split(b"\r\n")
            if line.lower().startswith(b"sec-websocket-key")
        )
        accept = base64.b64encode(hashlib.sha1(key + _GUID).digest())
        conn.sendall(
            b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
            b"Connection: Upgrade\r\nSec-WebSocket-Accept: " + accept + b"\r\n\r\n"
        )
        done.wait(WAIT)  # reads nothing more

    thread = threading.Thread(target=serve, name="deaf-server", daemon=True)
    thread.start()
    yield f"ws://127.0.0.1:{listener.getsockname()[1]}", done
    done.set()
    thread.join(WAIT)
    for conn in accepted:
        conn.close()
    listener.close()


def test_a_send_to_a_peer_that_reads_nothing_ends_at_its_timeout(
    deaf_server: tuple[str, threading.Event],
) -> None:
    url, _done = deaf_server
    sock = GatewaySocket.open(url)
    try:
        started = time.monotonic()
        with pytest.raises(SocketClosed, match="timed out"):
            for _ in range(100_000):  # fills both buffers, then waits for room: 0.3 s at most
                sock.send(b"x" * 1024, text=False, timeout=0.3)
        blocked = time.monotonic() - started
        assert blocked < 0.3 + 2.0, blocked  # the last send waited its 0.3 s, no longer
        with pytest.raises(SocketClosed):  # shut down: a message cut halfway spoils the stream
            sock.send(b"after", text=False, timeout=0.3)
    finally:
        sock.dispose()


class BlockingSocket:
    """A socket whose send blocks until `gate` opens (a peer that stopped reading)."""

    def __init__(self) -> None:
        self.entered = threading.Event()
        self.gate = threading.Event()
        self.sent: list[bytes] = []

    def send(self, data: bytes, *, text: bool, timeout: float = WAIT) -> None:
        self.entered.set()
        self.gate.wait(WAIT)
        self.sent.append(data)

    def close(self, code: int, reason: str = "") -> None:
        self.sent.append(f"close {code}".encode())

    def abort(self) -> None:
        self.gate.set()


class _Gateway:
    status = SessionState.CONNECTED

    def next_deadline(self) -> float | None:
        return None


class Sender(ShardSender):
    """The sending half alone, on a socket that blocks."""

    def __init__(self, sock: BlockingSocket) -> None:
        self.shard_id = 0
        self._lock = threading.RLock()
        self._cond = threading.Condition(self._lock)
        self._stopping = threading.Event()
        self._gateway: Any = _Gateway()
        self._socket: Any = sock
        self._queue = deque()
        self._outbox = deque()
        self._codec = JsonCodec()
        self._log = structlog.get_logger("test")


def test_a_blocked_write_does_not_hold_the_state_lock() -> None:
    sock = BlockingSocket()
    sender = Sender(sock)
    ticker = threading.Thread(target=sender._ticker_main, name="test-ticker")
    ticker.start()
    writer_done = threading.Event()

    def reader_sends_a_heartbeat() -> None:  # what the reader does for an op 1, under the lock
        with sender._lock:
            sender._write(b'{"op":1}')
        writer_done.set()

    writer = threading.Thread(target=reader_sends_a_heartbeat, name="test-writer")
    writer.start()
    try:
        assert sock.entered.wait(WAIT), "nothing was written"
        # the write is stuck in the socket, and yet: the writer went on, the lock is free
        assert writer_done.wait(WAIT)
        assert sender._lock.acquire(timeout=WAIT)
        sender._lock.release()
    finally:
        sock.gate.set()
        with sender._cond:
            sender._stopping.set()
            sender._cond.notify_all()
        writer.join(WAIT)
        ticker.join(WAIT)
    assert sock.sent == [b'{"op":1}'] and not ticker.is_alive()
