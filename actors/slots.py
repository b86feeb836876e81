"""`Slots`: a counting semaphore in C (`queue.SimpleQueue` of tokens) for a consumer's workers.

`threading.Semaphore` is Python code over a `Condition`: about 1 us per acquire + release pair,
paid twice per event (the producer takes a slot, the worker gives it back). A `SimpleQueue`
holding one token per free slot does the same in C for about 0.2 us, and a thread waiting for a
slot blocks in C, woken by the token that comes back. Same call signatures as
`threading.Semaphore` for what consumers use: `acquire(blocking=True, timeout=None)`,
`release()`.
"""

from __future__ import annotations

import queue
from collections.abc import Callable
from functools import partial

__all__ = ["Slots"]


class Slots:
    """`count` slots; `acquire` takes one (waiting if asked), `release` gives one back."""

    __slots__ = ("_tokens", "release", "take_nowait")

    def __init__(self, count: int) -> None:
        if count < 0:
            raise ValueError(f"slot count must be >= 0, got {count}")
        self._tokens: queue.SimpleQueue[None] = queue.SimpleQueue()
        for _ in range(count):
            self._tokens.put(None)
        self.take_nowait: Callable[[], None] = self._tokens.get_nowait
        """Takes a free slot or raises `queue.Empty`, in C (a consumer, once per event)."""
        self.release: Callable[[], None] = partial(self._tokens.put, None)
        """Gives a slot back (wakes one waiting `acquire`), in C."""

    def acquire(self, blocking: bool = True, timeout: float | None = None) -> bool:
        """Takes a slot; False if none came free (at once when not blocking, or in `timeout`)."""
        if timeout is not None and timeout < 0:
            timeout = 0.0  # as threading.Semaphore: a deadline already past
        try:
            self._tokens.get(blocking, timeout)
        except queue.Empty:
            return False
        return True

    def free(self) -> int:
        """Slots free now (a snapshot)."""
        return self._tokens.qsize()
