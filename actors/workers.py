"""Where a consumer's per-event worker runs: `start_worker(run)` is the one switch.

A worker is an `EventWorker`, a `supervisors.PooledActor`: started for one event, it runs the
handler in its `on_start` and stops. Each consumer runs its workers on a pool of its own
(`worker_pool`, threads started on demand), so one consumer's handlers that block cannot delay
another consumer's events, nor the other pooled actors of the process, and two bots in one
process share no thread. The queue in front of a pool is bounded by its consumer's slots
(`max_workers`): every worker waiting in it holds one. A pool thread runs queued worker turns
back to back, without sleeping in between.

A consumer's worker is started with `PooledActor.run_once`: nothing ever holds its ref (the
consumer keeps none, and the handler runs as the consumer's method), so it is made without one,
and without the inbox, lock and lifeline a ref would need. Its whole life is one pool turn:
0.7 us, against 2.6 us for `start_once` with a ref (in-process, the turn run at once).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from supervisors import Pool, PooledActor

__all__ = ["WORKER_THREADS", "EventWorker", "start_worker", "worker_pool"]

WORKER_THREADS = 64
"""Threads at most of the pool workers run on when no consumer pool is given."""


class EventWorker(PooledActor):
    """The short-lived actor that runs one call (a consumer's handler for one event) and stops.

    The call must catch its own errors (the consumer's does, and logs them). Like every pooled
    actor it must not block forever: it holds a pool thread while it runs.
    """

    __slots__ = ("args", "run")

    pool = Pool(WORKER_THREADS)

    def __init__(self, run: Callable[..., None], *args: Any) -> None:
        self.run = run
        self.args = args

    def on_start(self) -> None:
        self.run(*self.args)

    def _run_once(self) -> None:
        """`PooledActor._run_once` with `on_start` inlined and no `on_stop` (it has none):
        two calls fewer on every event."""
        try:
            self.run(*self.args)
        except BaseException as exc:
            self._start_failed(exc)


POOL_IDLE = 10.0
"""Ours: seconds a consumer pool's thread stays idle before it ends (a stopped or crashed
consumer's pool goes away by itself once its last handler is done)."""


POOL_STALL = 0.02
"""Ours: how long a consumer's queued workers may make no progress (every thread busy, perhaps
blocked) before its pool starts another thread. Quick handlers run back to back on one or two
threads; a blocked one delays the others by at most this."""


def worker_pool(max_workers: int, name: str) -> Pool:
    """A consumer's own worker pool: a thread for each of its slots, and as many again for
    handlers that wait inline (`wait_for` gives its slot back while it waits)."""
    return Pool(2 * max_workers, name=name, idle=POOL_IDLE, stall=POOL_STALL)


def start_worker(run: Callable[..., None], pool: Pool | None = None, *args: Any) -> None:
    """Runs `run(*args)` in a new short-lived worker (on `pool`: one nothing can reach, see the
    module docstring; or on the shared pool, with a ref). The one place that decides what a
    worker is."""
    if pool is None:
        EventWorker.start(run, *args).stop(block=False)
    else:
        EventWorker.run_once(pool, run, *args)
