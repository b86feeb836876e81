"""What the simulated gateway remembers: each session's dispatch log and a record for tests.

`EventLog` holds every dispatch a simulated session was given, by sequence number, so that a
RESUME can replay what the client missed. Generated streams are stored as spans (a first
sequence, a count and a function from index to payload), so a stream of a million messages costs
one entry. `Received`, `Violation` and `ConnectionInfo` are the record tests assert on.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

__all__ = ["ConnectionInfo", "EventLog", "Received", "RefusedSend", "Violation"]

# A generated entry: index in its span -> (event name, data).
MakeEvent = Callable[[int], tuple[str, Any]]


class EventLog:
    """The dispatches of one simulated session, by sequence number (1, 2, 3, ...)."""

    __slots__ = ("_makers", "_starts", "last_seq")

    def __init__(self) -> None:
        self._starts: list[int] = []
        self._makers: list[MakeEvent] = []
        self.last_seq = 0

    def append(self, name: str, data: Any) -> int:
        """Logs one dispatch; returns its sequence number."""
        return self.extend(1, lambda _index: (name, data))[0]

    def extend(self, count: int, make: MakeEvent) -> range:
        """Logs `count` dispatches built on demand by `make(index)`; returns their sequences."""
        first = self.last_seq + 1
        if count > 0:
            self._starts.append(first)
            self._makers.append(make)
            self.last_seq += count
        return range(first, first + max(count, 0))

    def get(self, seq: int) -> tuple[str, Any]:
        """The dispatch with sequence `seq` as (name, data); IndexError if there is none."""
        make, index = self.maker(seq)
        return make(index)

    def maker(self, seq: int) -> tuple[MakeEvent, int]:
        """What builds dispatch `seq`, and its index, so a caller can build it outside a lock."""
        if not 1 <= seq <= self.last_seq:
            raise IndexError(seq)
        span = bisect.bisect_right(self._starts, seq) - 1
        return self._makers[span], seq - self._starts[span]


@dataclass(frozen=True, slots=True)
class Received:
    """One payload a client sent, decoded, with the time (monotonic) it was read."""

    connection: int
    shard_id: int | None
    at: float
    op: int | None
    data: Any
    size: int


@dataclass(frozen=True, slots=True)
class Violation:
    """A Discord rule a client broke, and what the simulator did about it.

    `kind` is one of: rate_limited (4008), payload_too_large (4002), decode_error (4002),
    unknown_opcode (4001), invalid_payload (4001), not_authenticated (4003),
    already_authenticated (4005), identify_concurrency (INVALID_SESSION), session_start_limit,
    heartbeat_late, zombie (4000: silent for `zombie_after_intervals`),
    invalid_resume_seq (4007), authentication_failed (4004),
    invalid_intents (4013), disallowed_intents (4014), invalid_shard (4010),
    sharding_required (4011), invalid_api_version (4012),
    request_members_rate_limited (RATE_LIMITED dispatch).
    """

    connection: int
    shard_id: int | None
    at: float
    kind: str
    detail: str


@dataclass(frozen=True, slots=True)
class RefusedSend:
    """A dispatch the simulator could not encode for a connection (an integer past 64 bits in
    ETF, a value that is not JSON): not sent, and never replayed to the session; the client
    sees a gap in the sequence numbers where it was."""

    connection: int
    shard_id: int | None
    at: float
    seq: int
    event: str
    encoding: str
    error: str


@dataclass(slots=True)
class ConnectionInfo:
    """One websocket connection the simulator accepted, and how it ended."""

    id: int
    encoding: str
    compress: str | None
    opened_at: float
    path: str = "/"
    shard_id: int | None = None
    session_id: str | None = None
    resumed: bool = False
    closed_at: float | None = None
    # The close code the server sent, or the client's, or None for a dropped connection.
    close_code: int | None = None
    closed_by: str | None = None  # "server", "client" or "drop"
    heartbeats: list[float] = field(default_factory=list)
