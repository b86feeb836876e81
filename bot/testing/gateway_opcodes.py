"""The gateway opcodes the simulator speaks, and the frame of a non-dispatch payload.

Its own numbers, not `bot.gateway.opcodes`: the simulator checks the library from outside.
https://discord.com/developers/docs/topics/opcodes-and-status-codes#gateway-gateway-opcodes
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "OP_ACK",
    "OP_CHANNEL_INFO",
    "OP_DISPATCH",
    "OP_HEARTBEAT",
    "OP_HELLO",
    "OP_IDENTIFY",
    "OP_INVALID_SESSION",
    "OP_MEMBERS",
    "OP_PRESENCE",
    "OP_RECONNECT",
    "OP_RESUME",
    "OP_SOUNDBOARD",
    "OP_VOICE",
    "frame",
]

OP_DISPATCH, OP_HEARTBEAT, OP_IDENTIFY, OP_PRESENCE, OP_VOICE = 0, 1, 2, 3, 4
OP_RESUME, OP_RECONNECT, OP_MEMBERS, OP_INVALID_SESSION, OP_HELLO, OP_ACK = 6, 7, 8, 9, 10, 11
OP_SOUNDBOARD, OP_CHANNEL_INFO = 31, 43


def frame(op: int, data: Any) -> dict[str, Any]:
    """A payload that is not a dispatch: no sequence, no event name."""
    return {"op": op, "d": data, "s": None, "t": None}
