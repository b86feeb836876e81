"""`Scheduler`: a daemon thread that runs callbacks later (restart delays, backoff, pacing).

Supervisors never sleep in their own thread: a delayed restart is a callback here that tells the
supervisor a message. A scheduler's thread is started on first use and ended by `stop()`.

`default_scheduler()` is the process-wide one (thread `supervisors-timer`, never stopped) for
code that uses `supervisors` alone. An owner that wants its timers to itself (each `Bot` does)
makes its own `Scheduler(name=...)`, hands it to its supervisors (`scheduler=`) and stops it
when it ends: a slow callback or a crash loop on one owner's timer then delays no other owner's.
"""

from __future__ import annotations

import heapq
import itertools
import threading
import time
from collections.abc import Callable

import structlog

from supervisors.errors import SupervisorsError

__all__ = ["Scheduler", "SchedulerStopped", "TimerHandle", "default_scheduler"]

log = structlog.get_logger(__name__)

THREAD_NAME = "supervisors-timer"
"""The thread name of `default_scheduler()` (and of a `Scheduler` not given a name)."""
DEFAULT_STOP_TIMEOUT = 5.0
"""Seconds `Scheduler.stop()` waits for a callback that is running to return."""


class SchedulerStopped(SupervisorsError, RuntimeError):
    """`call_later` on a scheduler that was stopped: its owner has ended."""

    def __init__(self, name: str) -> None:
        super().__init__(f"scheduler {name!r} is stopped: no callback can be scheduled on it")
        self.name = name


class TimerHandle:
    """A scheduled callback; `cancel()` stops it from running if it has not run yet."""

    __slots__ = ("_cancelled", "callback", "when")

    def __init__(self, when: float, callback: Callable[[], object]) -> None:
        self.when = when
        self.callback = callback
        self._cancelled = False

    def cancel(self) -> None:
        """Do not run the callback (no effect once it has run)."""
        self._cancelled = True

    @property
    def cancelled(self) -> bool:
        """True once `cancel()` was called."""
        return self._cancelled


class Scheduler:
    """Runs callbacks after a delay on one daemon thread; callbacks must be quick."""

    def __init__(
        self, clock: Callable[[], float] = time.monotonic, *, name: str = THREAD_NAME
    ) -> None:
        """`name`: the thread's name, saying whose timer it is (`bot-1-timer`, say)."""
        self._clock = clock
        self.name = name
        self._wakeup = threading.Condition()
        self._heap: list[tuple[float, int, TimerHandle]] = []
        self._seq = itertools.count()
        self._thread: threading.Thread | None = None
        self._stopped = False

    def __repr__(self) -> str:
        state = "stopped" if self._stopped else "running" if self._thread else "idle"
        return f"<Scheduler {self.name} {state}>"

    @property
    def stopped(self) -> bool:
        """True once `stop()` was called (no callback can be scheduled any more)."""
        return self._stopped

    @property
    def thread(self) -> threading.Thread | None:
        """The scheduler's thread, once the first callback started it."""
        return self._thread

    def call_later(self, delay: float, callback: Callable[[], object]) -> TimerHandle:
        """Run `callback` in the scheduler thread after `delay` seconds.

        Raises `SchedulerStopped` after `stop()`: the owner has ended, nothing is run for it."""
        handle = TimerHandle(self._clock() + max(delay, 0.0), callback)
        with self._wakeup:
            if self._stopped:
                raise SchedulerStopped(self.name)
            heapq.heappush(self._heap, (handle.when, next(self._seq), handle))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
                self._thread.start()
            self._wakeup.notify()
        return handle

    def stop(self, timeout: float = DEFAULT_STOP_TIMEOUT) -> bool:
        """Ends the thread: the callbacks still pending are dropped (logged at debug), a running
        one gets `timeout` seconds to return. True if the thread has ended (or never started).

        Idempotent; safe from a callback (it does not wait for its own thread)."""
        with self._wakeup:
            self._stopped = True
            dropped = sum(1 for _, _, handle in self._heap if not handle.cancelled)
            self._heap.clear()
            self._wakeup.notify()
            thread = self._thread
        if dropped:
            log.debug("timer.pending_dropped", scheduler=self.name, dropped=dropped)
        if thread is None or thread is threading.current_thread():
            return thread is None
        thread.join(timeout)
        if thread.is_alive():
            log.warning("timer.stop_timed_out", scheduler=self.name, timeout=timeout)
            return False
        return True

    def pending(self) -> int:
        """Callbacks waiting to run (cancelled ones included until their time)."""
        with self._wakeup:
            return len(self._heap)

    def _run(self) -> None:
        while True:
            with self._wakeup:
                while not self._stopped and (not self._heap or self._heap[0][0] > self._clock()):
                    timeout = self._heap[0][0] - self._clock() if self._heap else None
                    self._wakeup.wait(timeout)
                if self._stopped:
                    return
                _, _, handle = heapq.heappop(self._heap)
            if handle.cancelled:
                continue
            try:
                handle.callback()
            except Exception:
                log.exception("timer_callback_failed")


_default: Scheduler | None = None
_default_lock = threading.Lock()


def default_scheduler() -> Scheduler:
    """The process-wide scheduler (one daemon thread shared by every supervisor)."""
    global _default
    with _default_lock:
        if _default is None:
            _default = Scheduler()
        return _default
