"""`Pool`: a shared pool of daemon threads that runs pooled actors, each one's messages in turn.

Threads are started on demand up to `max_workers` and named `supervisors-pool-N`. An actor is put
on the run queue when it gets a message and is not already queued or running; a worker runs up to
`BATCH` of its messages, then puts it back if more are waiting (so a chatty actor cannot hold a
thread for ever). One actor never runs on two threads at once.
"""

from __future__ import annotations

import itertools
import queue
import threading
from typing import Protocol

import structlog

from supervisors.scheduling import use_batch_policy

__all__ = ["DEFAULT_POOL_WORKERS", "Pool", "default_pool"]

log = structlog.get_logger(__name__)

# As concurrent.futures.ThreadPoolExecutor's default ceiling: handlers may block on IO (REST).
DEFAULT_POOL_WORKERS = 32
THREAD_PREFIX = "supervisors-pool"
_thread_ids = itertools.count()


class Runnable(Protocol):
    """What the pool runs: a pooled actor's turn."""

    def _run_turn(self) -> None: ...


class Pool:
    """Daemon worker threads sharing one run queue of actors."""

    def __init__(self, max_workers: int = DEFAULT_POOL_WORKERS) -> None:
        if max_workers < 1:
            raise ValueError(f"max_workers must be >= 1, got {max_workers}")
        self.max_workers = max_workers
        self._queue: queue.SimpleQueue[Runnable | None] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self._idle = 0  # threads waiting in get, or started and not yet there
        self._queued = 0  # turns submitted and not yet taken by a thread
        self._closed = False

    def submit(self, actor: Runnable) -> None:
        """Queue an actor's turn; start a thread if the turns queued outnumber the idle threads.

        Queued turns are counted against idle threads under the lock: with one idle thread and
        two quick submits, the second starts a thread, or it would wait behind the first turn
        (which may block) until some later submit.
        """
        with self._lock:
            self._queued += 1
            thread = None
            if (
                self._queued > self._idle
                and len(self._threads) < self.max_workers
                and not self._closed
            ):
                thread = threading.Thread(
                    target=self._work, name=f"{THREAD_PREFIX}-{next(_thread_ids)}", daemon=True
                )
                self._threads.append(thread)
                self._idle += 1  # counted from its start: it takes a turn as soon as it runs
        self._queue.put(actor)
        if thread is not None:
            thread.start()

    @property
    def threads(self) -> int:
        """Worker threads started so far."""
        return len(self._threads)

    def _work(self) -> None:
        use_batch_policy()  # one context switch per hand-off, not three (supervisors.scheduling)
        get = self._queue.get
        lock = self._lock
        while True:
            actor = get()
            with lock:
                self._idle -= 1
                if actor is None:
                    return
                self._queued -= 1
            try:
                actor._run_turn()
            except BaseException:
                log.exception("pool_turn_failed", actor=str(actor))
            with lock:
                self._idle += 1

    def shutdown(self, timeout: float | None = 5.0) -> bool:
        """Stop the threads once the queue is drained; True if all ended within `timeout`."""
        with self._lock:
            self._closed = True
            threads = list(self._threads)
        for _ in threads:
            self._queue.put(None)
        for thread in threads:
            thread.join(timeout)
        return not any(thread.is_alive() for thread in threads)


_default: Pool | None = None
_default_lock = threading.Lock()


def default_pool() -> Pool:
    """The process-wide pool used by `PooledActor` unless a class sets its own `pool`."""
    global _default
    if _default is None:
        with _default_lock:
            if _default is None:
                _default = Pool()
    return _default
