"""`IdentifyQueue`: paces the IDENTIFYs of every shard of the bot (one actor per bot).

A shard asks with `RequestIdentify(shard_id, requester, attempt)`; the queue books the next slot
of the shard's bucket (`shard_id % max_concurrency`, one IDENTIFY per bucket per 5 s, see
`bot.gateway.identify.IdentifyPacer`) and tells the requester `IdentifyGranted` when the slot
comes, on the supervisors' shared `Scheduler` (one thread for every timer of the process): the
actor never sleeps in its thread. When the session start limit of
`GET /gateway/bot` is used up the requester gets `IdentifyRefused` with a
`SessionStartLimitError` and stops (Discord would reset the token past the limit).

    queue = IdentifyQueue.start(gateway_bot=rest.get("/gateway/bot"))
    queue.proxy().check_start(shard_count).get()     # SessionStartLimitError: refuse the start

In a bot's tree the pacer (booked slots, starts left) is made once by the tree and handed to
every (re)start of the queue, like the cache's stores: a crash of the queue does not let the
next shards IDENTIFY unpaced, nor forget how many starts are used.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

import structlog

from actors.messages import IdentifyGranted, IdentifyRefused, RequestIdentify
from bot.gateway.identify import IdentifyPacer, SessionStartLimit, SessionStartLimitError
from bot.gateway.limits import IDENTIFY_WINDOW_SECONDS
from supervisors import Actor, Scheduler, default_scheduler
from supervisors.timer import TimerHandle

__all__ = ["IdentifyQueue", "pacer_for"]

log = structlog.get_logger(__name__)


class IdentifyQueue(Actor):
    """Grants IDENTIFY slots by bucket and window; refuses past the session start limit."""

    reply_errors = (SessionStartLimitError,)

    def __init__(
        self,
        gateway_bot: Mapping[str, Any] | None = None,
        *,
        pacer: IdentifyPacer | None = None,
        window: float = IDENTIFY_WINDOW_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        scheduler: Scheduler | None = None,
    ) -> None:
        """`pacer` is the booked slots and the session starts left, kept by the tree outside
        this actor so that a restart of the queue forgets neither (`pacer_for` makes one);
        without it, one is made from `gateway_bot`, the body of `GET /gateway/bot` (its
        `session_start_limit`; without that, max_concurrency 1 and 1000 starts), and lives as
        long as this actor. Delayed grants run on `scheduler` (the process-wide
        `default_scheduler()` unless given)."""
        super().__init__()
        self._pacer = pacer if pacer is not None else pacer_for(gateway_bot, window, clock)
        self._scheduler = scheduler if scheduler is not None else default_scheduler()
        self._timers: set[TimerHandle] = set()
        self._timers_lock = threading.Lock()

    def on_stop(self) -> None:
        with self._timers_lock:
            timers, self._timers = self._timers, set()
        for timer in timers:
            timer.cancel()

    def on_receive(self, message: Any) -> Any:
        if isinstance(message, RequestIdentify):
            self._on_request(message)
        else:
            log.warning("identify_queue.unexpected_message", message=type(message).__name__)

    # -- through the proxy -----------------------------------------------------------------------

    def check_start(self, shard_count: int) -> None:
        """SessionStartLimitError if starting `shard_count` sessions would exhaust the limit."""
        self._pacer.check_start(shard_count)

    def update(self, gateway_bot: Mapping[str, Any]) -> None:
        """Takes fresh `GET /gateway/bot` data."""
        self._pacer.update(_limit_of(gateway_bot))

    def remaining(self) -> int:
        """Session starts left."""
        return self._pacer.remaining

    def max_concurrency(self) -> int:
        return self._pacer.max_concurrency

    # -- internals -------------------------------------------------------------------------------

    def _on_request(self, request: RequestIdentify) -> None:
        try:
            delay = self._pacer.reserve(request.shard_id)
        except SessionStartLimitError as error:
            log.error("identify_queue.refused", shard=request.shard_id, reason=error.reason)
            _tell(request.requester, IdentifyRefused(request.shard_id, request.attempt, error))
            return
        granted = IdentifyGranted(request.shard_id, request.attempt)
        log.info(
            "identify_queue.granted",
            shard=request.shard_id,
            bucket=self._pacer.bucket(request.shard_id),
            delay=round(delay, 3),
            remaining=self._pacer.remaining,
        )
        if delay <= 0:
            _tell(request.requester, granted)
            return
        with self._timers_lock:
            timer = self._scheduler.call_later(
                delay, lambda: self._fire(timer, request.requester, granted)
            )
            self._timers.add(timer)

    def _fire(self, timer: TimerHandle, requester: Any, granted: IdentifyGranted) -> None:
        # Runs on the shared scheduler thread: only a tell, quick, as the scheduler asks.
        with self._timers_lock:
            if timer not in self._timers:  # cancelled by on_stop meanwhile
                return
            self._timers.discard(timer)
        _tell(requester, granted)


def pacer_for(
    gateway_bot: Mapping[str, Any] | None,
    window: float = IDENTIFY_WINDOW_SECONDS,
    clock: Callable[[], float] = time.monotonic,
) -> IdentifyPacer:
    """The pacer for the session start limit of a `GET /gateway/bot` body."""
    return IdentifyPacer(_limit_of(gateway_bot), window=window, clock=clock)


def _limit_of(gateway_bot: Mapping[str, Any] | None) -> SessionStartLimit:
    data = gateway_bot.get("session_start_limit") if gateway_bot is not None else None
    return SessionStartLimit.from_dict(data) if isinstance(data, Mapping) else SessionStartLimit()


def _tell(ref: Any, message: Any) -> None:
    try:
        ref.tell(message)
    except Exception:  # the shard has stopped since it asked: nothing to grant
        log.debug("identify_queue.requester_gone", shard=message.shard_id)
