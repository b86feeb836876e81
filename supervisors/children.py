"""One supervised child: its spec, its current actor, and how to start and stop it.

Used by `Supervisor` in its own thread only; nothing here is thread-safe on its own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import structlog

from supervisors.errors import NotSupervisable
from supervisors.lifeline import Watcher, demonitor, lifeline_of, monitor
from supervisors.messages import SHUTDOWN, ExitKind, ExitReason, MonitorRef, Shutdown
from supervisors.names import Names
from supervisors.spec import ChildSpec
from supervisors.timer import TimerHandle

__all__ = ["Child", "start_child", "stop_child"]

log = structlog.get_logger(__name__)

ABANDONED = ExitReason(ExitKind.ABANDONED)


@dataclass(slots=True)
class Child:
    """A child spec plus its state in the supervisor."""

    spec: ChildSpec
    ref: Any = None
    monitor_ref: MonitorRef | None = None
    started_at: float = 0.0
    backoff_attempt: int = 0
    restart_timer: TimerHandle | None = None
    restart_token: int = 0

    @property
    def id(self) -> Any:
        """The child's id (and name)."""
        return self.spec.id

    @property
    def running(self) -> bool:
        """True while the child's actor is started and not known to have ended."""
        return self.ref is not None

    def cancel_restart(self) -> None:
        """Forget a pending delayed restart."""
        if self.restart_timer is not None:
            self.restart_timer.cancel()
            self.restart_timer = None
        self.restart_token += 1


def start_child(
    child: Child,
    watcher: Watcher,
    names: Names | None,
    clock: Callable[[], float],
    supervisor: str,
) -> None:
    """Start the child, monitor it and register its name; raises what made the start fail."""
    ref = child.spec.start()
    if ref is None:
        log.info("child_ignored", supervisor=supervisor, child=child.id)
        return
    try:
        lifeline_of(ref)
    except NotSupervisable:
        _stop_foreign(ref)
        raise
    child.ref = ref
    child.started_at = clock()
    child.monitor_ref = monitor(ref, watcher)
    if names is not None:
        try:
            names.register(child.id, ref)
        except Exception:
            stop_child(child, names, supervisor)
            raise
    log.info("child_started", supervisor=supervisor, child=child.id, actor=str(ref))


def _stop_foreign(ref: Any) -> None:
    stop = getattr(ref, "stop", None)
    if callable(stop):
        try:
            stop(block=False)
        except Exception:
            log.exception("foreign_child_stop_failed", actor=str(ref))


def stop_child(child: Child, names: Names | None, supervisor: str) -> ExitReason | None:
    """Stop a running child within its shutdown time; report and abandon it if it overruns.

    The monitor is removed first, so the supervisor gets no `Down` for a stop it asked for.
    Returns the child's exit reason (`ABANDONED` if it did not stop in time), None if not running.
    """
    ref, monitor_ref = child.ref, child.monitor_ref
    child.ref = None
    child.monitor_ref = None
    if ref is None:
        return None
    if monitor_ref is not None:
        demonitor(monitor_ref)
    if names is not None:
        names.unregister(child.id, ref)
    lifeline = lifeline_of(ref)
    try:
        ref.tell(Shutdown(SHUTDOWN))
    except Exception:
        pass  # already ended: the lifeline has its reason
    if not lifeline.wait(child.spec.shutdown_time):
        log.error(
            "child_shutdown_timeout",
            supervisor=supervisor,
            child=child.id,
            actor=str(ref),
            shutdown=child.spec.shutdown_time,
        )
        return ABANDONED
    reason = lifeline.reason
    log.info("child_stopped", supervisor=supervisor, child=child.id, reason=str(reason))
    return reason
