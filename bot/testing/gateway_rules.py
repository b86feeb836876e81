"""Discord's gateway rules, as the simulator enforces them on every client payload.

`GatewayRules` is the half of `GatewayServer` that answers clients: HELLO, heartbeats and ACKs,
IDENTIFY checks (token 4004, intents 4013/4014, shard 4010/4011, identify concurrency), READY with
unavailable guilds then their GUILD_CREATEs, RESUME with replay (4007 for a bad sequence), the
send limit (4008), the payload size limit (4002), request guild members with its all-members
limit (RATE_LIMITED), voice state updates (those commands in `bot.testing.gateway_commands`).
Every broken rule is recorded as a `Violation`.
All of it runs under the server's lock.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

import structlog

from bot.testing.gateway_commands import GatewayCommands
from bot.testing.gateway_config import PRIVILEGED_INTENTS, VALID_INTENTS, GatewayConfig
from bot.testing.gateway_connection import GatewayConnection, Payload, ServerClose
from bot.testing.gateway_opcodes import (
    OP_ACK,
    OP_CHANNEL_INFO,
    OP_DISPATCH,
    OP_HEARTBEAT,
    OP_HELLO,
    OP_IDENTIFY,
    OP_INVALID_SESSION,
    OP_MEMBERS,
    OP_PRESENCE,
    OP_RESUME,
    OP_SOUNDBOARD,
    OP_VOICE,
    frame,
)
from bot.testing.gateway_record import (
    ConnectionInfo,
    EventLog,
    Received,
    RefusedSend,
    Violation,
)
from bot.testing.gateway_wire import WireError

__all__ = ["GatewayRules", "SimSession"]

log = structlog.get_logger(__name__)

# https://discord.com/developers/docs/events/gateway-events#identify : large_threshold is 50 to
# 250, default 50; GUILD_PRESENCES is 1 << 8.
LARGE_THRESHOLD_DEFAULT = 50
# https://discord.com/developers/docs/events/gateway#sending-heartbeats : a connection that
# fails to heartbeat is closed and the client must resume; 4000 is "unknown error, reconnect".
ZOMBIE_CLOSE_CODE = 4000
GUILD_PRESENCES = 1 << 8
# https://discord.com/developers/docs/reference#api-versioning : 10 and 9 are available.
SUPPORTED_VERSIONS = ("9", "10")


@dataclass(slots=True)
class SimSession:
    """A session the simulated gateway gave out: what it was sent, for replay on RESUME."""

    session_id: str
    shard_id: int
    num_shards: int
    intents: int
    log: EventLog = field(default_factory=EventLog)
    connection: GatewayConnection | None = None
    invalidated: bool = False
    presence: Any = None
    # The sequence of each RESUMED -> the connection it was for (replays skip the others).
    resumed_for: dict[int, int] = field(default_factory=dict)
    # Dispatches no connection could encode: refused once, never replayed.
    refused: set[int] = field(default_factory=set)
    # IDENTIFY's large_threshold: GUILD_CREATE lists no offline members past it.
    large_threshold: int = LARGE_THRESHOLD_DEFAULT
    # The last sequence of the READY burst (READY and the GUILD_CREATEs of the shard's guilds):
    # once a connection has written it, the shard is ready and sees every later dispatch.
    ready_seq: int = 0


class GatewayRules(GatewayCommands):
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
            info = _info(conn)
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
            info = _info(conn)
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
            encoding = _info(conn).encoding
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
        info = _info(conn)
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
                shard_id = _shard_of(data.get("shard"))[0]
            elif op == OP_RESUME and isinstance(data, dict):
                resumed = self.sessions.get(str(data.get("session_id")))
                shard_id = resumed.shard_id if resumed is not None else shard_id
            self._received.append(Received(conn.id, shard_id, now, op, data, len(message)))
            try:
                if _info(conn).closed_by is None:
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
        _info(conn).heartbeats.append(now)
        if isinstance(data, int):
            conn.last_sequence_acked = data
        if self.config.ack_heartbeats:
            conn.send(Payload(frame(OP_ACK, None)))
        conn.wake()

    def _authenticates(self, conn: GatewayConnection, data: Any, op: str) -> bool:
        """The checks IDENTIFY and RESUME share; False once the connection is closed for one."""
        if conn.identified:
            self._violate(conn, "already_authenticated", 4005, f"{op} after IDENTIFY or RESUME")
        elif not isinstance(data, dict):
            self._violate(conn, "decode_error", 4002, f"{op} without an object")
        elif data.get("token") != self.token:
            self._violate(conn, "authentication_failed", 4004, "bad token")
        else:
            return True
        return False

    def _identify(self, conn: GatewayConnection, data: Any, now: float) -> None:
        if not self._authenticates(conn, data, "IDENTIFY"):
            return None
        intents = data.get("intents")
        if not isinstance(intents, int) or intents < 0 or intents & ~VALID_INTENTS:
            return self._violate(conn, "invalid_intents", 4013, f"intents {intents!r}")
        disallowed = intents & PRIVILEGED_INTENTS & ~self.config.allowed_privileged_intents
        if disallowed:
            return self._violate(conn, "disallowed_intents", 4014, f"privileged {disallowed}")
        shard_id, num_shards = _shard_of(data.get("shard"))
        if shard_id is None or num_shards is None:
            return self._violate(conn, "invalid_shard", 4010, f"shard {data.get('shard')!r}")
        if num_shards < self.config.required_shards:
            detail = f"{num_shards} shards, {self.config.required_shards} required"
            return self._violate(conn, "sharding_required", 4011, detail)
        bucket = shard_id % max(self.config.max_concurrency, 1)
        last = self._identify_times.get(bucket)
        if last is not None and now - last < self.config.identify_window:
            detail = f"bucket {bucket} identified {now - last:.3f} s ago"
            self._record_violation(conn, "identify_concurrency", detail)
            conn.send(Payload(frame(OP_INVALID_SESSION, False)))
            return None
        self._identify_times[bucket] = now
        if self.rest is not None:
            limit = self.rest.session_start_limit
            if limit.get("remaining", 1) <= 0:
                self._record_violation(conn, "session_start_limit", "no session starts left")
                conn.send(Payload(frame(OP_INVALID_SESSION, False)))
                return None
            limit["remaining"] = limit.get("remaining", 1) - 1
        threshold = data.get("large_threshold", LARGE_THRESHOLD_DEFAULT)
        if not isinstance(threshold, int) or not 50 <= threshold <= 250:
            return self._violate(conn, "decode_error", 4002, f"large_threshold {threshold!r}")
        session = SimSession(secrets.token_hex(16), shard_id, num_shards, intents)
        session.large_threshold = threshold
        self.sessions[session.session_id] = session
        self._attach(conn, session, 0)
        world = self.config.world
        guild_ids = world.guild_ids(shard_id, num_shards)
        session.log.append("READY", self._ready(session, guild_ids))
        # Without GUILD_PRESENCES, GUILD_CREATE lists only the bot (and users in voice).
        listed = bool(intents & GUILD_PRESENCES)

        def guild_create(index: int) -> tuple[str, Any]:
            payload = world.guild_create(
                guild_ids[index], members=listed, large_threshold=threshold
            )
            return "GUILD_CREATE", payload

        session.log.extend(len(guild_ids), guild_create)
        session.ready_seq = session.log.last_seq
        conn.wake()
        return None

    def _resume(self, conn: GatewayConnection, data: Any, now: float) -> None:
        if not self._authenticates(conn, data, "RESUME"):
            return None
        session = self.sessions.get(str(data.get("session_id")))
        if session is None or session.invalidated:
            conn.send(Payload(frame(OP_INVALID_SESSION, False)))
            return None
        seq = data.get("seq")
        seq = 0 if seq is None else seq
        if not isinstance(seq, int) or not 0 <= seq <= session.log.last_seq:
            detail = f"seq {seq!r}, last {session.log.last_seq}"
            return self._violate(conn, "invalid_resume_seq", 4007, detail)
        previous = session.connection
        if previous is not None and previous is not conn:
            # Discord ends the old connection of a resumed session.
            previous.streaming = False
            previous.session = None
            previous.send(ServerClose(4000, "session resumed elsewhere"))
        self._attach(conn, session, seq)
        _info(conn).resumed = True
        resumed = session.log.append("RESUMED", {"_trace": ['["fake-gateway",{"micros":0}]']})
        # A later RESUME replays the session's dispatches, not this connection's RESUMED.
        session.resumed_for[resumed] = conn.id
        conn.wake()
        return None

    # -- helpers -----------------------------------------------------------------------------

    def _attach(self, conn: GatewayConnection, session: SimSession, seq: int) -> None:
        conn.session = session
        conn.identified = True
        conn.streaming = True
        conn.sent_seq = seq
        session.connection = conn
        info = _info(conn)
        info.shard_id, info.session_id = session.shard_id, session.session_id

    def _ready(self, session: SimSession, guild_ids: list[int]) -> dict[str, Any]:
        world = self.config.world
        return {
            "v": 10,
            "user": world.bot_user(),
            "guilds": [{"id": str(gid), "unavailable": True} for gid in guild_ids],
            "session_id": session.session_id,
            "resume_gateway_url": self.url + "/resume",
            "shard": [session.shard_id, session.num_shards],
            "application": {"id": str(world.application_id), "flags": 0},
            "session_type": "normal",
            "private_channels": [],
            "_trace": ['["fake-gateway",{"micros":0}]'],
        }

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
        info = _info(conn)
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


def _info(conn: GatewayConnection) -> ConnectionInfo:
    assert conn.info is not None
    return conn.info


def _shard_of(value: Any) -> tuple[int | None, int | None]:
    if value is None:
        return 0, 1
    if (
        isinstance(value, list | tuple)
        and len(value) == 2
        and all(isinstance(v, int) and not isinstance(v, bool) for v in value)
        and value[1] >= 1
        and 0 <= value[0] < value[1]
    ):
        return value[0], value[1]
    return None, None
