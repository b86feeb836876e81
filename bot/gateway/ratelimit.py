"""The gateway send limiter: at most 120 sends per 60 s per connection, room kept for heartbeats.

Pure, with the clock injected: `delay(now, is_heartbeat)` says how long to wait before the next
send may go, `record(now)` counts a send that went, `try_acquire` does both. The window slides
(a log of send times), so no 60 s span ever holds more than the limit, whatever Discord's own
window alignment is. Ordinary sends may use `limit - reserve` slots of a window; heartbeats may
use all of them, so a burst of commands never delays a heartbeat into a zombie connection.

Source: developers/events/gateway.mdx (Rate Limiting); over the limit Discord closes with 4008.
One limiter per connection: make a new one (or `reset()`) on every reconnect.
"""

from __future__ import annotations

from collections import deque

from .limits import HEARTBEAT_SEND_RESERVE, SEND_WINDOW_SECONDS, SENDS_PER_WINDOW

__all__ = ["SendLimiter"]


class SendLimiter:
    """Sliding-window limiter for one gateway connection."""

    def __init__(
        self,
        limit: int = SENDS_PER_WINDOW,
        window: float = SEND_WINDOW_SECONDS,
        heartbeat_reserve: int = HEARTBEAT_SEND_RESERVE,
    ) -> None:
        if not 0 <= heartbeat_reserve < limit:
            raise ValueError("heartbeat_reserve must be at least 0 and below limit")
        self.limit = limit
        self.window = window
        self.heartbeat_reserve = heartbeat_reserve
        self._sent: deque[float] = deque()

    def _expire(self, now: float) -> None:
        sent = self._sent
        horizon = now - self.window
        while sent and sent[0] <= horizon:
            sent.popleft()

    def delay(self, now: float, is_heartbeat: bool = False) -> float:
        """Seconds to wait before a send may go at `now` (0.0: it may go now)."""
        self._expire(now)
        allowed = self.limit if is_heartbeat else self.limit - self.heartbeat_reserve
        used = len(self._sent)
        if used < allowed:
            return 0.0
        # The send that frees a slot is the (used - allowed + 1)-th oldest in the window.
        return self._sent[used - allowed] + self.window - now

    def record(self, now: float) -> None:
        """Counts one send that went at `now`."""
        self._sent.append(now)

    def try_acquire(self, now: float, is_heartbeat: bool = False) -> float:
        """Records a send and returns 0.0 if it may go now, else returns the wait (not recorded)."""
        wait = self.delay(now, is_heartbeat)
        if wait <= 0.0:
            self.record(now)
            return 0.0
        return wait

    def used(self, now: float) -> int:
        """Sends counted in the window ending at `now`."""
        self._expire(now)
        return len(self._sent)

    def reset(self) -> None:
        """Forgets every send (a new connection has a new budget)."""
        self._sent.clear()

    def __repr__(self) -> str:
        return (
            f"SendLimiter(limit={self.limit}, window={self.window}, "
            f"heartbeat_reserve={self.heartbeat_reserve}, in_window={len(self._sent)})"
        )
