"""Child specs: how a supervisor starts, restarts and stops one child; defaults defined once.

Every key, with its default (as OTP's `supervisor`; where the value differs from OTP, it says so):

- `id`: any hashable, unique among a supervisor's children; also the child's name in `Names`.
- `start`: zero-argument callable that starts the child and returns its ref once started (for a
  `supervisors.Actor`, `start()` returns after `on_start`). It may return None: the child is
  "ignored" (kept as a spec, not running). If it raises, the start failed.
- `restart` = PERMANENT: PERMANENT is always restarted; TRANSIENT only after an abnormal exit (not
  NORMAL or SHUTDOWN); TEMPORARY never (and its spec is dropped when it ends).
- `shutdown` = 5.0 s for a worker, infinity for a supervisor: how long the supervisor waits for the
  child to stop before it reports it and abandons it (a thread cannot be killed).
- `type` = WORKER (or SUPERVISOR).
- `significant` = False: with the supervisor's `auto_shutdown`, the end of a significant child
  (one that is not restarted) can stop the supervisor. A PERMANENT child cannot be significant.
- `backoff` = None: restart at once. With a `Backoff`, restarts of this child wait
  `Backoff.delay(attempt)` seconds, on a timer (the supervisor never sleeps).
"""

from __future__ import annotations

import enum
import math
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

from supervisors.errors import ChildSpecError

__all__ = [
    "DEFAULT_INTENSITY",
    "DEFAULT_PERIOD",
    "DEFAULT_SUPERVISOR_SHUTDOWN",
    "DEFAULT_WORKER_SHUTDOWN",
    "AutoShutdown",
    "Backoff",
    "ChildSpec",
    "ChildType",
    "Restart",
    "Strategy",
]

# OTP supervisor: shutdown defaults to 5000 ms for workers and infinity for supervisors.
DEFAULT_WORKER_SHUTDOWN = 5.0
DEFAULT_SUPERVISOR_SHUTDOWN = math.inf
# OTP's default is intensity 1 in 5 s; Shardline's contract chose 3 restarts in 5 s.
DEFAULT_INTENSITY = 3
DEFAULT_PERIOD = 5.0


class Restart(enum.Enum):
    """When a child that ended is restarted."""

    PERMANENT = "permanent"  # always
    TRANSIENT = "transient"  # only after an abnormal exit
    TEMPORARY = "temporary"  # never


class ChildType(enum.Enum):
    """What a child is (a supervisor waits forever, by default, for a child supervisor)."""

    WORKER = "worker"
    SUPERVISOR = "supervisor"


class Strategy(enum.Enum):
    """Which children a supervisor restarts when one of them ends and must be restarted."""

    ONE_FOR_ONE = "one_for_one"  # only that child
    ONE_FOR_ALL = "one_for_all"  # all children: the others are stopped, then all started
    REST_FOR_ONE = "rest_for_one"  # that child and the ones started after it


class AutoShutdown(enum.Enum):
    """Whether the end of significant children stops the supervisor (OTP 24)."""

    NEVER = "never"
    ANY_SIGNIFICANT = "any_significant"  # when any significant child ends for good
    ALL_SIGNIFICANT = "all_significant"  # when every significant child has ended


@dataclass(frozen=True, slots=True)
class Backoff:
    """Exponential restart delay with a cap and jitter, for children that must not hammer a peer.

    Attempt n waits `min(maximum, initial * multiplier**n)`, times a random factor in
    `[1 - jitter, 1 + jitter]`. The attempt count goes back to 0 once the child has run for
    `reset_after` seconds (default: `maximum`).
    """

    initial: float = 0.5
    maximum: float = 30.0
    multiplier: float = 2.0
    jitter: float = 0.1
    reset_after: float | None = None

    def __post_init__(self) -> None:
        if self.initial < 0 or self.maximum < self.initial or self.multiplier < 1:
            raise ChildSpecError(f"bad backoff: {self!r}")
        if not 0 <= self.jitter <= 1:
            raise ChildSpecError(f"backoff jitter must be in [0, 1]: {self.jitter}")

    @property
    def reset_time(self) -> float:
        """Seconds of uptime after which the attempt count resets."""
        return self.maximum if self.reset_after is None else self.reset_after

    def delay(self, attempt: int, rand: float = 0.5) -> float:
        """Seconds to wait before restart attempt `attempt` (0-based); `rand` in [0, 1)."""
        base = min(self.maximum, self.initial * self.multiplier ** min(attempt, 64))
        return max(0.0, base * (1.0 + self.jitter * (2.0 * rand - 1.0)))


@dataclass(frozen=True, slots=True)
class ChildSpec:
    """How to start, restart and stop one child (see the module docstring for every key)."""

    id: Hashable
    start: Callable[[], Any]
    restart: Restart = Restart.PERMANENT
    shutdown: float | None = None  # None: the default for `type`
    type: ChildType = ChildType.WORKER
    significant: bool = False
    backoff: Backoff | None = None

    def __post_init__(self) -> None:
        if self.shutdown is None:
            default = (
                DEFAULT_SUPERVISOR_SHUTDOWN
                if self.type is ChildType.SUPERVISOR
                else DEFAULT_WORKER_SHUTDOWN
            )
            object.__setattr__(self, "shutdown", default)
        elif self.shutdown < 0:
            raise ChildSpecError(f"child {self.id!r}: shutdown must be >= 0")
        if self.significant and self.restart is Restart.PERMANENT:
            raise ChildSpecError(f"child {self.id!r}: a permanent child cannot be significant")
        if not callable(self.start):
            raise ChildSpecError(f"child {self.id!r}: start must be callable")

    @property
    def shutdown_time(self) -> float:
        """The resolved shutdown time in seconds (math.inf to wait forever)."""
        assert self.shutdown is not None
        return self.shutdown
