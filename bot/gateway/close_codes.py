"""Gateway close codes, each classified: resume, start a new session, or stop for good.

Source: developers/topics/opcodes-and-status-codes.mdx (Gateway Close Event Codes) and
developers/events/gateway.mdx (Resuming, Initiating a Disconnect). "Reconnect = yes" in Discord's
table does not mean "resume": after 4007 and 4009 the docs say to start a new session.
"""

from __future__ import annotations

from enum import Enum, IntEnum
from typing import NamedTuple

from .errors import FatalCloseError

__all__ = ["CLOSE_CODES", "CloseAction", "CloseCode", "CloseInfo", "classify", "fatal_error"]


class CloseCode(IntEnum):
    """Close codes the gateway sends (4000s) and the WebSocket codes that matter to us."""

    NORMAL = 1000  # RFC 6455; from the client it ends the session
    GOING_AWAY = 1001  # RFC 6455; from the client it ends the session
    ABNORMAL = 1006  # RFC 6455: no close frame, the TCP connection dropped
    UNKNOWN_ERROR = 4000
    UNKNOWN_OPCODE = 4001
    DECODE_ERROR = 4002
    NOT_AUTHENTICATED = 4003
    AUTHENTICATION_FAILED = 4004
    ALREADY_AUTHENTICATED = 4005
    INVALID_SEQ = 4007
    RATE_LIMITED = 4008
    SESSION_TIMED_OUT = 4009
    INVALID_SHARD = 4010
    SHARDING_REQUIRED = 4011
    INVALID_API_VERSION = 4012
    INVALID_INTENTS = 4013
    DISALLOWED_INTENTS = 4014


class CloseAction(Enum):
    """What the shard does after a close."""

    RESUME = "resume"  # reconnect to resume_gateway_url and RESUME (IDENTIFY if no session)
    NEW_SESSION = "new_session"  # forget the session, reconnect to the gateway URL, IDENTIFY
    STOP = "stop"  # fatal: do not reconnect; the configuration must change first


class CloseInfo(NamedTuple):
    """One row of the close code table."""

    code: int
    description: str
    action: CloseAction
    hint: str


_R, _N, _S = CloseAction.RESUME, CloseAction.NEW_SESSION, CloseAction.STOP

CLOSE_CODES: dict[int, CloseInfo] = {
    info.code: info
    for info in (
        # A server-sent 1000/1001 is a normal end of the connection. The session may be gone
        # (that is what 1000/1001 mean when the client sends them), but trying RESUME first
        # costs one INVALID_SESSION at worst and loses no events when it works.
        CloseInfo(1000, "normal closure", _R, "reconnect and try to resume"),
        CloseInfo(1001, "going away", _R, "reconnect and try to resume"),
        CloseInfo(1006, "connection dropped", _R, "reconnect and resume"),
        CloseInfo(4000, "unknown error", _R, "reconnect and resume"),
        CloseInfo(4001, "unknown opcode", _R, "we sent an invalid opcode or payload"),
        CloseInfo(4002, "decode error", _R, "we sent a payload Discord could not decode"),
        CloseInfo(4003, "not authenticated", _R, "we sent a payload before IDENTIFY"),
        CloseInfo(4004, "authentication failed", _S, "the bot token is invalid; set a valid token"),
        CloseInfo(4005, "already authenticated", _R, "we sent IDENTIFY twice"),
        CloseInfo(4007, "invalid seq", _N, "the RESUME sequence was invalid; new session"),
        CloseInfo(4008, "rate limited", _R, "we sent over 120 payloads in 60 s"),
        CloseInfo(4009, "session timed out", _N, "the session timed out; new session"),
        CloseInfo(
            4010, "invalid shard", _S, "the shard id or count is invalid; fix the shard config"
        ),
        CloseInfo(
            4011,
            "sharding required",
            _S,
            "the bot is in too many guilds for one shard; use more shards",
        ),
        CloseInfo(4012, "invalid API version", _S, "the gateway API version is not supported"),
        CloseInfo(4013, "invalid intents", _S, "the intents bitfield is invalid; fix intents"),
        CloseInfo(
            4014,
            "disallowed intents",
            _S,
            "a privileged intent is not enabled for this bot in the Developer Portal",
        ),
    )
}


def classify(code: int | None) -> CloseInfo:
    """The table row for `code`; an unknown code (or none: TCP dropped) means resume."""
    if code is None:
        return CLOSE_CODES[CloseCode.ABNORMAL]
    info = CLOSE_CODES.get(code)
    if info is None:
        return CloseInfo(code, "unknown close code", CloseAction.RESUME, "reconnect and resume")
    return info


def fatal_error(code: int) -> FatalCloseError:
    """The error the shard stops with for a fatal close code."""
    info = classify(code)
    return FatalCloseError(code, info.description, info.hint)
