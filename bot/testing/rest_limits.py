"""The fake REST API's rate limits: per-route buckets, the global limit, and the record.

(First cut: records every request and admits all; the buckets follow.)
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.testing.rest_routes import Reply, Request, Route

__all__ = ["Limits", "RecordedRequest", "Verdict"]


@dataclass(frozen=True)
class RecordedRequest:
    """One request the fake served: when, what, and whether it broke a limit."""

    at: float
    method: str
    path: str
    route: str
    major: str
    violation: str | None = None


@dataclass
class Verdict:
    """The limits' answer for one request: a 429 reply to send instead, and headers to add."""

    reply: Reply | None = None
    headers: dict[str, str] = field(default_factory=dict)


class Limits:
    """Rate-limit knobs and the record of requests."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._record: list[RecordedRequest] = []

    def admit(self, request: Request, route: Route, now: float) -> Verdict:
        with self._lock:
            self._record.append(
                RecordedRequest(now, request.method, request.path, route.template, request.major)
            )
        return Verdict()

    def recorded(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._record)

    def violations(self) -> list[RecordedRequest]:
        with self._lock:
            return [r for r in self._record if r.violation is not None]
