"""The simulated Discord gateway: a real websocket server on loopback, scriptable from tests.

    server = GatewayServer(token, GatewayConfig(heartbeat_interval_ms=200)).start()
    ... connect a client to server.url ...
    server.wait_for_ready(timeout=5)
    server.dispatch("MESSAGE_CREATE", {...})  # to the shard that owns its guild_id
    server.stop()

Each accepted socket becomes a `GatewayConnection` (transport) whose client payloads go through
`GatewayRules` (Discord's rules). This module adds the listener and the scripting API
(dispatches, generated streams, RECONNECT, INVALID_SESSION, closes, dropped connections, raw
bytes); the record with its waits is `bot.testing.gateway_waits.GatewayRecord` (every wait is on
one Condition notified at each change, never a sleep).
"""

from __future__ import annotations

import selectors
import socket
import threading
from collections import deque
from typing import Any

import structlog

from bot.gateway.intents import Intents
from bot.testing.gateway_config import GatewayConfig
from bot.testing.gateway_connection import (
    GatewayConnection,
    Outbound,
    Payload,
    RawBytes,
    TcpDrop,
)
from bot.testing.gateway_intents import intent_allows, visible_message
from bot.testing.gateway_opcodes import (
    OP_HEARTBEAT,
    OP_INVALID_SESSION,
    OP_RECONNECT,
)
from bot.testing.gateway_record import MakeEvent, Received, RefusedSend, Violation
from bot.testing.gateway_rules import GatewayRules
from bot.testing.gateway_sessions import SimSession
from bot.testing.gateway_waits import GatewayRecord

__all__ = ["GatewayServer"]

log = structlog.get_logger(__name__)

# How many client payloads the record keeps (oldest dropped first), so a simulator that runs for
# days (`python -m bot simulate`) stays bounded.
RECORD_LIMIT = 200_000


