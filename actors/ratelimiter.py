"""`RatelimiterActor`: the bot's one REST rate limiter, shared by every thread that calls Discord.

The actor owns no IO and never blocks: it only answers "send now" or "wait in line" and records
the headers of each answer, on a `bot.api.ratelimits.RateLimits` it is handed at every
(re)start, so learned buckets survive a crash. The HTTP request itself runs in the caller's
thread. Callers in line sleep on their own ticket; when the line's deadline passes they tell
the actor `WakeRate`, so the actor needs no timer. Requests of different buckets never wait
behind each other: a grant needs only its own bucket and the global window.

If the actor crashes or stops, `on_failure`/`on_stop` fail every ticket in line at once with
`RatelimiterUnavailable`; callers whose `AcquireRate` was still queued get `ActorDeadError`,
translated to the same error; a caller also notices a dead limiter by itself within
`bot.api.limiter.LIVENESS_CHECK_INTERVAL`. `ActorLimiter` is the client's side: it finds the
current actor through a resolver (`supervisors.Names` in the tree) at each request, so the
restarted limiter serves new requests.

    state = RateLimits(RateLimitConfig())
    Supervisor.start([RatelimiterActor.child_spec(state), ...], names=names)
    api = Client(token, ratelimiter=ActorLimiter.from_names(names, state))
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pykka
import structlog

import supervisors
from actors.messages import AcquireRate, CancelRate, ReleaseRate, WakeRate
from bot.api.errors import RatelimiterUnavailable
from bot.api.limiter import wait_for_ticket
from bot.api.ratelimits import Grant, Outcome, RateLimits, Ticket
from bot.api.routes import Route

__all__ = ["RATELIMITER_NAME", "ActorLimiter", "RatelimiterActor"]

log = structlog.get_logger(__name__)

# The name the bot's tree registers the limiter under (`supervisors.Names`).
RATELIMITER_NAME = "ratelimiter"
# How long a caller waits for the actor to take its AcquireRate (it answers at once).
ASK_TIMEOUT = 10.0


class RatelimiterActor(supervisors.Actor):
    """Grants REST requests against the shared `RateLimits` state (see the module docstring)."""

    def __init__(self, state: RateLimits) -> None:
        super().__init__()
        self.state = state

    @classmethod
    def child_spec(cls, state: RateLimits, id: str = RATELIMITER_NAME) -> supervisors.ChildSpec:
        """The spec for the bot's tree: every (re)start gets the same `state`."""
        return supervisors.ChildSpec(id, lambda: cls.start(state))

    def on_start(self) -> None:
        # Whatever the previous incarnation had in flight is forgotten; windows are kept.
        self.state.restart()
        log.debug("ratelimiter.started", epoch=self.state.epoch, buckets=len(self.state.buckets))

    def on_receive(self, message: Any) -> Any:
        match message:
            case AcquireRate(ticket):
                self.state.acquire(ticket)
                return None
            case ReleaseRate(grant, outcome):
                self.state.release(grant, outcome)
                return None
            case WakeRate():
                self.state.wake()
                return None
            case CancelRate(ticket):
                return self.state.cancel(ticket)
        log.warning("ratelimiter.unknown_message", message=type(message).__name__)
        return None

    def on_stop(self) -> None:
        self._fail_waiting("stopped")

    def on_failure(self, exception_type: Any, exception_value: Any, traceback: Any) -> None:
        self._fail_waiting("crashed")

    def _fail_waiting(self, why: str) -> None:
        failed = self.state.fail_all(RatelimiterUnavailable(f"rate limiter {why}"))
        log.info("ratelimiter.waiting_failed", reason=why, callers=failed)


class ActorLimiter:
    """The client's `Limiter` over the current `RatelimiterActor`, found by `resolve()`."""

    def __init__(
        self,
        resolve: Callable[[], pykka.ActorRef[Any] | None],
        *,
        max_ratelimit_wait: float,
    ) -> None:
        self._resolve = resolve
        self._max_wait = max_ratelimit_wait

    @classmethod
    def from_names(
        cls, names: supervisors.Names, state: RateLimits, name: str = RATELIMITER_NAME
    ) -> ActorLimiter:
        """A limiter that looks the actor up by `name` in the tree's registry at each call."""
        return cls(lambda: names.whereis(name), max_ratelimit_wait=state.config.max_ratelimit_wait)

    def __repr__(self) -> str:
        return "<ActorLimiter>"

    @property
    def max_ratelimit_wait(self) -> float:
        return self._max_wait

    def _ref(self) -> pykka.ActorRef[Any]:
        ref = self._resolve()
        if ref is None or not ref.is_alive():
            raise RatelimiterUnavailable("no rate limiter is running")
        return ref

    def acquire(self, route: Route, max_wait: float | None = None) -> Grant:
        ref = self._ref()
        ticket = Ticket(route, max_wait)
        try:
            ref.ask(AcquireRate(ticket), timeout=ASK_TIMEOUT)
        except (pykka.ActorDeadError, pykka.Timeout) as exc:
            ticket.resolve(None, RatelimiterUnavailable("rate limiter stopped"))
            raise RatelimiterUnavailable("rate limiter stopped", route=route.key) from exc
        if ticket.grant is not None:
            return ticket.grant

        def wake() -> None:
            try:
                ref.tell(WakeRate())
            except pykka.ActorDeadError:
                pass  # noticed by `alive` on the next turn

        def cancel(waiting: Ticket) -> bool:
            try:
                return bool(ref.ask(CancelRate(waiting), timeout=ASK_TIMEOUT))
            except (pykka.ActorDeadError, pykka.Timeout):
                return waiting.resolve(None, RatelimiterUnavailable("rate limiter stopped"))

        return wait_for_ticket(
            ticket,
            cap=self._max_wait if max_wait is None else min(max_wait, self._max_wait),
            wake=wake,
            cancel=cancel,
            alive=ref.is_alive,
            unavailable=lambda: RatelimiterUnavailable("rate limiter stopped", route=route.key),
        )

    def release(self, grant: Grant, outcome: Outcome) -> None:
        # To whichever limiter runs now: a restarted one shares the state, and knows the grant
        # is from before (its epoch) so only the headers count.
        ref = self._resolve()
        if ref is None:
            return
        try:
            ref.tell(ReleaseRate(grant, outcome))
        except pykka.ActorDeadError:
            log.debug("ratelimiter.release_dropped", route=grant.route_key)
