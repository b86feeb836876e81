"""The simulated Discord gateway: a real websocket server on loopback, scriptable from tests.

    server = GatewayServer(token, GatewayConfig(heartbeat_interval_ms=200)).start()
    ... connect a client to server.url ...
    server.wait_for_ready(timeout=5)
    server.dispatch("MESSAGE_CREATE", {...})  # to the shard that owns its guild_id
    server.stop()

Each accepted socket becomes a `GatewayConnection` (transport) whose client payloads go through
`GatewayRules` (Discord's rules). This module adds the listener, the scripting API (dispatches,
generated streams, RECONNECT, INVALID_SESSION, closes, dropped connections, raw bytes) and the
record with waits: every wait is on one Condition notified at each change, never a sleep.
"""

from __future__ import annotations

import selectors
import socket
import threading
from collections import deque
from collections.abc import Callable
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
    OP_IDENTIFY,
    OP_INVALID_SESSION,
    OP_RECONNECT,
    OP_RESUME,
)
from bot.testing.gateway_record import ConnectionInfo, MakeEvent, Received, Violation
from bot.testing.gateway_rules import GatewayRules, SimSession

__all__ = ["GatewayServer"]

log = structlog.get_logger(__name__)

# How many client payloads the record keeps (oldest dropped first), so a simulator that runs for
# days (`python -m bot simulate`) stays bounded.
RECORD_LIMIT = 200_000
DEFAULT_TIMEOUT = 10.0


class GatewayServer(GatewayRules):
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

    # -- the record --------------------------------------------------------------------------

    def received(self, op: int | None = None) -> list[Received]:
        """Every payload clients sent (optionally only opcode `op`), oldest first."""
        with self.lock:
            return [r for r in self._received if op is None or r.op == op]

    @property
    def violations(self) -> list[Violation]:
        with self.lock:
            return list(self._violations)

    @property
    def connections(self) -> list[ConnectionInfo]:
        with self.lock:
            return [conn.info for conn in self._connections if conn.info is not None]

    def wait_until(
        self, predicate: Callable[[], bool], timeout: float | None = DEFAULT_TIMEOUT
    ) -> bool:
        """Waits until `predicate()` holds (checked at every change); False on timeout.

        The predicate runs under the server's lock and may read any record or session.
        """
        with self.changed:
            return self.changed.wait_for(predicate, timeout)

    def wait_for_received(
        self,
        op: int,
        count: int = 1,
        timeout: float = DEFAULT_TIMEOUT,
        shard_id: int | None = None,
    ) -> Received:
        """Waits for the `count`-th payload with opcode `op`; returns it (TimeoutError if not)."""

        def matching() -> list[Received]:
            return [
                r
                for r in self._received
                if r.op == op and (shard_id is None or r.shard_id == shard_id)
            ]

        if not self.wait_until(lambda: len(matching()) >= count, timeout):
            raise TimeoutError(f"{len(matching())} of {count} payloads with op {op} in {timeout} s")
        with self.lock:
            return matching()[count - 1]

    def wait_for_ready(
        self,
        timeout: float = DEFAULT_TIMEOUT,
        *,
        shard_ids: list[int] | None = None,
        shard_count: int | None = None,
    ) -> list[SimSession]:
        """Waits until every shard is ready; returns their sessions by shard id.

        Ready means: the shard identified (or resumed) on an open connection and that
        connection has written READY and every GUILD_CREATE of the shard's guilds, so a dispatch
        sent now reaches the bot after its guilds. The shards waited for are `shard_ids`, else
        all `shard_count` of them, else all of `shard_count()` (the count the clients identified
        with, once one did; before that the count `GET /gateway/bot` recommends). Raises
        TimeoutError naming the shards that were not ready.
        """

        def wanted() -> list[int]:
            if shard_ids is not None:
                return list(shard_ids)
            return list(range(shard_count if shard_count is not None else self.shard_count()))

        def ready_session(shard_id: int) -> SimSession | None:
            for session in reversed(self.sessions.values()):
                if session.shard_id != shard_id or session.invalidated:
                    continue
                conn = session.connection
                if (
                    conn is not None
                    and conn.info is not None
                    and conn.info.closed_by is None
                    and conn.sent_seq >= session.ready_seq
                ):
                    return session
                return None
            return None

        def all_ready() -> bool:
            return all(ready_session(shard) is not None for shard in wanted())

        if not self.wait_until(all_ready, timeout):
            with self.lock:
                missing = [shard for shard in wanted() if ready_session(shard) is None]
            raise TimeoutError(f"shards {missing} not ready in {timeout} s")
        with self.lock:
            return [session for shard in wanted() if (session := ready_session(shard))]

    def wait_for_identify(
        self, timeout: float = DEFAULT_TIMEOUT, count: int = 1, shard_id: int | None = None
    ) -> Received:
        return self.wait_for_received(OP_IDENTIFY, count, timeout, shard_id)

    def wait_for_resume(
        self, timeout: float = DEFAULT_TIMEOUT, count: int = 1, shard_id: int | None = None
    ) -> Received:
        return self.wait_for_received(OP_RESUME, count, timeout, shard_id)

    def wait_for_heartbeats(
        self, count: int, timeout: float = DEFAULT_TIMEOUT, shard_id: int | None = None
    ) -> Received:
        return self.wait_for_received(OP_HEARTBEAT, count, timeout, shard_id)

    def wait_for_connections(self, count: int, timeout: float = DEFAULT_TIMEOUT) -> ConnectionInfo:
        """Waits until `count` connections were opened; returns the `count`-th."""
        if not self.wait_until(lambda: len(self._connections) >= count, timeout):
            raise TimeoutError(f"{len(self._connections)} of {count} connections in {timeout} s")
        return self.connections[count - 1]

    def wait_for_close(self, count: int = 1, timeout: float = DEFAULT_TIMEOUT) -> ConnectionInfo:
        """Waits until `count` connections have ended; returns the `count`-th to end."""

        def closed() -> list[ConnectionInfo]:
            infos = [c.info for c in self._connections if c.info and c.info.closed_at]
            return sorted(infos, key=lambda info: info.closed_at or 0.0)

        if not self.wait_until(lambda: len(closed()) >= count, timeout):
            raise TimeoutError(f"{len(closed())} of {count} connections closed in {timeout} s")
        with self.lock:
            return closed()[count - 1]

    def wait_for_violation(self, kind: str, timeout: float = DEFAULT_TIMEOUT) -> Violation:
        def found() -> list[Violation]:
            return [v for v in self._violations if v.kind == kind]

        if not self.wait_until(lambda: bool(found()), timeout):
            raise TimeoutError(f"no {kind} violation in {timeout} s")
        with self.lock:
            return found()[0]

    def wait_for_sent(self, seq: int, shard_id: int = 0, timeout: float = DEFAULT_TIMEOUT) -> None:
        """Waits until shard `shard_id`'s connection has written dispatch `seq` to its socket."""

        def sent() -> bool:
            # Only a connection that is still open: a closed one of an earlier client may have
            # sent this seq of its own (older) session.
            return any(
                c.session is not None
                and c.session.shard_id == shard_id
                and c.session.connection is c
                and c.info is not None
                and c.info.closed_by is None
                and c.sent_seq >= seq
                for c in self._connections
            )

        if not self.wait_until(sent, timeout):
            raise TimeoutError(f"dispatch {seq} of shard {shard_id} not sent in {timeout} s")
