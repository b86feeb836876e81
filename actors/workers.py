"""Where a consumer's per-event worker runs: `start_worker(run)` is the one switch.

Until `supervisors.PooledActor` is in place, a worker is a call on a shared pool of daemon
threads fed by a `SimpleQueue`: about 1 us to hand over, against about 9 us for
`ThreadPoolExecutor.submit` and 300 us or more for a new `ThreadingActor`. The pool grows on
demand up to `WORKER_THREADS`; the queue in front of it is bounded by the consumers' slots
(`max_workers`), since every call in it holds one. Daemon threads: a handler stuck forever does
not hang the interpreter at exit.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from queue import SimpleQueue

import structlog

__all__ = ["WORKER_THREADS", "WorkerPool", "start_worker"]

log = structlog.get_logger(__name__)

WORKER_THREADS = 64
"""Threads at most in the shared pool (handlers that wait on REST calls each hold one)."""


class WorkerPool:
    """A pool of daemon threads running zero-argument calls; grows while none is idle."""

    def __init__(self, max_threads: int = WORKER_THREADS, name: str = "shardline-worker") -> None:
        self.max_threads = max_threads
        self._name = name
        self._calls: SimpleQueue[Callable[[], None]] = SimpleQueue()
        self._lock = threading.Lock()
        self._threads = 0
        self._idle = 0
        self._queued = 0

    def submit(self, run: Callable[[], None]) -> None:
        """Queues `run` for a pool thread (it must catch its own errors)."""
        with self._lock:
            self._queued += 1
            # Every queued call has an idle thread waiting for it, up to the bound.
            grow = self._queued > self._idle and self._threads < self.max_threads
            if grow:
                self._threads += 1
                self._idle += 1
                number = self._threads
        self._calls.put(run)
        if grow:
            name = f"{self._name}-{number}"
            threading.Thread(target=self._loop, name=name, daemon=True).start()

    def threads(self) -> int:
        """How many threads the pool has started."""
        return self._threads

    def _loop(self) -> None:
        get = self._calls.get
        lock = self._lock
        while True:
            run = get()
            with lock:
                self._queued -= 1
                self._idle -= 1
            try:
                run()
            except BaseException:  # a pool thread must outlive any call
                log.exception("workers.call_failed")
            with lock:
                self._idle += 1


_pool: WorkerPool | None = None
_pool_lock = threading.Lock()


def start_worker(run: Callable[[], None]) -> None:
    """Runs `run` in a new short-lived worker. The one place that decides what a worker is."""
    pool = _pool
    if pool is None:
        pool = _shared_pool()
    pool.submit(run)


def _shared_pool() -> WorkerPool:
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = WorkerPool()
        return _pool