class GatewayServer(GatewayRecord, GatewayRules):
    """Discord's gateway on 127.0.0.1: `start()`, `url`, the scripting API, the record, `stop()`."""

    def __init__(
        self,
        token: str,
        config: GatewayConfig | None = None,
        *,
        rest: Any = None,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.token = token
        self.config = config if config is not None else GatewayConfig()
        self.rest = rest
        self.lock = threading.RLock()
        self.changed = threading.Condition(self.lock)
        self.sessions: dict[str, SimSession] = {}
        self._received: deque[Received] = deque(maxlen=RECORD_LIMIT)
        self._violations: list[Violation] = []
        self._refused: list[RefusedSend] = []
        self._connections: list[GatewayConnection] = []
        self._identify_times: dict[int, float] = {}
        self._all_members_at: dict[int, float] = {}
        self._host, self._port = host, port
        self._listener: socket.socket | None = None
        self._wakeup_r, self._wakeup_w = socket.socketpair()
        self._accept_thread: threading.Thread | None = None
        self._next_connection_id = 1

    def __repr__(self) -> str:
        return f"<GatewayServer url={self.url if self._listener else None!r}>"

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> GatewayServer:
        """Listens on a free port and starts accepting; returns self."""
        if self._listener is not None:
            raise RuntimeError("the gateway simulator is already started")
        listener = socket.create_server((self._host, self._port))
        self._listener = listener
        self._accept_thread = threading.Thread(
            target=self._accept_loop, name="fake-gateway-accept", daemon=True
        )
        self._accept_thread.start()
        log.debug("fake_gateway.started", url=self.url)
        return self

    def stop(self) -> None:
        """Stops accepting, drops every connection and waits for their threads; idempotent."""
        listener, self._listener = self._listener, None
        if listener is None:
            return
        self._wakeup_w.send(b"x")
        if self._accept_thread is not None:
            self._accept_thread.join(5)
        listener.close()
        with self.lock:
            connections = list(self._connections)
        for conn in connections:
            conn.abort()
        for conn in connections:
            conn.join(5)
        self._wakeup_r.close()
        self._wakeup_w.close()
        log.debug("fake_gateway.stopped")

    @property
    def port(self) -> int:
        if self._listener is None:
            raise RuntimeError("the gateway simulator is not started")
        return int(self._listener.getsockname()[1])

    @property
    def url(self) -> str:
        """The gateway URL without query, e.g. `ws://127.0.0.1:41234`."""
        return f"ws://{self._host}:{self.port}"

    def _accept_loop(self) -> None:
        assert self._listener is not None
        selector = selectors.DefaultSelector()
        selector.register(self._listener, selectors.EVENT_READ)
        selector.register(self._wakeup_r, selectors.EVENT_READ)
        with selector:
            while True:
                ready = [key.fileobj for key, _ in selector.select()]
                if self._wakeup_r in ready or self._listener is None:
                    return
                try:
                    sock, _address = self._listener.accept()
                except OSError:
                    continue
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                with self.lock:
                    connection_id = self._next_connection_id
                    self._next_connection_id += 1
                GatewayConnection(self, sock, connection_id).start()

    # -- scripting ---------------------------------------------------------------------------

    def session(self, shard_id: int = 0) -> SimSession:
        """The newest live session of shard `shard_id`; LookupError if it has none."""
        with self.lock:
            for session in reversed(self.sessions.values()):
                if session.shard_id == shard_id and not session.invalidated:
                    return session
        raise LookupError(f"no live session for shard {shard_id}")

    def shard_count(self) -> int:
        """How many shards the clients run: the newest live session's count, else the count
        `GET /gateway/bot` recommends (1 without a REST side)."""
        with self.lock:
            for session in reversed(self.sessions.values()):
                if not session.invalidated:
                    return session.num_shards
        return int(getattr(self.rest, "shards", 1) or 1)

    def shard_for_guild(self, guild_id: int | str) -> int:
        """The shard that owns guild `guild_id`, by Discord's formula
        `(guild_id >> 22) % num_shards`.

        https://discord.com/developers/docs/events/gateway#sharding
        """
        return (int(guild_id) >> 22) % self.shard_count()

    def dispatch(self, name: str, data: Any, shard_id: int | None = None) -> int:
        """Sends one dispatch to a shard's session; returns its sequence number.

        Without `shard_id` it goes where Discord would send it: to the shard that owns
        `data["guild_id"]` (`shard_for_guild`), or to shard 0 for an event without a guild (a DM).
        A client that is away gets it on RESUME, as with Discord. Intents apply as on Discord
        (`bot.testing.gateway_intents`): a dispatch the session's intents exclude is not sent
        (0 is returned), and without MESSAGE_CONTENT a message's content fields arrive empty.
        """
        if shard_id is None:
            guild_id = data.get("guild_id") if isinstance(data, dict) else None
            shard_id = self.shard_for_guild(guild_id) if guild_id is not None else 0
        with self.lock:
            intents = self.session(shard_id).intents
            if not intent_allows(intents, name, data):
                log.debug("fake_gateway.dispatch_filtered", dispatch=name, shard=shard_id)
                return 0
            shown = visible_message(intents, str(self.config.world.bot_user_id), name, data)
            return self.stream(1, lambda _index: (name, shown), shard_id)[0]

    def stream(self, count: int, make: MakeEvent, shard_id: int = 0) -> range:
        """Sends `count` dispatches built by `make(index) -> (name, data)`; returns their seqs."""
        with self.lock:
            session = self.session(shard_id)
            seqs = session.log.extend(count, make)
            if session.connection is not None:
                session.connection.wake()
            self.changed.notify_all()
            return seqs

    def stream_messages(self, count: int, shard_id: int = 0, first: int = 0) -> range:
        """Sends `count` MESSAGE_CREATEs (numbers first, first+1, ...) in the shard's guilds."""
        world = self.config.world
        session = self.session(shard_id)
        guild_ids = world.guild_ids(shard_id, session.num_shards)
        if not guild_ids:
            raise LookupError(f"shard {shard_id} has no guilds in the simulated world")
        if not session.intents & Intents.GUILD_MESSAGES:
            return range(0)
        bot_id = str(world.bot_user_id)
        content = bool(session.intents & Intents.MESSAGE_CONTENT)

        def make(index: int) -> tuple[str, Any]:
            number = first + index
            message = world.message_create(number, guild_ids[number % len(guild_ids)])
            if not content:
                message = visible_message(session.intents, bot_id, "MESSAGE_CREATE", message)
            return "MESSAGE_CREATE", message

        return self.stream(count, make, shard_id)

    def reconnect(self, shard_id: int | None = 0) -> None:
        """Sends RECONNECT (op 7): the client should resume on a new connection."""
        self._send(shard_id, Payload({"op": OP_RECONNECT, "d": None, "s": None, "t": None}))

    def invalidate_session(self, resumable: bool, shard_id: int | None = 0) -> None:
        """Sends INVALID_SESSION with `d = resumable`; a non-resumable session is forgotten."""
        with self.lock:
            conn = self._connection(shard_id)
            if not resumable and conn.session is not None:
                conn.session.invalidated = True
                self.sessions.pop(conn.session.session_id, None)
            frame = {"op": OP_INVALID_SESSION, "d": resumable, "s": None, "t": None}
            conn.send(Payload(frame))

    def request_heartbeat(self, shard_id: int | None = 0) -> None:
        """Asks the client for a heartbeat now (op 1 from the server)."""
        self._send(shard_id, Payload({"op": OP_HEARTBEAT, "d": None, "s": None, "t": None}))

    def close(self, code: int, reason: str = "", shard_id: int | None = 0) -> None:
        """Closes the shard's connection with any close code (RFC 6455 sendable codes)."""
        if not (
            code in (1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011) or 3000 <= code <= 4999
        ):
            raise ValueError(f"close code {code} cannot be sent in a close frame")
        with self.lock:
            self._close(self._connection(shard_id), code, reason)

    def drop(self, shard_id: int | None = 0) -> None:
        """Drops the shard's TCP connection without a close frame."""
        with self.lock:
            conn = self._connection(shard_id)
            info = conn.info
            assert info is not None
            if info.closed_by is None:
                info.closed_by = "drop"
            conn.streaming = False
            conn.send(TcpDrop())

    def send_payload(self, payload: Any, shard_id: int | None = 0) -> None:
        """Sends any payload (an unknown opcode, missing fields...), encoded and compressed."""
        self._send(shard_id, Payload(payload))

    def send_raw(self, data: bytes, *, compress: bool = False, shard_id: int | None = 0) -> None:
        """Sends bytes as one binary message: as they are, or through the stream compressor."""
        self._send(shard_id, RawBytes(data, compress))

    def set_ack_heartbeats(self, enabled: bool) -> None:
        """Turns heartbeat ACKs on or off (off makes every connection a zombie)."""
        with self.lock:
            self.config.ack_heartbeats = enabled

    def _send(self, shard_id: int | None, item: Outbound) -> None:
        with self.lock:
            self._connection(shard_id).send(item)

    def _connection(self, shard_id: int | None) -> GatewayConnection:
        """The newest open connection of shard `shard_id` (any shard if None)."""
        with self.lock:
            for conn in reversed(self._connections):
                info = conn.info
                if conn.finished or info is None or info.closed_by is not None:
                    continue
                if shard_id is None or info.shard_id == shard_id:
                    return conn
        raise LookupError(f"no open connection for shard {shard_id}")
