"""A two-lane actor inbox: a bounded user lane for backpressure, control that always gets through.

- urgent lane (unbounded): `Shutdown` and `ExitSignal`; taken before anything else.
- ordered lane: user messages, bounded by `maxsize` (a full lane blocks the sender: backpressure),
  plus pykka's stop, `Down` and `Exit`, which keep their order but never block and never count.
Once closed (the actor ended), a put fails: an ask's future gets `ActorDeadError`, a tell raises it,
and senders blocked on a full lane wake up with it.
"""

from __future__ import annotations

import threading
from _thread import allocate_lock
from collections import deque
from typing import Any

import pykka

from supervisors.messages import Down, Exit, ExitSignal, Shutdown
from supervisors.pykka_compat import ActorStop, Envelope

__all__ = ["Inbox"]

_URGENT: frozenset[type] = frozenset({Shutdown, ExitSignal})
_UNCOUNTED: frozenset[type] = frozenset({ActorStop, Down, Exit})


class Inbox:
    """pykka's inbox protocol (`put`, `get`, `empty`) with two lanes and an optional bound.

    One thread (the actor's) takes; any number put. The taker waits on a lock used as a latch,
    released by the put that finds it waiting: cheaper per hand-off than a `Condition`, whose
    every wait makes a new lock. Senders blocked on a full lane wait on a `Condition`, notified
    only when one waits.
    """

    __slots__ = (
        "_blocked",
        "_blocked_changed",
        "_closed",
        "_count",
        "_lock",
        "_maxsize",
        "_not_full",
        "_ordered",
        "_taker_waits",
        "_urgent",
        "_wakeup",
    )

    def __init__(self, maxsize: int | None = None) -> None:
        if maxsize is not None and maxsize < 1:
            raise ValueError(f"inbox maxsize must be >= 1 or None, got {maxsize}")
        self._lock = threading.Lock()
        self._not_full = threading.Condition(self._lock)
        self._blocked = 0  # senders waiting on a full user lane
        self._blocked_changed = threading.Condition(self._lock)  # only for wait_blocked
        self._wakeup = allocate_lock()  # held, except to wake the taker
        self._wakeup.acquire()
        self._taker_waits = False
        self._urgent: deque[Envelope[Any]] = deque()
        self._ordered: deque[Envelope[Any]] = deque()
        self._maxsize = maxsize
        self._count = 0
        self._closed = False

    def put(self, envelope: Envelope[Any], /) -> None:
        """Queue an envelope; blocks while the user lane is full."""
        kind = type(envelope.message)
        with self._lock:
            if not self._closed:
                if kind in _URGENT:
                    self._urgent.append(envelope)
                elif kind in _UNCOUNTED:
                    self._ordered.append(envelope)
                else:
                    if self._maxsize is not None:
                        while self._count >= self._maxsize and not self._closed:
                            self._blocked += 1
                            self._blocked_changed.notify_all()  # rare: a full lane
                            try:
                                self._not_full.wait()
                            finally:
                                self._blocked -= 1
                    if not self._closed:
                        self._ordered.append(envelope)
                        self._count += 1
                if not self._closed:
                    if self._taker_waits:
                        self._taker_waits = False
                        self._wakeup.release()
                    return
        _reject(envelope)

    def get(self) -> Envelope[Any]:
        """Take the next envelope, urgent first; blocks while empty. One taker at a time."""
        lock = self._lock
        while True:
            with lock:
                if self._urgent:
                    return self._urgent.popleft()
                if self._ordered:
                    envelope = self._ordered.popleft()
                    if type(envelope.message) not in _UNCOUNTED:
                        self._count -= 1
                        if self._blocked:
                            self._not_full.notify()
                    return envelope
                self._taker_waits = True
            self._wakeup.acquire()

    def empty(self) -> bool:
        """True when both lanes are empty."""
        return not self._urgent and not self._ordered

    def qsize(self) -> int:
        """Messages waiting in the user lane."""
        return self._count

    def blocked_senders(self) -> int:
        """Senders waiting on the full user lane now."""
        return self._blocked

    def wait_blocked(self, count: int = 1, timeout: float | None = None) -> bool:
        """Waits until at least `count` senders are blocked on the full lane; False on timeout
        (tests and diagnostics: it shows backpressure at work)."""
        with self._lock:
            return self._blocked_changed.wait_for(lambda: self._blocked >= count, timeout)

    def close(self) -> list[Envelope[Any]]:
        """Refuse further puts, wake blocked senders, and return what was still queued."""
        with self._lock:
            self._closed = True
            left = [*self._urgent, *self._ordered]
            self._urgent.clear()
            self._ordered.clear()
            self._count = 0
            self._not_full.notify_all()
        return left


def _reject(envelope: Envelope[Any]) -> None:
    error = pykka.ActorDeadError("actor has ended")
    if envelope.reply_to is None:
        raise error
    # pykka's stop() turns this into False ("was already dead").
    envelope.reply_to.set_exception((pykka.ActorDeadError, error, None))
