"""Gateway opcodes (developers/topics/opcodes-and-status-codes.mdx, Gateway Opcodes)."""

from __future__ import annotations

from enum import IntEnum

__all__ = ["RECEIVE_OPCODES", "SEND_OPCODES", "Opcode"]


class Opcode(IntEnum):
    """The `op` field of a gateway payload."""

    DISPATCH = 0  # receive: every event, with `t` and `s`
    HEARTBEAT = 1  # send: periodic; receive: the server asks for one now
    IDENTIFY = 2  # send: starts a new session
    PRESENCE_UPDATE = 3  # send
    VOICE_STATE_UPDATE = 4  # send: join, move or leave voice
    RESUME = 6  # send: resumes a disconnected session (5 does not exist)
    RECONNECT = 7  # receive: reconnect and resume now
    REQUEST_GUILD_MEMBERS = 8  # send
    INVALID_SESSION = 9  # receive: `d` says whether the session may be resumed
    HELLO = 10  # receive: first payload, carries heartbeat_interval
    HEARTBEAT_ACK = 11  # receive: the reply to a heartbeat
    REQUEST_SOUNDBOARD_SOUNDS = 31  # send
    REQUEST_CHANNEL_INFO = 43  # send


RECEIVE_OPCODES = frozenset(
    {
        Opcode.DISPATCH,
        Opcode.HEARTBEAT,
        Opcode.RECONNECT,
        Opcode.INVALID_SESSION,
        Opcode.HELLO,
        Opcode.HEARTBEAT_ACK,
    }
)
SEND_OPCODES = frozenset(
    {
        Opcode.HEARTBEAT,
        Opcode.IDENTIFY,
        Opcode.PRESENCE_UPDATE,
        Opcode.VOICE_STATE_UPDATE,
        Opcode.RESUME,
        Opcode.REQUEST_GUILD_MEMBERS,
        Opcode.REQUEST_SOUNDBOARD_SOUNDS,
        Opcode.REQUEST_CHANNEL_INFO,
    }
)
