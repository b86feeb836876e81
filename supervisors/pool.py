"""`Pool`: a shared pool of daemon threads that runs pooled actors, each one's messages in turn.

Threads are started on demand up to `max_workers` and named `supervisors-pool-N`. An actor is put
on the run queue when it gets a message and is not already queued or running; a worker runs up to
`BATCH` of its messages, then puts it back if more are waiting (so a chatty actor cannot hold a
thread for ever). One actor never runs on two threads at once.

A thread that hands many turns to pools in a burst (a shard's reader, for the frames of one
read of its socket) may hold them: after `hold_turns()`, what it submits waits in that thread
until it calls `release_turns()`, which submits it all, in order. A pool thread woken once then
runs the burst's turns back to back, instead of being woken for each turn whenever the
submitting thread lets the GIL go (zlib, a socket read): about 0.7 context switches per event
against 0.1 in `bench/bench_pipeline.py --stage frames`. The holder must release before it
waits for anything those turns may have to do (a consumer's free slot) and before it ends.
"""

from __future__ import annotations

import itertools
import queue
import threading
from typing import Protocol

import structlog

from supervisors.scheduling import use_batch_policy

__all__ = ["DEFAULT_POOL_WORKERS", "Pool", "default_pool", "hold_turns", "release_turns"]

log = structlog.get_logger(__name__)

# As concurrent.futures.ThreadPoolExecutor's default ceiling: handlers may block on IO (REST).
DEFAULT_POOL_WORKERS = 32
THREAD_PREFIX = "supervisors-pool"
_thread_ids = itertools.count()
_held = threading.local()  # `turns`: [(pool, actor), ...] a holding thread has not submitted


def hold_turns() -> None:
    """From now on, turns this thread submits wait in it until `release_turns()` (the module
    docstring)."""
    if getattr(_held, "turns", None) is None:
        _held.turns = []


def release_turns(*, stop_holding: bool = False) -> None:
    """Submits every turn this thread holds, in order (nothing if it holds none);
    `stop_holding`: later turns go at once again."""
    turns = getattr(_held, "turns", None)
    if turns or stop_holding:
        _held.turns = None if stop_holding else []
    for pool, actor in turns or ():
        pool._submit(actor)


class Runnable(Protocol):
    """What the pool runs: a pooled actor's turn."""

    def _run_turn(self) -> None: ...


