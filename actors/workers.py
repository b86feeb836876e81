"""Where a consumer's per-event worker runs: `start_worker(run)` is the one switch.

A worker is an `EventWorker`, a `supervisors.PooledActor`: started for one event, it runs the
handler in its `on_start` and stops. It runs on a pool of its own (`WORKER_THREADS` threads,
started on demand), so handlers that wait on REST calls cannot starve the other pooled actors
of the process, nor they the handlers. The queue in front of the pool is bounded by the
consumers' slots (`max_workers`): every worker waiting in it holds one.

Cost (bench/bench_pipeline.py, stage worker_start): about 8 us per worker, against 1 us for a
bare call on a thread pool and 300 us or more for a `ThreadingActor`.
"""

from __future__ import annotations

from collections.abc import Callable

from supervisors import Pool, PooledActor

__all__ = ["WORKER_THREADS", "EventWorker", "start_worker"]

WORKER_THREADS = 64
"""Threads at most for consumers' workers (handlers that wait on REST calls each hold one)."""


class EventWorker(PooledActor):
    """The short-lived actor that runs one call (a consumer's handler for one event) and stops.

    The call must catch its own errors (the consumer's does, and logs them). Like every pooled
    actor it must not block forever: it holds a pool thread while it runs.
    """

    pool = Pool(WORKER_THREADS)

    def __init__(self, run: Callable[[], None]) -> None:
        self.run = run

    def on_start(self) -> None:
        self.run()


def start_worker(run: Callable[[], None]) -> None:
    """Runs `run` in a new short-lived worker. The one place that decides what a worker is."""
    EventWorker.start(run).stop(block=False)
