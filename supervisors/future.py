"""`LatchFuture`: the reply future of asks to `supervisors` actors, a lock used as a latch.

pykka's `ThreadingFuture` waits on a `threading.Condition` (a new waiter lock and Python-level
bookkeeping per wait and per notify): about 10 us per thread hand-off here, against about 6 us
for a bare lock release/acquire (bench/bench_pipeline.py, stages producer_ask and cache_ask).
An ask's future is set once by one thread and read by any number, so a lock acquired at birth
and released by `set` is enough: a getter acquires it (waiting) and releases it again for the
next getter.

Same interface and behaviour as pykka's futures: `get(timeout=)` raising `pykka.Timeout`, the
value or the exception given to `set`/`set_exception` (raised again on every `get`),
`set_get_hook`, and `filter`/`join`/`map`/`reduce`/`await` from `pykka.Future`. Setting a
future twice raises `queue.Full`, as pykka's does.
"""

from __future__ import annotations

import math
import queue
import sys
from _thread import allocate_lock
from typing import Any

import pykka

from supervisors.pykka_compat import unset

_UNSET = unset()

__all__ = ["LatchFuture"]


class LatchFuture(pykka.Future[Any]):
    """A one-shot future for threads: a lock held until the result is set."""

    def __init__(self) -> None:
        # pykka.Future.__init__'s two fields, set here: one call less per ask.
        self._get_hook = None
        self._get_hook_result = _UNSET
        self._latch = allocate_lock()
        self._latch.acquire()
        self._done = False
        self._value: Any = None
        self._error: BaseException | None = None

    def get(self, *, timeout: float | None = None) -> Any:
        """The result; waits up to `timeout` seconds (None: forever), else `pykka.Timeout`."""
        if self._get_hook is not None:
            return super().get(timeout=timeout)
        if not self._done:
            if timeout is None or math.isinf(timeout):
                acquired = self._latch.acquire()
            else:
                acquired = self._latch.acquire(timeout=max(timeout, 0.0))
            if not acquired:
                raise pykka.Timeout(f"{timeout} seconds")
            self._latch.release()
        if self._error is not None:
            raise self._error
        return self._value

    def set(self, value: Any = None) -> None:
        """Resolve with `value`; wakes every waiting `get`."""
        if self._done or self._get_hook is not None:
            raise queue.Full
        self._value = value
        self._done = True
        self._latch.release()

    def set_exception(self, exc_info: Any = None) -> None:
        """Resolve with an exception (an exc_info triple; None: the one being handled)."""
        if exc_info is None:
            exc_info = sys.exc_info()
        if self._done or self._get_hook is not None:
            raise queue.Full
        self._error = exc_info[1] if exc_info[1] is not None else exc_info[0]()
        self._done = True
        self._latch.release()

    @property
    def done(self) -> bool:
        """True once set (a future with a get hook is never 'done' this way)."""
        return self._done