class Pool:
    """Daemon worker threads sharing one run queue of actors."""

    def __init__(
        self,
        max_workers: int = DEFAULT_POOL_WORKERS,
        name: str = "",
        idle: float | None = None,
        stall: float | None = None,
    ) -> None:
        """`name` goes into the threads' names (`supervisors-pool-NAME-N`); a thread idle for
        `idle` seconds ends (None: threads live for the process), so a pool nobody uses any
        more goes away by itself, without a shutdown that could strand a late turn.

        `stall`: None starts a thread as soon as queued turns outnumber idle threads. A number
        (seconds) starts the first thread at once and the others only when the queue has made
        no progress for that long (every thread busy with a turn that blocks): under a flood
        of quick turns one or two threads run them back to back instead of a hundred threads
        fighting for the GIL, and a blocked turn still cannot hold the queue up for longer
        than `stall`."""
        if max_workers < 1:
            raise ValueError(f"max_workers must be >= 1, got {max_workers}")
        self.max_workers = max_workers
        self._prefix = f"{THREAD_PREFIX}-{name}" if name else THREAD_PREFIX
        self._idle_timeout = idle
        self._queue: queue.SimpleQueue[Runnable | None] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self._idle = 0  # threads waiting in get, or started and not yet there
        self._queued = 0  # turns submitted and not yet taken by a thread
        self._closed = False
        self._stall = stall
        self._taken = 0  # turns taken so far: the queue's progress
        self._watch = threading.Condition(self._lock)
        self._watched_at: int | None = None  # `_taken` when a stall was suspected
        self._watcher: threading.Thread | None = None

    def submit(self, actor: Runnable) -> None:
        """Queue an actor's turn; start a thread if the turns queued outnumber the idle threads.

        Queued turns are counted against idle threads under the lock: with one idle thread and
        two quick submits, the second starts a thread, or it would wait behind the first turn
        (which may block) until some later submit. A thread that holds its turns
        (`hold_turns`) keeps this one until it releases them.
        """
        held = getattr(_held, "turns", None)
        if held is not None:
            held.append((self, actor))
            return
        self._submit(actor)

    def _submit(self, actor: Runnable) -> None:
        with self._lock:
            self._queued += 1
            thread = None
            if (
                self._queued > self._idle
                and len(self._threads) < self.max_workers
                and not self._closed
            ):
                if self._stall is None or not self._threads:
                    thread = self._new_thread()
                else:
                    thread = self._suspect_stall()
        self._queue.put(actor)
        if thread is not None:
            thread.start()

    def _new_thread(self) -> threading.Thread:
        thread = threading.Thread(
            target=self._work, name=f"{self._prefix}-{next(_thread_ids)}", daemon=True
        )
        self._threads.append(thread)
        self._idle += 1  # counted from its start: it takes a turn as soon as it runs
        return thread

    def _suspect_stall(self) -> threading.Thread | None:
        """(Under the lock.) Turns wait for busy threads: the watcher checks in `stall` s."""
        if self._watched_at is None:
            self._watched_at = self._taken
            self._watch.notify()
        if self._watcher is not None:
            return None
        self._watcher = threading.Thread(
            target=self._watch_main, name=f"{self._prefix}-watch", daemon=True
        )
        return self._watcher

    def _watch_main(self) -> None:
        """Starts a thread whenever queued turns made no progress for `stall` seconds."""
        stall = self._stall
        assert stall is not None
        lock = self._lock
        with lock:
            while not self._closed:
                if self._watched_at is None:
                    if not self._watch.wait(self._idle_timeout) and self._watched_at is None:
                        self._watcher = None  # idle for long: a new stall starts another
                        return
                    continue
                self._watch.wait(stall)
                if self._watched_at is None:
                    continue
                if self._queued <= self._idle:
                    self._watched_at = None  # every queued turn has a thread coming for it
                    continue
                if self._taken == self._watched_at and len(self._threads) < self.max_workers:
                    thread = self._new_thread()
                    lock.release()
                    try:
                        thread.start()
                    finally:
                        lock.acquire()
                self._watched_at = self._taken

    @property
    def threads(self) -> int:
        """Worker threads alive (started, and not ended after idling)."""
        return len(self._threads)

    def _work(self) -> None:
        use_batch_policy()  # one context switch per hand-off, not three (supervisors.scheduling)
        get = self._queue.get
        lock = self._lock
        idle = self._idle_timeout
        while True:
            try:
                actor = get(timeout=idle)
            except queue.Empty:
                with lock:
                    # A turn counted against this thread as idle must not be stranded.
                    if self._queued >= self._idle:
                        continue
                    self._idle -= 1
                    self._threads.remove(threading.current_thread())
                    return
            with lock:
                self._idle -= 1
                if actor is None:
                    return
                self._queued -= 1
                self._taken += 1
            try:
                actor._run_turn()
            except BaseException:
                log.exception("pool_turn_failed", actor=str(actor))
            actor = None  # not kept (with its event) while this thread waits for the next
            with lock:
                self._idle += 1

    def shutdown(self, timeout: float | None = 5.0) -> bool:
        """Stop the threads once the queue is drained; True if all ended within `timeout`
        (0: do not wait; a thread busy with a turn ends after it)."""
        with self._lock:
            self._closed = True
            self._watch.notify_all()
            threads = list(self._threads)
        for _ in threads:
            self._queue.put(None)
        if timeout == 0:
            return not any(thread.is_alive() for thread in threads)
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
