"""The messages of the supervision layer: exit reasons, DOWN and EXIT notices, control signals."""

from __future__ import annotations

import enum
import itertools
from dataclasses import dataclass
from typing import Any, NamedTuple

__all__ = [
    "NOPROC",
    "NORMAL",
    "SHUTDOWN",
    "ChildCounts",
    "ChildInfo",
    "Down",
    "Exit",
    "ExitKind",
    "ExitReason",
    "ExitSignal",
    "MonitorRef",
    "RestartDue",
    "Shutdown",
]


class ExitKind(enum.Enum):
    """How an actor ended."""

    NORMAL = "normal"  # stopped on request (`ref.stop()`), or returned normally
    SHUTDOWN = "shutdown"  # stopped by its supervisor (or a `Shutdown` signal)
    CRASH = "crash"  # an exception in a hook, a message, an ask, or a BaseException
    START_FAILED = "start_failed"  # `on_start` raised: the actor never ran
    ABANDONED = "abandoned"  # did not stop within its shutdown time; its thread was left
    NOPROC = "noproc"  # monitored or linked when already gone, reason unknown


@dataclass(frozen=True, slots=True)
class ExitReason:
    """Why an actor ended: `kind`, and the exception for a crash or a failed start."""

    kind: ExitKind
    exception: BaseException | None = None

    @property
    def is_normal(self) -> bool:
        """True for normal and shutdown exits: a transient child is not restarted after them."""
        return self.kind in (ExitKind.NORMAL, ExitKind.SHUTDOWN)

    def __str__(self) -> str:
        if self.exception is None:
            return self.kind.value
        return f"{self.kind.value}:{self.exception!r}"


NORMAL = ExitReason(ExitKind.NORMAL)
SHUTDOWN = ExitReason(ExitKind.SHUTDOWN)
NOPROC = ExitReason(ExitKind.NOPROC)

_monitor_ids = itertools.count(1)


class MonitorRef(NamedTuple):
    """Names one monitor: returned by `monitor()`, carried by its `Down`, given to `demonitor()`."""

    id: int
    actor_ref: Any

    @classmethod
    def new(cls, actor_ref: Any) -> MonitorRef:
        """A fresh monitor ref on `actor_ref`."""
        return cls(next(_monitor_ids), actor_ref)


class Down(NamedTuple):
    """Told to a watcher once when the monitored actor ends (at once if it had already ended)."""

    monitor_ref: MonitorRef
    actor_ref: Any
    reason: ExitReason


class Exit(NamedTuple):
    """Told to an actor with `trap_exit = True` when a linked actor ends (any reason)."""

    actor_ref: Any
    reason: ExitReason


class ExitSignal(NamedTuple):
    """Control signal from a linked actor that ended; jumps the queue and is never blocked.

    The receiver turns it into an `Exit` message if it traps exits; otherwise an abnormal reason
    ends it with that same reason and a normal one is ignored.
    """

    actor_ref: Any
    reason: ExitReason


class Shutdown(NamedTuple):
    """Control signal: stop at the next message boundary, calling `on_stop`, with `reason`.

    Jumps the queue and is never blocked by a full inbox. Supervisors stop children with it.
    """

    reason: ExitReason = SHUTDOWN


class RestartDue(NamedTuple):
    """A supervisor's own timer message: time to restart child `child_id` (after backoff/retry)."""

    child_id: Any
    token: int


class ChildInfo(NamedTuple):
    """One row of `Supervisor.which_children()`; `ref` is None when the child is not running."""

    id: Any
    ref: Any
    type: Any
    restart: Any


class ChildCounts(NamedTuple):
    """`Supervisor.count_children()`: child specs, running children, and specs by type."""

    specs: int
    active: int
    supervisors: int
    workers: int
