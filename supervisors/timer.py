"""`Scheduler`: one shared daemon thread that runs callbacks later (restart delays, backoff).

Supervisors never sleep in their own thread: a delayed restart is a callback here that tells the
supervisor a message. The thread is named `supervisors-timer` and started on first use.
"""

from __future__ import annotations

import heapq
import itertools
import threading
import time
from collections.abc import Callable

import structlog

__all__ = ["Scheduler", "TimerHandle", "default_scheduler"]

log = structlog.get_logger(__name__)

THREAD_NAME = "supervisors-timer"


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

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._wakeup = threading.Condition()
        self._heap: list[tuple[float, int, TimerHandle]] = []
        self._seq = itertools.count()
        self._thread: threading.Thread | None = None

    def call_later(self, delay: float, callback: Callable[[], object]) -> TimerHandle:
        """Run `callback` in the scheduler thread after `delay` seconds."""
        handle = TimerHandle(self._clock() + max(delay, 0.0), callback)
        with self._wakeup:
            heapq.heappush(self._heap, (handle.when, next(self._seq), handle))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name=THREAD_NAME, daemon=True)
                self._thread.start()
            self._wakeup.notify()
        return handle

    def pending(self) -> int:
        """Callbacks waiting to run (cancelled ones included until their time)."""
        with self._wakeup:
            return len(self._heap)

    def _run(self) -> None:
        while True:
            with self._wakeup:
                while not self._heap or self._heap[0][0] > self._clock():
                    timeout = self._heap[0][0] - self._clock() if self._heap else None
                    self._wakeup.wait(timeout)
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
