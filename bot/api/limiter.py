"""How the REST client asks for permission to send: the `Limiter` protocol and `LocalLimiter`.

The client calls `acquire(route)` before each request, in its own thread, and `release(grant,
outcome)` after the answer. `LocalLimiter` serves a single process with a lock around
`RateLimits`; `actors.ratelimiter.ActorLimiter` serves the bot's tree through the
`RatelimiterActor`. Both wait the same way (`wait_for_ticket`): the caller's thread sleeps on
its ticket and, when the line's deadline passes, asks the owner of the state to re-check, so
the owner never needs a timer of its own and never blocks.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Protocol

from bot.api.errors import DiscordHTTPError, RateLimitWaitTooLong
from bot.api.ratelimits import Grant, Outcome, RateLimitConfig, RateLimits, Ticket
from bot.api.routes import Route

__all__ = ["Limiter", "LocalLimiter", "wait_for_ticket"]

# A waiting caller re-checks at least this often that its limiter is still alive.
LIVENESS_CHECK_INTERVAL = 0.5


class Limiter(Protocol):
    """What the REST client needs from a rate limiter."""

    @property
    def max_ratelimit_wait(self) -> float: ...

    def acquire(self, route: Route, max_wait: float | None = None) -> Grant:
        """Blocks until `route` may be sent, at most `max_wait` seconds (None: the config's
        `max_ratelimit_wait`); raises a `DiscordHTTPError` if it may not."""
        ...

    def release(self, grant: Grant, outcome: Outcome) -> None:
        """Reports the answer to a granted request; never blocks."""
        ...


def wait_for_ticket(
    ticket: Ticket,
    *,
    cap: float,
    wake: Callable[[], None],
    cancel: Callable[[Ticket], bool],
    alive: Callable[[], bool] = lambda: True,
    unavailable: Callable[[], DiscordHTTPError] | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> Grant:
    """Waits until `ticket` is resolved, at most `cap` seconds; returns the grant or raises."""
    give_up_at = clock() + cap
    woken_at_version = -1  # the deadline version a re-check was already asked for
    while not ticket.done:
        now = clock()
        if now >= give_up_at:
            if cancel(ticket):
                raise RateLimitWaitTooLong(None, cap, route=ticket.route.key)
            break  # granted or failed meanwhile
        version, deadline = ticket.version, ticket.deadline
        if deadline is None or version == woken_at_version:
            until = give_up_at  # wait for an answer elsewhere, or for the re-check's verdict
        else:
            until = min(deadline, give_up_at)
        timeout = min(max(until - now, 0.0), LIVENESS_CHECK_INTERVAL)
        if ticket.wait_change(version, timeout):
            break
        if not alive():
            if unavailable is not None and ticket.resolve(None, unavailable()):
                break
        elif ticket.version == version and deadline is not None and clock() >= deadline:
            # Ask once per deadline; if the verdict does not come, ask again after a while.
            woken_at_version = -1 if version == woken_at_version else version
            wake()
    if ticket.error is not None:
        raise ticket.error
    assert ticket.grant is not None
    return ticket.grant


class LocalLimiter:
    """A `Limiter` for one process, without actors: `RateLimits` behind a lock."""

    def __init__(self, config: RateLimitConfig | None = None, state: RateLimits | None = None):
        self.state = state if state is not None else RateLimits(config)
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"<LocalLimiter waiting={self.state.waiting}>"

    @property
    def max_ratelimit_wait(self) -> float:
        return self.state.config.max_ratelimit_wait

    def acquire(self, route: Route, max_wait: float | None = None) -> Grant:
        ticket = Ticket(route, max_wait)
        with self._lock:
            self.state.acquire(ticket)
        if ticket.grant is not None:
            return ticket.grant
        cap = self.max_ratelimit_wait
        if max_wait is not None:
            cap = min(cap, max_wait)
        return wait_for_ticket(ticket, cap=cap, wake=self._wake, cancel=self._cancel)

    def release(self, grant: Grant, outcome: Outcome) -> None:
        with self._lock:
            self.state.release(grant, outcome)

    def _wake(self) -> None:
        with self._lock:
            self.state.wake()

    def _cancel(self, ticket: Ticket) -> bool:
        with self._lock:
            return self.state.cancel(ticket)
