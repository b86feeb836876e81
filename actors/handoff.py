"""`Handoff`: the bounded batch pipe from a shard's reader to its producer.

An inline producer (`ProducerActor`'s default, the one a bot runs) makes the pipe run each
item in the reader's thread (`run_inline`): `put` then hands the item on itself and returns
once it is acknowledged. Except for a big one, decoded from an eighth of `max_bytes` or more
(a large guild's GUILD_CREATE): it goes through the pipe below, to the producer's own thread,
and what the reader puts after it follows it there until the pipe is idle again (so order
holds). That keeps a storm's long-lived cache blocks (malloc'd: above 512 bytes) apart from
the reader's decode garbage, in another thread's malloc arena: written in the reader, they
were interleaved with it, and `bench_peers.py` showed 320 to 400 B of RSS per cached member
instead of 230 to 290. A thread hand-off per guild costs nothing beside its 2,000 members.
Items put before the producer attached also go first, through the pipe, in order.

The reader `put`s each DISPATCH; the producer `take`s everything waiting at once and hands it
on, acknowledging each seq as it goes (`done`: the number the shard's session RESUMEs from).
No reply future per event and no thread wake-up per event: the producer is woken (by one `Drain`
told to it) only when it is idle and items wait; while it works, the reader fills the next
batch.

When: at once, on the first item into an idle pipe; or, for a `deferred` pipe (the shard's),
only on `flush()`, which the reader calls before each read of its socket (a read that may
block), and before a `put` waits for room. So the frames of one read of the socket, often
hundreds in a burst, are decoded before the producer is woken once for them all. Woken at the
first of them, the producer only waited for the GIL the reader held (on another CPU, as
threads of a process are placed) and took it at the next forced switch, in the middle of the
read: more hand-offs, each moving the threads' working data between CPUs. In
`bench/bench_peers.py` the gain showed in one series of alternating runs (context switches per
message 0.08 to 0.18 against 0.27 to 0.34) and was within the machine's noise in later ones,
where the pipe was mostly full anyway (a full pipe wakes the producer in both modes). A lone
message is no later: the reader flushes as soon as it has nothing more to decode. A deferred
pipe still wakes the producer at once when the frames waiting reach an eighth of `max_bytes`
(128 KiB): a GUILD_CREATE of a large guild is worth starting on while the reader inflates the
next one (zlib releases the GIL), and in the storm of `bench_peers.py` waiting for the end of
the read made it slower.

The pipe holds at most `capacity` items, and at most `max_bytes` of the frames they were
decoded from (one bigger item only alone): a full pipe blocks the reader, which then
leaves the frames in the socket (backpressure, as before: the socket is the buffer).

Why bytes too: 256 MESSAGE_CREATEs are about 200 KB of frames, but 256 GUILD_CREATEs of large
guilds are gigabytes of decoded dicts. In a READY's storm the reader decoded 5 to 14 of them
(2-3 MB each once parsed) ahead of the producer, and what a peak like that leaves in Python's
small-object arenas stays resident after it is freed (about 300 B per cached member).

Plain code with one lock and two conditions; the threads are the shard's reader and the
producer's actor thread.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

__all__ = ["CAPACITY", "MAX_BYTES", "Drain", "Handoff", "HandoffClosed"]

CAPACITY = 256
"""Ours: dispatches a shard's pipe holds at most (frames past it wait in the socket)."""

MAX_BYTES = 1 << 20
"""Ours: bytes of frames a shard's pipe holds at most (a bigger one goes alone)."""


class HandoffClosed(Exception):
    """The pipe was closed (its shard or producer is gone): nothing more goes through it."""


class Drain:
    """Told to the producer when the first item enters an idle pipe: 'take what is waiting'."""

    __slots__ = ("handoff",)

    def __init__(self, handoff: Handoff) -> None:
        self.handoff = handoff


