"""`ClusterIdentifyQueue`: the IdentifyQueue of a node of a cluster (docs/cluster.md).

It answers the same `RequestIdentify` as `actors.identify_queue.IdentifyQueue`, but the windows
are the cluster's (`bot.cluster.pacing.ClusterIdentify`): one per bucket `shard_id %
max_concurrency` across every node, and the session start count shared. A request whose bucket
is held is asked again when the window ends, on the shared scheduler (the actor never sleeps).
If Redis cannot be reached the request is asked again after a second: an IDENTIFY is never sent
unpaced. RESUMEs do not come here.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

import structlog

from actors.messages import IdentifyGranted, IdentifyRefused, RequestIdentify
from bot.cluster.errors import ClusterUnavailable
from bot.cluster.pacing import ClusterIdentify
from bot.gateway.identify import SessionStartLimit, SessionStartLimitError
from supervisors import Actor, Scheduler, default_scheduler
from supervisors.timer import TimerHandle

__all__ = ["ClusterIdentifyQueue"]

log = structlog.get_logger(__name__)

RETRY_UNAVAILABLE = 1.0
"""Seconds before asking Redis again when it could not be reached."""


class ClusterIdentifyQueue(Actor):
    """Grants IDENTIFYs through the cluster's shared windows (see the module docstring)."""

    def __init__(
        self,
        identify: ClusterIdentify,
        gateway_bot: Mapping[str, Any] | None = None,
        *,
        scheduler: Scheduler | None = None,
    ) -> None:
        super().__init__()
        data = gateway_bot.get("session_start_limit") if gateway_bot is not None else None
        self.limit = (
            SessionStartLimit.from_dict(data) if isinstance(data, Mapping) else SessionStartLimit()
        )
        self.identify = identify
        self._scheduler = scheduler if scheduler is not None else default_scheduler()
        self._timers: set[TimerHandle] = set()
        self._lock = threading.Lock()

    def on_start(self) -> None:
        try:
            self.identify.seed(self.limit.remaining, self.limit.reset_after)
        except ClusterUnavailable as exc:
            log.warning("cluster.identify_seed_failed", reason=exc.reason)

    def on_stop(self) -> None:
        with self._lock:
            timers, self._timers = self._timers, set()
        for timer in timers:
            timer.cancel()

    def on_receive(self, message: Any) -> Any:
        if isinstance(message, RequestIdentify):
            self._ask(message)
        else:
            log.warning("identify_queue.unexpected_message", message=type(message).__name__)

    def _ask(self, request: RequestIdentify) -> None:
        try:
            answer = self.identify.try_identify(request.shard_id, self.limit.max_concurrency)
        except ClusterUnavailable as exc:
            log.warning("cluster.identify_unavailable", shard=request.shard_id, reason=exc.reason)
            self._later(RETRY_UNAVAILABLE, request)
            return
        if answer.exhausted:
            error = SessionStartLimitError(1, 0, self.limit.reset_after)
            log.error("identify_queue.refused", shard=request.shard_id, reason=str(error))
            _tell(request.requester, IdentifyRefused(request.shard_id, request.attempt, error))
            return
        if answer.granted:
            log.info(
                "identify_queue.granted",
                shard=request.shard_id,
                bucket=request.shard_id % max(1, self.limit.max_concurrency),
                remaining=answer.remaining,
                cluster=True,
            )
            _tell(request.requester, IdentifyGranted(request.shard_id, request.attempt))
            return
        self._later(answer.wait, request)

    def _later(self, delay: float, request: RequestIdentify) -> None:
        actor = self.actor_ref

        def again() -> None:
            with self._lock:
                if timer not in self._timers:
                    return
                self._timers.discard(timer)
            try:
                actor.tell(request)
            except Exception:
                log.debug("identify_queue.stopped", shard=request.shard_id)

        with self._lock:
            timer = self._scheduler.call_later(max(delay, 0.01), again)
            self._timers.add(timer)


def _tell(ref: Any, message: Any) -> None:
    try:
        ref.tell(message)
    except Exception:  # the shard stopped since it asked
        log.debug("identify_queue.requester_gone", shard=message.shard_id)
