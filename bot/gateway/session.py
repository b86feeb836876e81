"""The gateway session as a sans-IO state machine: fed events, it returns what to do.

The shard feeds it: `on_open(now)` when a websocket opens, `on_payload(payload, now)` for each
decoded payload, `tick(now)` when `next_deadline()` is reached, `on_close(code, now)` when the
websocket closes under it, `on_error(error, now)` when a frame cannot be inflated or decoded, and
`identify(now)` once the IdentifyQueue grants a slot. Each returns a list of actions
(`messages`): Send, Close, Reconnect, RequestIdentify, Dispatch, Stop, to be carried out in
order. `reader_paused()` and `reader_resumed()` tell it when the shard's reader stops reading
and reads again (backpressure), so that an ACK left unread is not taken for a zombie. Time is
always passed in (`now`, in seconds, monotonic), and randomness is injected, so every path is a
plain unit test.

Source: developers/events/gateway.mdx (Connection Lifecycle, Sending Heartbeats, Resuming,
Disconnecting) and gateway-events.mdx (Identify, Resume, Invalid Session); see
docs/reference/gateway-spec.md sections 4 to 8.
"""

from __future__ import annotations

import random as _random
from collections.abc import Callable, Mapping
from enum import Enum
from typing import Any

import structlog

from .close_codes import CloseAction, classify, fatal_error
from .errors import GatewayError
from .limits import (
    BACKOFF_BASE_SECONDS,
    BACKOFF_CAP_SECONDS,
    CLIENT_CLOSE_KEEP_SESSION,
    CLIENT_CLOSE_NORMAL,
    HELLO_TIMEOUT_SECONDS,
    INVALID_SESSION_WAIT_MAX_SECONDS,
    INVALID_SESSION_WAIT_MIN_SECONDS,
)
from .messages import Action, Close, Dispatch, Reconnect, RequestIdentify, Send, Stop
from .opcodes import Opcode
from .session_config import DEFAULT_GATEWAY_URL, SessionConfig
from .session_state import ShardSession
from .url import gateway_url

__all__ = ["DEFAULT_GATEWAY_URL", "GatewaySession", "SessionConfig", "SessionState"]

log = structlog.get_logger(__name__)

_MAX_UNKNOWN_OPS_LOGGED = 32


class SessionState(Enum):
    """Where the session is in the connection lifecycle."""

    DISCONNECTED = "disconnected"  # no websocket; the shard connects (first start or Reconnect)
    WAITING_HELLO = "waiting_hello"  # websocket open, HELLO not yet received
    WAITING_IDENTIFY = "waiting_identify"  # HELLO in, heartbeating; the IdentifyQueue decides
    IDENTIFYING = "identifying"  # IDENTIFY sent, waiting for READY (or INVALID_SESSION)
    RESUMING = "resuming"  # RESUME sent; missed events replay until RESUMED
    CONNECTED = "connected"  # READY or RESUMED received: live events
    STOPPED = "stopped"  # closed for good (fatal close code, or close()); never reconnects


_GONE = (SessionState.DISCONNECTED, SessionState.STOPPED)  # payloads are leftovers then
_DISPATCH = int(Opcode.DISPATCH)