class Handoff:
    """One shard's pipe to its producer (see the module docstring)."""

    def __init__(
        self,
        wake: Callable[[Drain], None],
        acknowledge: Callable[[int], None],
        *,
        capacity: int = CAPACITY,
        max_bytes: int = MAX_BYTES,
        deferred: bool = False,
    ) -> None:
        """`wake(drain)` tells the producer to drain (called outside the lock); `acknowledge(seq)`
        records the last seq the producer has handed on (the shard's session). `deferred`: a
        `put` does not wake the producer; `flush` does (see the module docstring)."""
        if capacity < 1:
            raise ValueError(f"capacity must be at least 1: {capacity}")
        self.capacity = capacity
        self.max_bytes = max_bytes
        self._bytes = 0  # of the frames of the items waiting
        self._wake = wake
        self._acknowledge = acknowledge
        self._lock = threading.Lock()
        self._not_full = threading.Condition(self._lock)
        self._idle_cond = threading.Condition(self._lock)
        self._putters = 0  # waiting for room (under the lock): `take` notifies only then
        self._idlers = 0  # waiting in `wait_idle`
        self._items: list[Any] = []
        self._scheduled = False  # a Drain is told and not yet finished
        self._closed = False
        self._deferred = deferred
        self._wake_bytes = max_bytes // 8  # a deferred pipe wakes at once past this many bytes
        self._drain = Drain(self)

    def run_inline(self, hand_on: Callable[[Any], None]) -> None:
        """From now on `put` calls `hand_on(item)` in the putting thread (the shard's reader),
        once the pipe is idle: items that wait, and a drain that runs, go first, in order.
        `hand_on` hands the item on and calls `done` itself. Set by the producer (see
        `actors.producer`); a pipe whose producer does not set it stays a pipe."""
        self._inline = hand_on

    _inline: Callable[[Any], None] | None = None

    def put(self, item: Any, timeout: float | None = None, size: int = 0) -> bool:
        """Adds one item (decoded from `size` bytes); waits while the pipe has no room for it.
        False if still none after `timeout` (the caller checks whether it is stopping, then
        calls again); HandoffClosed if closed. A deferred pipe with no room wakes the producer
        before it waits. An inline pipe (`run_inline`) that is idle hands the item on here,
        returning once it is handed on (a big one goes through the pipe: the module
        docstring)."""
        # Read without the lock: only the putting thread adds items, and the producer clears
        # `_scheduled` only after every item it took is handed on. A stale "busy" sends the
        # item through the pipe, behind the others.
        hand_on = self._inline
        if (
            hand_on is not None
            and size < self._wake_bytes
            and not self._items
            and not self._scheduled
        ):
            if self._closed:
                raise HandoffClosed()
            hand_on(item)
            return True
        while True:
            with self._lock:
                if self._room(size):  # the usual case: one test, under the lock
                    if self._closed:
                        raise HandoffClosed()
                    self._items.append(item)
                    self._bytes += size
                    wake = not self._scheduled and (
                        not self._deferred or self._bytes >= self._wake_bytes
                    )
                    if wake:
                        self._scheduled = True
                    break
            if self._deferred:
                self.flush()  # never told, the producer would never make room
            with self._lock:
                self._putters += 1
                try:
                    if not self._not_full.wait_for(lambda: self._room(size), timeout):
                        return False
                finally:
                    self._putters -= 1
        if wake:
            self._tell_drain()
        return True

    def flush(self) -> None:
        """Wakes the producer if items wait and no drain is running (a deferred pipe's reader,
        before it reads its socket again)."""
        with self._lock:
            if self._scheduled or self._closed or not self._items:
                return
            self._scheduled = True
        self._tell_drain()

    def _tell_drain(self) -> None:
        try:
            self._wake(self._drain)
        except BaseException:
            with self._lock:
                self._scheduled = False
            raise

    def _room(self, size: int = 0) -> bool:
        items = self._items
        return (
            self._closed
            or not items
            or (len(items) < self.capacity and self._bytes + size <= self.max_bytes)
        )

    def full(self) -> bool:
        """True while a `put` of a small item would wait."""
        return not self._room()

    def take(self) -> list[Any]:
        """Everything waiting (the producer, on a Drain); [] once closed. The producer calls
        `done(seq)` for each dispatch it has handed on, then takes again until it gets []."""
        with self._lock:
            if self._closed or not self._items:
                self._scheduled = False
                if self._idlers:
                    self._idle_cond.notify_all()
                return []
            items = self._items
            self._items = []
            self._bytes = 0
            if self._putters:  # a notify with nobody waiting is still two Python calls
                self._not_full.notify_all()
            return items

    def done(self, seq: int | None) -> None:
        """The producer handed on the dispatch with `seq` (None: it had none)."""
        if seq is not None and not self._closed:
            self._acknowledge(seq)

    def wait_idle(self, timeout: float | None) -> bool:
        """Waits until the producer has taken and handed on everything put so far (waking it
        first, for a deferred pipe)."""
        self.flush()
        with self._lock:
            self._idlers += 1
            try:
                return self._idle_cond.wait_for(
                    lambda: self._closed or not (self._scheduled or self._items), timeout
                )
            finally:
                self._idlers -= 1

    def close(self) -> list[Any]:
        """Closes the pipe (waiting puts fail); returns what was never taken."""
        with self._lock:
            self._closed = True
            left, self._items = self._items, []
            self._bytes = 0
            self._not_full.notify_all()
            self._idle_cond.notify_all()
            return left

    @property
    def closed(self) -> bool:
        return self._closed
