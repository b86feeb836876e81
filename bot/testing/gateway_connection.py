"""One websocket connection to the simulated gateway: the transport, apart from Discord's rules.

It speaks websocket through the sans-IO `websockets.server.ServerProtocol` over a plain socket,
with two threads:

- the reader reads the socket, feeds the protocol and hands every complete message to the
  server's rules (`GatewayServer.on_message`) at once, so a client heartbeat is recorded when it
  arrives even while the writer is blocked on a full socket (a client that is not reading);
- the writer is the only thread that writes to the socket. It sends, in this order: what the
  protocol itself must send (pongs, the close reply), control payloads (HELLO, ACK, RECONNECT,
  INVALID_SESSION, closes, raw bytes), then the session's dispatches one by one. All encoding and
  compression happen on this thread, so the stream's compression context sees frames in wire
  order. It also notices a client heartbeat that is late.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

import structlog
from websockets.exceptions import InvalidState, ProtocolError
from websockets.frames import Close, Frame, Opcode
from websockets.http11 import Request
from websockets.server import ServerProtocol

from bot.testing.gateway_record import ConnectionInfo
from bot.testing.gateway_wire import ServerWire, UnencodableError, WireError

if TYPE_CHECKING:
    from bot.testing.gateway_server import GatewayServer

__all__ = ["GatewayConnection", "Payload", "RawBytes", "ServerClose", "TcpDrop"]

log = structlog.get_logger(__name__)

RECV_BUFSIZE = 65536
# Client messages past this are cut by the websocket layer (close 1009); Discord's own limit,
# 4096 bytes, is checked by the rules so the violation is recorded.
MAX_CLIENT_MESSAGE = 1 << 20


@dataclass(frozen=True, slots=True)
class Payload:
    """A gateway payload to encode (and compress) and send."""

    payload: dict[str, Any]


@dataclass(frozen=True, slots=True)
class RawBytes:
    """Bytes sent as one binary message as they are, or through the stream compressor."""

    data: bytes
    compress: bool


@dataclass(frozen=True, slots=True)
class ServerClose:
    """A close frame with `code`; the TCP connection is dropped if the client does not answer."""

    code: int
    reason: str


@dataclass(frozen=True, slots=True)
class TcpDrop:
    """Drop the TCP connection with no close frame."""


Outbound = Payload | RawBytes | ServerClose | TcpDrop


class GatewayConnection:
    """A client's connection: its socket, websocket protocol, threads and gateway state.

    The fields under "gateway state" belong to the server's rules and are guarded by the
    server's lock.
    """

    def __init__(self, server: GatewayServer, sock: socket.socket, connection_id: int) -> None:
        self.server = server
        self.id = connection_id
        self._sock = sock
        self._protocol = ServerProtocol(max_size=MAX_CLIENT_MESSAGE)
        self._protocol_lock = threading.Lock()
        self._wake = threading.Condition()
        self._outbox: deque[Outbound] = deque()
        self._flush = False
        self._finished = False
        self._close_deadline: float | None = None
        self._fragments: list[bytes] = []
        self.wire: ServerWire | None = None
        self.info: ConnectionInfo | None = None
        # -- gateway state (server lock) --
        self.session: Any = None
        self.sent_seq = 0
        self.streaming = False
        self.identified = False
        self.hello_at: float | None = None
        self.last_heartbeat_at: float | None = None
        self.late_reported = False
        self.send_times: deque[float] = deque()
        self.last_sequence_acked: int | None = None
        self._reader = threading.Thread(
            target=self._read_loop, name=f"fake-gateway-read-{connection_id}", daemon=True
        )
        self._writer = threading.Thread(
            target=self._write_loop, name=f"fake-gateway-write-{connection_id}", daemon=True
        )

    def start(self) -> None:
        self._reader.start()

    def join(self, timeout: float) -> None:
        self._reader.join(timeout)
        if self._writer.is_alive():
            self._writer.join(timeout)

    # -- what the rules call (any thread) ----------------------------------------------------

    def send(self, item: Outbound) -> None:
        """Queues a control item; it goes out before any further dispatch."""
        with self._wake:
            if not self._finished:
                self._outbox.append(item)
                self._wake.notify_all()

    def wake(self) -> None:
        """Tells the writer that something changed (a new dispatch, a heartbeat)."""
        with self._wake:
            self._wake.notify_all()

    def abort(self) -> None:
        """Closes the socket at once (server shutdown)."""
        with contextlib.suppress(OSError):
            self._sock.shutdown(socket.SHUT_RDWR)
        self.wake()

    @property
    def finished(self) -> bool:
        return self._finished

    # -- reader ------------------------------------------------------------------------------

    def _read_loop(self) -> None:
        try:
            if not self._handshake():
                return
            self._writer.start()
            self.server.on_open(self)
            while True:
                data = self._sock.recv(RECV_BUFSIZE)
                with self._protocol_lock:
                    if data:
                        self._protocol.receive_data(data)
                    else:
                        self._protocol.receive_eof()
                    events = self._protocol.events_received()
                    pending = bool(self._protocol.writes)
                if pending:
                    with self._wake:
                        self._flush = True
                        self._wake.notify_all()
                for event in events:
                    if isinstance(event, Frame):
                        self._on_frame(event)
                if not data:
                    break
        except OSError:
            pass
        except Exception:
            log.exception("fake_gateway.reader_failed", connection=self.id)
        finally:
            self._finish()

    def _handshake(self) -> bool:
        request: Request | None = None
        while request is None:
            data = self._sock.recv(RECV_BUFSIZE)
            if not data:
                return False
            self._protocol.receive_data(data)
            for event in self._protocol.events_received():
                if isinstance(event, Request):
                    request = event
            if self._protocol.handshake_exc is not None:
                self._sendall(self._protocol.data_to_send())
                return False
        query = parse_qs(urlsplit(request.path).query)
        encoding = query.get("encoding", ["json"])[0]
        compress = query.get("compress", [None])[0]
        version = query.get("v", ["10"])[0]
        try:
            self.wire = ServerWire(encoding, compress)
        except WireError as exc:
            response = self._protocol.reject(400, f"{exc}\n")
            self._protocol.send_response(response)
            self._sendall(self._protocol.data_to_send())
            return False
        response = self._protocol.accept(request)
        self._protocol.send_response(response)
        self._sendall(self._protocol.data_to_send())
        if response.status_code != 101:
            return False
        self.info = ConnectionInfo(self.id, encoding, compress, time.monotonic(), request.path)
        self.version = version
        return True

    def _on_frame(self, frame: Frame) -> None:
        if frame.opcode in (Opcode.TEXT, Opcode.BINARY, Opcode.CONT):
            self._fragments.append(bytes(frame.data))
            if not frame.fin:
                return
            message, self._fragments = b"".join(self._fragments), []
            self.server.on_message(self, message, text=frame.opcode == Opcode.TEXT)
        elif frame.opcode == Opcode.CLOSE:
            close = Close.parse(bytes(frame.data)) if frame.data else None
            self.server.on_client_close(self, close.code if close else None)

    def _finish(self) -> None:
        with self._wake:
            self._finished = True
            self._outbox.clear()
            self._wake.notify_all()
        with contextlib.suppress(OSError):
            self._sock.close()
        if self.info is not None:
            self.server.on_closed(self)

    # -- writer ------------------------------------------------------------------------------

    def _write_loop(self) -> None:
        try:
            while True:
                item = self._next_item()
                if item is None:
                    return
                if isinstance(item, TcpDrop):
                    self._drop()
                    return
                chunks = self._render(item)
                self._sendall(chunks)
        except OSError:
            pass
        except Exception:
            log.exception("fake_gateway.writer_failed", connection=self.id)
        finally:
            self._drop()

    def _next_item(self) -> Outbound | dict[str, Any] | bool | None:
        """Waits for the next thing to write: True means only flush the protocol's bytes."""
        while True:
            with self._wake:
                if self._finished:
                    return None
                if self._flush:
                    self._flush = False
                    return True
                if self._outbox:
                    return self._outbox.popleft()
                if self._close_deadline is not None and time.monotonic() >= self._close_deadline:
                    return TcpDrop()
            dispatch = self.server.next_dispatch(self)
            if dispatch is not None:
                return dispatch
            deadline = self.server.heartbeat_deadline(self)
            with self._wake:
                if self._finished or self._flush or self._outbox:
                    continue
                timeout = None
                for when in (deadline, self._close_deadline):
                    if when is not None:
                        left = max(when - time.monotonic(), 0.0)
                        timeout = left if timeout is None else min(timeout, left)
                if timeout is None or timeout > 0:
                    self._wake.wait(timeout)
            if deadline is not None and time.monotonic() >= deadline:
                self.server.on_heartbeat_late(self)

    def _render(self, item: Outbound | dict[str, Any] | bool) -> list[bytes]:
        assert self.wire is not None
        data: bytes | None = None
        text = False
        if isinstance(item, dict):
            try:
                data, text = self.wire.encode(item)
            except UnencodableError as exc:
                # Refused once and recorded; the session never replays it (a writer that
                # died here would die again on every RESUME).
                self.server.on_unencodable(self, item, str(exc))
                return []
        elif isinstance(item, Payload):
            data, text = self.wire.encode(item.payload)
        elif isinstance(item, RawBytes):
            data = self.wire.compress(item.data) if item.compress else item.data
        with self._protocol_lock:
            try:
                if data is not None:
                    if text:
                        self._protocol.send_text(data)
                    else:
                        self._protocol.send_binary(data)
                elif isinstance(item, ServerClose):
                    self._protocol.send_close(item.code, item.reason)
                    with self._wake:
                        self._close_deadline = time.monotonic() + self.server.config.close_timeout
            except (InvalidState, ProtocolError):
                pass  # the connection is closing: nothing more goes out
            return self._protocol.data_to_send()

    def _sendall(self, chunks: list[bytes]) -> None:
        for chunk in chunks:
            if chunk:
                self._sock.sendall(chunk)
            else:
                # The protocol's end of stream: the close handshake is done on our side.
                with contextlib.suppress(OSError):
                    self._sock.shutdown(socket.SHUT_WR)
                with self._wake:
                    self._close_deadline = time.monotonic() + self.server.config.close_timeout

    def _drop(self) -> None:
        with contextlib.suppress(OSError):
            self._sock.shutdown(socket.SHUT_RDWR)
