"""The errors of the supervision layer: one root, each error with the fields that explain it."""

from __future__ import annotations

from typing import Any

__all__ = [
    "ChildAlreadyPresent",
    "ChildNotFound",
    "ChildRunning",
    "ChildSpecError",
    "LinkedExit",
    "NameNotFound",
    "NameTaken",
    "NotSupervisable",
    "RestartIntensityExceeded",
    "StartFailed",
    "SupervisorsError",
]


class SupervisorsError(Exception):
    """Root of every error raised by `supervisors`."""


class ChildSpecError(SupervisorsError, ValueError):
    """A child spec or supervisor option breaks a rule, e.g. a permanent significant child."""


class StartFailed(SupervisorsError):
    """An actor's start failed: its `on_start` raised, timed out, or a child of it failed to start.

    `child_id` is the child at fault (the actor class name for a bare `start()`), `reason` the
    exception that made it fail (also set as `__cause__`).
    """

    def __init__(self, child_id: Any, reason: BaseException | None) -> None:
        super().__init__(f"start failed: child={child_id!r} reason={reason!r}")
        self.child_id = child_id
        self.reason = reason


class RestartIntensityExceeded(SupervisorsError):
    """More than `intensity` restarts in `period` seconds: the supervisor gives up (escalation)."""

    def __init__(self, child_id: Any, intensity: int, period: float) -> None:
        super().__init__(
            f"restart intensity exceeded: child={child_id!r} intensity={intensity} period={period}"
        )
        self.child_id = child_id
        self.intensity = intensity
        self.period = period


class ChildNotFound(SupervisorsError, KeyError):
    """No child with this id in the supervisor."""

    def __init__(self, child_id: Any) -> None:
        super().__init__(child_id)
        self.child_id = child_id

    def __str__(self) -> str:
        return f"child not found: {self.child_id!r}"


class ChildAlreadyPresent(SupervisorsError):
    """`start_child` with an id the supervisor already has; `running` says whether it runs."""

    def __init__(self, child_id: Any, running: bool) -> None:
        super().__init__(f"child already present: child={child_id!r} running={running}")
        self.child_id = child_id
        self.running = running


class ChildRunning(SupervisorsError):
    """`delete_child` or `restart_child` on a child that is running."""

    def __init__(self, child_id: Any) -> None:
        super().__init__(f"child is running: child={child_id!r}")
        self.child_id = child_id


class NameTaken(SupervisorsError):
    """A live actor is already registered under this name in the `Names` registry."""

    def __init__(self, name: Any) -> None:
        super().__init__(f"name taken: {name!r}")
        self.name = name


class NotSupervisable(SupervisorsError, TypeError):
    """The ref is not of a `supervisors` actor, so it cannot be monitored, linked or supervised."""

    def __init__(self, ref: Any) -> None:
        super().__init__(f"not a supervisors actor ref: {ref!r}")
        self.ref = ref


class LinkedExit(SupervisorsError):
    """Why an actor ended: a linked actor exited abnormally and this one does not trap exits.

    Passed to `on_failure`; the actor's own exit reason is the linked actor's reason (as OTP).
    """

    def __init__(self, linked: Any, reason: Any) -> None:
        super().__init__(f"linked actor exited: linked={linked} reason={reason}")
        self.linked = linked
        self.reason = reason


class NameNotFound(SupervisorsError, LookupError):
    """No live actor under this name in the `Names` registry (after waiting, for `get`)."""

    def __init__(self, name: Any) -> None:
        super().__init__(f"name not found: {name!r}")
        self.name = name
