"""How a client gets a session from the simulated gateway: IDENTIFY and RESUME, as Discord checks
and answers them.

`GatewaySessions` is mixed into `GatewayRules` (and so into `GatewayServer`): the checks IDENTIFY
and RESUME share (4005, 4002, 4004), IDENTIFY's own (intents 4013/4014, shard 4010/4011,
identify concurrency, session start limit, `large_threshold`), READY with unavailable guilds then
their GUILD_CREATEs, and RESUME with replay (4007 for a bad sequence, INVALID_SESSION for an
unknown session). `SimSession` is what a session remembers. All of it runs under the server's
lock, called by `GatewayRules` once a payload passed the connection-wide checks.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Any

from bot.testing.gateway_config import PRIVILEGED_INTENTS, VALID_INTENTS, GatewayConfig
from bot.testing.gateway_connection import GatewayConnection, Payload, ServerClose
from bot.testing.gateway_opcodes import OP_INVALID_SESSION, frame
from bot.testing.gateway_record import ConnectionInfo, EventLog

__all__ = ["GatewaySessions", "SimSession", "connection_info", "shard_of"]

# https://discord.com/developers/docs/events/gateway-events#identify : large_threshold is 50 to
# 250, default 50; GUILD_PRESENCES is 1 << 8.
LARGE_THRESHOLD_DEFAULT = 50
GUILD_PRESENCES = 1 << 8


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


class GatewaySessions:
    """IDENTIFY and RESUME; `GatewayRules` provides the fields and the violations."""

    config: GatewayConfig
    token: str
    rest: Any
    sessions: dict[str, SimSession]
    _identify_times: dict[int, float]

    @property
    def url(self) -> str:
        raise NotImplementedError

    def _violate(self, conn: GatewayConnection, kind: str, code: int, detail: str) -> None:
        raise NotImplementedError

    def _record_violation(self, conn: GatewayConnection, kind: str, detail: str) -> None:
        raise NotImplementedError

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
        shard_id, num_shards = shard_of(data.get("shard"))
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
        connection_info(conn).resumed = True
        resumed = session.log.append("RESUMED", {"_trace": ['["fake-gateway",{"micros":0}]']})
        # A later RESUME replays the session's dispatches, not this connection's RESUMED.
        session.resumed_for[resumed] = conn.id
        conn.wake()
        return None

    def _attach(self, conn: GatewayConnection, session: SimSession, seq: int) -> None:
        conn.session = session
        conn.identified = True
        conn.streaming = True
        conn.sent_seq = seq
        session.connection = conn
        info = connection_info(conn)
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


def connection_info(conn: GatewayConnection) -> ConnectionInfo:
    """The record of a connection past its handshake."""
    assert conn.info is not None
    return conn.info


def shard_of(value: Any) -> tuple[int | None, int | None]:
    """IDENTIFY's `shard` as (shard_id, num_shards); (0, 1) when absent, (None, None) when
    invalid."""
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