class GatewaySession:
    """One shard's protocol logic across all its connections (see the module docstring)."""

    def __init__(
        self,
        config: SessionConfig,
        shard_session: ShardSession | None = None,
        *,
        rng: Callable[[], float] = _random.random,
    ) -> None:
        self.config = config
        self.shard_session = (
            shard_session
            if shard_session is not None
            else ShardSession(config.shard_id, config.shard_count)
        )
        self.status = SessionState.DISCONNECTED
        self._rng = rng
        self._log = log.bind(shard=config.shard_id)
        self.heartbeat_interval: float | None = None
        self.latency: float | None = None  # seconds, last heartbeat round trip
        self._next_heartbeat_at: float | None = None
        self._last_heartbeat_at: float | None = None
        self._awaiting_ack = False
        # The shard's reader is waiting on its producer: frames sit unread in the socket.
        self._reader_paused = False
        # ...and was so at some moment since the last heartbeat went out: its ACK may be unread.
        self._paused_since_heartbeat = False
        self._hello_deadline: float | None = None
        self._failures = 0  # reconnects since the last READY/RESUMED
        self._unknown_ops: set[object] = set()

    # -- connecting -----------------------------------------------------------------------

    @property
    def stopped(self) -> bool:
        return self.status is SessionState.STOPPED

    def connect_url(self) -> str:
        """Where the next connection goes: resume_gateway_url when resuming, else the gateway."""
        base = self.config.gateway_url
        if self.shard_session.can_resume and self.shard_session.resume_gateway_url:
            base = self.shard_session.resume_gateway_url
        return gateway_url(base, self.config.encoding, self.config.compression)

    def on_open(self, now: float) -> list[Action]:
        """A new websocket is open (the shard made a fresh inflater and send limiter for it)."""
        if self.stopped:
            return []
        self._reset_connection()
        self.status = SessionState.WAITING_HELLO
        self._hello_deadline = now + HELLO_TIMEOUT_SECONDS
        return []

    def identify(self, now: float) -> list[Action]:
        """The IdentifyQueue granted a slot: send IDENTIFY (if this connection still wants it)."""
        if self.status is not SessionState.WAITING_IDENTIFY:
            self._log.info("gateway.identify_skipped", state=self.status.value)
            return []
        self.status = SessionState.IDENTIFYING
        return [Send(self.identify_payload())]

    # -- receiving ------------------------------------------------------------------------

    def on_payload(self, payload: Mapping[str, Any], now: float) -> list[Action]:
        """Handles one decoded payload from the current connection."""
        if self.status in _GONE:
            return []  # a leftover from a connection we already left
        if type(payload) is not dict and not isinstance(payload, Mapping):  # dict: no ABC call
            self._log.warning("gateway.payload_invalid", reason="not an object")
            return []
        op = payload.get("op")
        if op == _DISPATCH:  # every event: an int, not the enum's attribute
            return self._on_dispatch(payload)
        if op == Opcode.HEARTBEAT_ACK:
            self._awaiting_ack = False
            if self._last_heartbeat_at is not None:
                self.latency = max(0.0, now - self._last_heartbeat_at)
            return []
        if op == Opcode.HEARTBEAT:
            return [self._heartbeat(now)]
        if op == Opcode.HELLO:
            return self._on_hello(payload.get("d"), now)
        if op == Opcode.RECONNECT:
            self._log.info("gateway.reconnect_requested")
            return self._leave(CLIENT_CLOSE_KEEP_SESSION, "reconnect requested", self._backoff())
        if op == Opcode.INVALID_SESSION:
            return self._on_invalid_session(payload.get("d") is True)
        if op not in self._unknown_ops and len(self._unknown_ops) < _MAX_UNKNOWN_OPS_LOGGED:
            self._unknown_ops.add(op if isinstance(op, int | str | None) else repr(op))
            self._log.warning("gateway.unknown_opcode", op=repr(op)[:40])
        return []

    def _on_dispatch(self, payload: Mapping[str, Any]) -> list[Action]:
        name = payload.get("t")
        if type(name) is not str and not isinstance(name, str):  # a str: one test, no call
            self._log.warning("gateway.payload_invalid", op=0, reason="dispatch without t")
            return []
        seq = payload.get("s")
        if type(seq) is not int and (not isinstance(seq, int) or isinstance(seq, bool)):
            seq = None
        data = payload.get("d")
        if name == "READY":
            session_id = data.get("session_id") if isinstance(data, Mapping) else None
            if isinstance(session_id, str):
                url = data.get("resume_gateway_url") if isinstance(data, Mapping) else None
                self.shard_session.start(session_id, url if isinstance(url, str) else None)
            else:
                self._log.warning("gateway.payload_invalid", t=name, reason="no session_id")
            self._connected(name, seq)
        elif name == "RESUMED":
            self._connected(name, seq)
        return [Dispatch(name, data, seq)]

    def _connected(self, name: str, seq: int | None) -> None:
        self.status = SessionState.CONNECTED
        self._failures = 0
        self._log.info("gateway.connected", via=name, seq=seq)

    def _on_hello(self, data: Any, now: float) -> list[Action]:
        if self.status is not SessionState.WAITING_HELLO:
            self._log.warning("gateway.payload_invalid", op=10, reason="HELLO twice")
            return []
        interval = data.get("heartbeat_interval") if isinstance(data, Mapping) else None
        if not isinstance(interval, int | float) or isinstance(interval, bool) or interval <= 0:
            self._log.warning("gateway.payload_invalid", op=10, reason="no heartbeat_interval")
            return self._leave(CLIENT_CLOSE_KEEP_SESSION, "bad HELLO", self._backoff())
        self._hello_deadline = None
        self.heartbeat_interval = interval / 1000.0
        # The first beat is jittered so that shards started together do not beat together.
        self._next_heartbeat_at = now + self.heartbeat_interval * self._rng()
        resume = self.shard_session.snapshot()
        if resume is not None:
            self.status = SessionState.RESUMING
            self._log.info("gateway.resuming", seq=resume.seq)
            return [Send(self.resume_payload())]
        self.status = SessionState.WAITING_IDENTIFY
        return [RequestIdentify()]

    def _on_invalid_session(self, resumable: bool) -> list[Action]:
        wait = INVALID_SESSION_WAIT_MIN_SECONDS + self._rng() * (
            INVALID_SESSION_WAIT_MAX_SECONDS - INVALID_SESSION_WAIT_MIN_SECONDS
        )
        self._log.info("gateway.invalid_session", resumable=resumable, wait=round(wait, 3))
        if resumable and self.shard_session.can_resume:
            return self._leave(CLIENT_CLOSE_KEEP_SESSION, "invalid session, resumable", wait)
        self.shard_session.invalidate()
        return self._leave(CLIENT_CLOSE_NORMAL, "invalid session", wait)

    # -- backpressure ---------------------------------------------------------------------

    def reader_paused(self) -> None:
        """The shard's reader stopped reading (it waits for its producer).

        Frames then wait in the socket, a heartbeat ACK perhaps among them, so no zombie verdict
        is taken for a heartbeat sent before or during the pause: the missing ACK may only be
        unread. Once a heartbeat goes out with the reader running, a missing ACK is a zombie
        again.
        """
        self._reader_paused = True
        self._paused_since_heartbeat = True

    def reader_resumed(self) -> None:
        """The shard's reader reads again (the producer took what it held)."""
        self._reader_paused = False

    # -- time -----------------------------------------------------------------------------

    def next_deadline(self) -> float | None:
        """When `tick` must next be called (monotonic seconds), or None if nothing is due."""
        deadlines = [t for t in (self._next_heartbeat_at, self._hello_deadline) if t is not None]
        return min(deadlines) if deadlines else None

    def tick(self, now: float) -> list[Action]:
        """Sends a due heartbeat, or detects a zombie connection or a missing HELLO."""
        if self._hello_deadline is not None and now >= self._hello_deadline:
            self._log.warning("gateway.hello_timeout")
            return self._leave(CLIENT_CLOSE_KEEP_SESSION, "no HELLO", self._backoff())
        if self._next_heartbeat_at is None or now < self._next_heartbeat_at:
            return []
        interval = self.heartbeat_interval or 0.0
        if (
            self._awaiting_ack
            and not self._paused_since_heartbeat
            and self._last_heartbeat_at is not None
            and now - self._last_heartbeat_at >= interval / 2
        ):
            # No ACK between two heartbeats: the connection is a zombie (docs: close with any
            # code but 1000/1001, then resume).
            self._log.warning("gateway.zombie", interval=interval, latency=self.latency)
            return self._leave(CLIENT_CLOSE_KEEP_SESSION, "zombie connection", self._backoff())
        self._next_heartbeat_at += interval
        if self._next_heartbeat_at <= now:  # the shard was late by a whole interval
            self._next_heartbeat_at = now + interval
        return [self._heartbeat(now)]

    def _heartbeat(self, now: float) -> Send:
        self._awaiting_ack = True
        self._paused_since_heartbeat = self._reader_paused
        self._last_heartbeat_at = now
        return Send(self.heartbeat_payload(), is_heartbeat=True)

    # -- closing --------------------------------------------------------------------------

    def on_close(self, code: int | None, now: float) -> list[Action]:
        """The websocket closed under us (`code` None: no close frame, TCP dropped)."""
        if self.status in (SessionState.DISCONNECTED, SessionState.STOPPED):
            return []  # we closed it ourselves and already decided what comes next
        info = classify(code)
        self._log.info("gateway.closed", code=code, action=info.action.value, reason=info.hint)
        self._reset_connection()
        if info.action is CloseAction.STOP:
            self.status = SessionState.STOPPED
            return [Stop(fatal_error(info.code))]
        self.status = SessionState.DISCONNECTED
        if info.action is CloseAction.NEW_SESSION:
            self.shard_session.invalidate()
        return [Reconnect(resume=self.shard_session.can_resume, delay=self._backoff())]

    def on_error(self, error: GatewayError, now: float) -> list[Action]:
        """A frame could not be inflated or decoded: leave this connection and resume."""
        if self.status in (SessionState.DISCONNECTED, SessionState.STOPPED):
            return []
        self._log.warning("gateway.frame_error", error=type(error).__name__, reason=error.reason)
        return self._leave(CLIENT_CLOSE_KEEP_SESSION, "bad frame", self._backoff())

    def reconnect(self, now: float) -> list[Action]:
        """Leaves the connection on purpose and resumes on a new one (runtime reconnect)."""
        if self.status is SessionState.STOPPED:
            return []
        return self._leave(CLIENT_CLOSE_KEEP_SESSION, "reconnect", 0.0)

    def close(self, *, keep_session: bool = False) -> list[Action]:
        """Stops for good. keep_session=True closes with 4000 so a later start can resume."""
        was_open = self.status not in (SessionState.DISCONNECTED, SessionState.STOPPED)
        self._reset_connection()
        self.status = SessionState.STOPPED
        if not keep_session:
            self.shard_session.invalidate()
        if not was_open:
            return []
        code = CLIENT_CLOSE_KEEP_SESSION if keep_session else CLIENT_CLOSE_NORMAL
        return [Close(code, "shutting down")]

    def _leave(self, code: int, reason: str, delay: float) -> list[Action]:
        self._reset_connection()
        self.status = SessionState.DISCONNECTED
        return [Close(code, reason), Reconnect(resume=self.shard_session.can_resume, delay=delay)]

    def _reset_connection(self) -> None:
        self._next_heartbeat_at = None
        self._last_heartbeat_at = None
        self._awaiting_ack = False
        self._paused_since_heartbeat = self._reader_paused
        self._hello_deadline = None

    def _backoff(self) -> float:
        """0 for the first reconnect, then 1, 2, 4 ... 60 s with jitter (x0.5 to x1)."""
        attempt = self._failures
        self._failures += 1
        if attempt == 0:
            return 0.0
        delay = min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2 ** (attempt - 1))
        return delay * (0.5 + 0.5 * self._rng())

    # -- payloads -------------------------------------------------------------------------

    def heartbeat_payload(self) -> dict[str, Any]:
        """op 1 with the last sequence the producer acknowledged."""
        return {"op": Opcode.HEARTBEAT.value, "d": self.shard_session.seq}

    def identify_payload(self) -> dict[str, Any]:
        config = self.config
        data: dict[str, Any] = {
            "token": config.token,
            "properties": dict(config.properties),
            "intents": int(config.intents),
            "shard": [config.shard_id, config.shard_count],
            "large_threshold": config.large_threshold,
            "compress": False,  # payload compression; transport compression is in the URL
        }
        if config.presence is not None:
            data["presence"] = dict(config.presence)
        return {"op": Opcode.IDENTIFY.value, "d": data}

    def resume_payload(self) -> dict[str, Any]:
        resume = self.shard_session.snapshot()
        if resume is None:
            raise GatewayError("no session to resume", can_resume=False)
        # seq None: READY itself was not acknowledged yet; 0 asks for a replay from the start.
        return {
            "op": Opcode.RESUME.value,
            "d": {
                "token": self.config.token,
                "session_id": resume.session_id,
                "seq": resume.seq if resume.seq is not None else 0,
            },
        }

    def __repr__(self) -> str:
        return (
            f"GatewaySession(shard={self.config.shard_id}, status={self.status.value}, "
            f"shard_session={self.shard_session!r})"
        )
