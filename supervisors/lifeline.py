"""The exit side of an actor: its monitors and links, and its exit reason once it has ended.

A `Lifeline` lives on the actor's ref, so it outlives the actor: a monitor set on an actor that
has already ended gets its `Down` at once, with the real reason. `monitor`, `demonitor`, `link` and
`unlink` work on any ref that has one (`supervisors.Actor`, `supervisors.PooledActor`).
"""

from __future__ import annotations

import math
from _thread import allocate_lock
from typing import Any, Protocol

import pykka
import structlog

from supervisors.errors import NotSupervisable
from supervisors.messages import Down, ExitReason, ExitSignal, MonitorRef

__all__ = ["Lifeline", "Watcher", "demonitor", "lifeline_of", "link", "monitor", "unlink"]

log = structlog.get_logger(__name__)


class Watcher(Protocol):
    """Anything that can be told a message: an ActorRef, a PooledRef, a test mailbox."""

    def tell(self, message: Any) -> None: ...


class Lifeline:
    """Monitors, links and the exit reason of one actor; `finish` is called once, at its end."""

    __slots__ = ("_ended", "_links", "_lock", "_monitors", "_reason")

    def __init__(self) -> None:
        self._lock = allocate_lock()
        self._monitors: dict[int, tuple[MonitorRef, Watcher]] | None = None
        self._links: dict[int, Any] | None = None
        self._reason: ExitReason | None = None
        # Held until the actor has ended: a latch that many threads can wait on.
        self._ended = allocate_lock()
        self._ended.acquire()

    @property
    def reason(self) -> ExitReason | None:
        """The exit reason, or None while the actor runs."""
        return self._reason

    def wait(self, timeout: float | None = None) -> bool:
        """Wait until the actor has ended and every `Down` is sent; False on timeout."""
        if timeout is None or math.isinf(timeout):
            acquired = self._ended.acquire()
        else:
            acquired = self._ended.acquire(timeout=max(timeout, 0.0))
        if acquired:
            self._ended.release()
        return acquired

    def add_monitor(self, monitor_ref: MonitorRef, watcher: Watcher) -> ExitReason | None:
        """Record a monitor; if the actor has ended, return its reason instead."""
        with self._lock:
            if self._reason is not None:
                return self._reason
            if self._monitors is None:
                self._monitors = {}
            self._monitors[monitor_ref.id] = (monitor_ref, watcher)
            return None

    def remove_monitor(self, monitor_ref: MonitorRef) -> None:
        """Forget a monitor (no `Down` will be sent for it)."""
        with self._lock:
            if self._monitors is not None:
                self._monitors.pop(monitor_ref.id, None)

    def finish(self, owner: Any, reason: ExitReason) -> None:
        """Record the exit reason, tell every watcher and linked actor, then open the latch."""
        with self._lock:
            if self._reason is not None:
                return
            self._reason = reason
            monitors, self._monitors = self._monitors, None
            links, self._links = self._links, None
        for monitor_ref, watcher in (monitors or {}).values():
            _tell_quietly(watcher, Down(monitor_ref, owner, reason))
        for other in (links or {}).values():
            other_line = lifeline_of(other)
            with other_line._lock:
                if other_line._links is not None:
                    other_line._links.pop(id(owner), None)
            _tell_quietly(other, ExitSignal(owner, reason))
        self._ended.release()


def _tell_quietly(target: Watcher, message: Any) -> None:
    try:
        target.tell(message)
    except pykka.ActorDeadError:
        pass
    except Exception:
        log.exception("exit_notice_failed", target=str(target), message=type(message).__name__)


def lifeline_of(ref: Any) -> Lifeline:
    """The lifeline of a `supervisors` actor ref; NotSupervisable for anything else."""
    lifeline = getattr(ref, "lifeline", None)
    if not isinstance(lifeline, Lifeline):
        raise NotSupervisable(ref)
    return lifeline


def monitor(ref: Any, watcher: Watcher) -> MonitorRef:
    """Watch `ref` one way: `watcher` is told `Down(monitor_ref, ref, reason)` once it ends.

    If the actor has already ended, the `Down` is told at once (with its recorded reason).
    """
    lifeline = lifeline_of(ref)
    monitor_ref = MonitorRef.new(ref)
    reason = lifeline.add_monitor(monitor_ref, watcher)
    if reason is not None:
        _tell_quietly(watcher, Down(monitor_ref, ref, reason))
    return monitor_ref


def demonitor(monitor_ref: MonitorRef) -> None:
    """Remove a monitor; a `Down` already told is not taken back."""
    lifeline_of(monitor_ref.actor_ref).remove_monitor(monitor_ref)


def _both_locked(first: Lifeline, second: Lifeline) -> tuple[Lifeline, Lifeline]:
    return (first, second) if id(first) < id(second) else (second, first)


def link(a: Any, b: Any) -> None:
    """Link two actors both ways: when one ends, the other gets an `ExitSignal`.

    An abnormal exit ends the other with the same reason unless it traps exits (`trap_exit =
    True`, then it receives an `Exit` message); a normal exit is ignored unless trapped.
    Raises `pykka.ActorDeadError` if either has already ended.
    """
    line_a, line_b = lifeline_of(a), lifeline_of(b)
    if line_a is line_b:
        return
    low, high = _both_locked(line_a, line_b)
    with low._lock, high._lock:
        for line, ref in ((line_a, a), (line_b, b)):
            if line._reason is not None:
                raise pykka.ActorDeadError(f"{ref} has ended")
        if line_a._links is None:
            line_a._links = {}
        if line_b._links is None:
            line_b._links = {}
        line_a._links[id(b)] = b
        line_b._links[id(a)] = a


def unlink(a: Any, b: Any) -> None:
    """Remove the link between two actors, if any."""
    line_a, line_b = lifeline_of(a), lifeline_of(b)
    low, high = _both_locked(line_a, line_b)
    with low._lock, high._lock:
        if line_a._links is not None:
            line_a._links.pop(id(b), None)
        if line_b._links is not None:
            line_b._links.pop(id(a), None)
