"""What the session state machine asks its shard to do: the typed actions it returns.

The shard carries them out in the order given. None of them shows a payload in its repr: an
IDENTIFY or RESUME holds the token.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .errors import GatewayError

__all__ = ["Action", "Close", "Dispatch", "Reconnect", "RequestIdentify", "Send", "Stop"]


@dataclass(frozen=True, slots=True)
class Send:
    """Encode `payload` and send it (through the send limiter; heartbeats use the reserve)."""

    payload: Mapping[str, Any] = field(repr=False)
    is_heartbeat: bool = False

    @property
    def op(self) -> int | None:
        op = self.payload.get("op")
        return op if isinstance(op, int) else None

    def __repr__(self) -> str:
        return f"Send(op={self.op!r}, is_heartbeat={self.is_heartbeat!r})"


@dataclass(frozen=True, slots=True)
class Close:
    """Close the websocket with `code` (1000 ends the Discord session; 4000 keeps it)."""

    code: int
    reason: str = ""


@dataclass(frozen=True, slots=True)
class Reconnect:
    """After `delay` seconds open a new connection to `session.connect_url()`.

    `resume` says whether that connection will RESUME (True) or IDENTIFY (False); it is for the
    shard's logs and metrics, the session already knows.
    """

    resume: bool
    delay: float


@dataclass(frozen=True, slots=True)
class RequestIdentify:
    """Ask the IdentifyQueue for a slot, then call `session.identify(now)`."""


@dataclass(slots=True)
class Dispatch:
    """Hand this event to the producer; once it has taken it, call `state.acknowledge(seq)`.

    Not frozen, unlike the other actions: one is made per event, and a frozen dataclass sets
    each field through `object.__setattr__` (0.7 us against 0.25). Nothing changes one."""

    name: str
    data: Any = field(repr=False)
    seq: int | None


@dataclass(frozen=True, slots=True)
class Stop:
    """Fatal: close, do not reconnect, and stop the shard with `error`."""

    error: GatewayError


Action = Send | Close | Reconnect | RequestIdentify | Dispatch | Stop
