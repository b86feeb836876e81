"""Discord's gateway rules, as the simulator enforces them on every client payload.

`GatewayRules` is the half of `GatewayServer` that answers clients: HELLO, heartbeats and ACKs,
zombie connections, the send limit (4008), the payload size limit (4002), unknown opcodes and
commands before IDENTIFY, and what the writer asks (the next dispatch, a dispatch it could not
encode). IDENTIFY, READY and RESUME are `bot.testing.gateway_sessions`; request guild members,
presence and voice updates `bot.testing.gateway_commands`. Every broken rule is recorded as a
`Violation`.
All of it runs under the server's lock.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from typing import Any

import structlog

from bot.testing.gateway_commands import GatewayCommands
from bot.testing.gateway_config import GatewayConfig
from bot.testing.gateway_connection import GatewayConnection, Payload, ServerClose
from bot.testing.gateway_opcodes import (
    OP_ACK,
    OP_CHANNEL_INFO,
    OP_DISPATCH,
    OP_HEARTBEAT,
    OP_HELLO,
    OP_IDENTIFY,
    OP_MEMBERS,
    OP_PRESENCE,
    OP_RESUME,
    OP_SOUNDBOARD,
    OP_VOICE,
    frame,
)
from bot.testing.gateway_record import Received, RefusedSend, Violation
from bot.testing.gateway_sessions import GatewaySessions, SimSession, connection_info, shard_of
from bot.testing.gateway_wire import WireError

__all__ = ["GatewayRules"]

log = structlog.get_logger(__name__)

# https://discord.com/developers/docs/events/gateway#sending-heartbeats : a connection that
# fails to heartbeat is closed and the client must resume; 4000 is "unknown error, reconnect".
ZOMBIE_CLOSE_CODE = 4000
# https://discord.com/developers/docs/reference#api-versioning : 10 and 9 are available.
SUPPORTED_VERSIONS = ("9", "10")


class GatewayRules(GatewayCommands, GatewaySessions):
    """Handles what clients send; mixed into `GatewayServer`, which owns the fields below.

    The commands of an identified client (presence, voice, members, ...) are `GatewayCommands`.
    """

    config: GatewayConfig
    token: str
    rest: Any
    lock: threading.RLock
    changed: threading.Condition
    sessions: dict[str, SimSession]
    _received: deque[Received]
    _violations: list[Violation]
    _refused: list[RefusedSend]
    _connections: list[GatewayConnection]
    _identify_times: dict[int, float]
    _all_members_at: dict[int, float]

    @property
    def url(self) -> str:
        raise NotImplementedError

    # -- connection lifecycle (called by GatewayConnection) ----------------------------------

    def on_open(self, conn: GatewayConnection) -> None:
        assert conn.info is not None
        with self.lock:
            self._connections.append(conn)
            conn.hello_at = time.monotonic()
            self.changed.notify_all()
        if getattr(conn, "version", "10") not in SUPPORTED_VERSIONS:
            with self.lock:
                self._violate(conn, "invalid_api_version", 4012, f"v={conn.version}")
            return
        interval = self.config.heartbeat_interval_ms
        conn.send(Payload(frame(OP_HELLO, {"heartbeat_interval": interval})))

    def on_client_close(self, conn: GatewayConnection, code: int | None) -> None:
        with self.lock:
            info = connection_info(conn)
            if info.closed_by is None:
                info.closed_by, info.close_code = "client", code
                session = conn.session
                # https://discord.com/developers/docs/events/gateway#initiating-a-disconnect
                if code in (1000, 1001) and session is not None:
                    session.invalidated = True
                    self.sessions.pop(session.session_id, None)
            self.changed.notify_all()

    def on_closed(self, conn: GatewayConnection) -> None:
        with self.lock:
            info = connection_info(conn)
            info.closed_at = time.monotonic()
            if info.closed_by is None:
                info.closed_by = "drop"
            session = conn.session
            if session is not None and session.connection is conn:
                session.connection = None
            conn.streaming = False
            self.changed.notify_all()

    # -- what the writer asks ----------------------------------------------------------------

    def next_dispatch(self, conn: GatewayConnection) -> dict[str, Any] | None:
        """The next dispatch the connection should send, or None."""
        with self.lock:
            session = conn.session
            if not conn.streaming or session is None or session.connection is not conn:
                return None
            while True:
                if conn.sent_seq >= session.log.last_seq:
                    return None
                conn.sent_seq += 1
                if conn.sent_seq in session.refused:
                    continue
                if session.resumed_for.get(conn.sent_seq, conn.id) == conn.id:
                    break
            seq = conn.sent_seq
            make, index = session.log.maker(seq)
            self.changed.notify_all()
        name, data = make(index)
        return {"op": OP_DISPATCH, "t": name, "s": seq, "d": data}

    def on_unencodable(self, conn: GatewayConnection, payload: dict[str, Any], error: str) -> None:
        """Records a dispatch the connection's encoding cannot carry; the session skips it."""
        with self.lock:
            session = conn.session
            seq, event = int(payload.get("s") or 0), str(payload.get("t"))
            if session is not None:
                session.refused.add(seq)
            shard_id = session.shard_id if session is not None else None
            encoding = connection_info(conn).encoding
            refused = RefusedSend(conn.id, shard_id, time.monotonic(), seq, event, encoding, error)
            self._refused.append(refused)
            self.changed.notify_all()
        log.warning(
            "fake_gateway.dispatch_refused",
            connection=conn.id,
            seq=seq,
            dispatch=event,
            error=error,
        )

    def heartbeat_deadline(self, conn: GatewayConnection) -> float | None:
        with self.lock:
            return self._heartbeat_deadline(conn)

    def on_heartbeat_late(self, conn: GatewayConnection) -> None:
        with self.lock:
            deadline = self._heartbeat_deadline(conn)
            if deadline is None or time.monotonic() < deadline:
                return
            if not conn.late_reported:
                conn.late_reported = True
                self._record_violation(conn, "heartbeat_late", "no heartbeat within the interval")
                return
            # Silent past the zombie deadline: Discord closes a connection that fails to
            # heartbeat, and the client must RESUME (the session stays). The docs name no code;
            # 4000 (unknown error, reconnect) is the documented one that implies no cause and
            # no new session (docs/simulator.md, "As Discord does it").
            self._violate(conn, "zombie", ZOMBIE_CLOSE_CODE, "no heartbeat in time")

    def _heartbeat_deadline(self, conn: GatewayConnection) -> float | None:
        info = connection_info(conn)
        if conn.hello_at is None or info.closed_by is not None:
            return None
        last = conn.last_heartbeat_at or conn.hello_at
        interval = self.config.heartbeat_interval_ms / 1000
        if not conn.late_reported:
            return last + interval + self.config.heartbeat_grace
        zombie = self.config.zombie_after_intervals
        if zombie is None:
            return None
        return last + interval * zombie + self.config.heartbeat_grace

    # -- client payloads ---------------------------------------------------------------------

    def on_message(self, conn: GatewayConnection, message: bytes, *, text: bool) -> None:
        now = time.monotonic()
        assert conn.wire is not None
        error: str | None = None
        try:
            payload = conn.wire.decode(message, text)
        except WireError as exc:
            payload, error = None, str(exc)
        else:
            if not isinstance(payload, dict):
                error = "payload is not an object"
        op = payload.get("op") if isinstance(payload, dict) else None
        data = payload.get("d") if isinstance(payload, dict) else None
        with self.lock:
            shard_id = conn.session.shard_id if conn.session is not None else None
            if op == OP_IDENTIFY and isinstance(data, dict):
                shard_id = shard_of(data.get("shard"))[0]
            elif op == OP_RESUME and isinstance(data, dict):
                resumed = self.sessions.get(str(data.get("session_id")))
                shard_id = resumed.shard_id if resumed is not None else shard_id
            self._received.append(Received(conn.id, shard_id, now, op, data, len(message)))
            try:
                if connection_info(conn).closed_by is None:
                    self._apply(conn, op, data, len(message), error, now)
            finally:
                self.changed.notify_all()

    def _apply(
        self, conn: GatewayConnection, op: Any, data: Any, size: int, error: str | None, now: float
    ) -> None:
        window = conn.send_times
        window.append(now)
        while window and window[0] <= now - self.config.send_window:
            window.popleft()
        if len(window) > self.config.send_limit:
            detail = f"{len(window)} sends in {self.config.send_window} s"
            return self._violate(conn, "rate_limited", 4008, detail)
        if size > self.config.max_payload_bytes:
            return self._violate(conn, "payload_too_large", 4002, f"{size} bytes")
        if error is not None or not isinstance(op, int):
            return self._violate(conn, "decode_error", 4002, error or "no integer op")
        handler = _HANDLERS.get(op)
        if handler is None:
            return self._violate(conn, "unknown_opcode", 4001, f"op {op}")
        if op not in (OP_HEARTBEAT, OP_IDENTIFY, OP_RESUME) and not conn.identified:
            return self._violate(conn, "not_authenticated", 4003, f"op {op} before IDENTIFY")
        handler(self, conn, data, now)

    def _heartbeat(self, conn: GatewayConnection, data: Any, now: float) -> None:
        last = conn.last_heartbeat_at or conn.hello_at or now
        limit = self.config.heartbeat_interval_ms / 1000 + self.config.heartbeat_grace
        if now - last > limit and not conn.late_reported:
            self._record_violation(conn, "heartbeat_late", f"{now - last:.3f} s since the last")
        conn.last_heartbeat_at = now
        conn.late_reported = False
        connection_info(conn).heartbeats.append(now)
        if isinstance(data, int):
            conn.last_sequence_acked = data
        if self.config.ack_heartbeats:
            conn.send(Payload(frame(OP_ACK, None)))
        conn.wake()

    # -- helpers -----------------------------------------------------------------------------

    def _violate(self, conn: GatewayConnection, kind: str, code: int, detail: str) -> None:
        """Records a violation and closes the connection with `code`."""
        self._record_violation(conn, kind, detail)
        self._close(conn, code, kind)

    def _record_violation(self, conn: GatewayConnection, kind: str, detail: str) -> None:
        shard_id = conn.session.shard_id if conn.session is not None else None
        self._violations.append(Violation(conn.id, shard_id, time.monotonic(), kind, detail))
        log.info("fake_gateway.violation", connection=conn.id, kind=kind, detail=detail)
        self.changed.notify_all()

    def _close(self, conn: GatewayConnection, code: int, reason: str) -> None:
        info = connection_info(conn)
        if info.closed_by is None:
            info.closed_by, info.close_code = "server", code
        conn.streaming = False
        conn.send(ServerClose(code, reason))
        self.changed.notify_all()


_HANDLERS = {
    OP_HEARTBEAT: GatewayRules._heartbeat,
    OP_IDENTIFY: GatewayRules._identify,
    OP_PRESENCE: GatewayRules._presence,
    OP_VOICE: GatewayRules._voice,
    OP_RESUME: GatewayRules._resume,
    OP_MEMBERS: GatewayRules._request_members,
    OP_SOUNDBOARD: GatewayRules._soundboard,
    OP_CHANNEL_INFO: GatewayRules._channel_info,
}
