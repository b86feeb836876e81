"""`Supervisor`: an actor that starts children, restarts them by a strategy, and escalates.

The rules (OTP's `supervisor`):

- Children start in order, each start returning once the child is up (a handshake). If one fails,
  the ones already started are stopped in reverse order and the supervisor's own start fails
  (`StartFailed` from `Supervisor.start`, naming the child).
- When a child ends, its `restart` type says whether it is restarted (see `supervisors.spec`), and
  the `strategy` says which children go with it: ONE_FOR_ONE only it, ONE_FOR_ALL all (the others
  are stopped in reverse order first), REST_FOR_ONE it and the children after it.
- Restart intensity: more than `intensity` restarts within `period` seconds and the supervisor
  stops all children in reverse order and crashes with `RestartIntensityExceeded`, which its own
  supervisor sees as an abnormal exit (escalation). A restart whose start fails counts too, and is
  retried through a message to itself, never in a loop.
- A child with a `backoff` is restarted after a delay, on a timer that tells the supervisor; the
  supervisor thread never sleeps.
- Stop (`ref.stop()`, a `Shutdown`, a crash of the supervisor, escalation): children stop in
  reverse order, each given its `shutdown` time; one that overruns is logged and abandoned.
- `auto_shutdown`: with ANY_SIGNIFICANT/ALL_SIGNIFICANT the supervisor stops itself (reason
  SHUTDOWN) when any/all significant children have ended for good.
- `names`: each child is registered under its id at every (re)start (see `supervisors.names`).

The dynamic-children methods are called through the proxy (`ref.proxy().start_child(spec).get()`).
Their errors (`SupervisorsError`) go back to the caller without crashing the supervisor.
"""

from __future__ import annotations

import functools
import math
import random
import time
from collections.abc import Callable, Hashable, Iterable
from typing import Any

import structlog

from supervisors.actor import Actor
from supervisors.children import Child, start_child, stop_child
from supervisors.errors import (
    ChildAlreadyPresent,
    ChildNotFound,
    ChildRunning,
    ChildSpecError,
    RestartIntensityExceeded,
    StartFailed,
    SupervisorsError,
)
from supervisors.intensity import restart_allowed
from supervisors.messages import (
    SHUTDOWN,
    ChildCounts,
    ChildInfo,
    Down,
    ExitReason,
    RestartDue,
    Shutdown,
)
from supervisors.names import Names
from supervisors.spec import (
    DEFAULT_INTENSITY,
    DEFAULT_PERIOD,
    AutoShutdown,
    Backoff,
    ChildSpec,
    ChildType,
    Restart,
    Strategy,
)
from supervisors.timer import Scheduler, default_scheduler

__all__ = ["Supervisor"]

log = structlog.get_logger(__name__)


class Supervisor(Actor):
    """A supervisor actor (see the module docstring for its rules)."""

    reply_errors = (SupervisorsError,)

    def __init__(
        self,
        children: Iterable[ChildSpec] = (),
        strategy: Strategy = Strategy.ONE_FOR_ONE,
        intensity: int = DEFAULT_INTENSITY,
        period: float = DEFAULT_PERIOD,
        names: Names | None = None,
        auto_shutdown: AutoShutdown = AutoShutdown.NEVER,
        *,
        name: str | None = None,
        clock: Callable[[], float] = time.monotonic,
        scheduler: Scheduler | None = None,
        rand: Callable[[], float] = random.random,
    ) -> None:
        super().__init__()
        if intensity < 0 or period <= 0:
            raise ChildSpecError(f"intensity must be >= 0 and period > 0: {intensity}, {period}")
        self._children: list[Child] = []
        for spec in children:
            if self._find(spec.id) is not None:
                raise ChildSpecError(f"duplicate child id {spec.id!r}")
            self._children.append(Child(spec))
        self.strategy = strategy
        self.intensity = intensity
        self.period = period
        self.names = names
        self.auto_shutdown = auto_shutdown
        self._name = name or type(self).__name__
        self._clock = clock
        self._scheduler = scheduler
        self._rand = rand
        self._restarts: tuple[float, ...] = ()
        self._stopping = False
        self.restart_count = 0
        """Children this supervisor has restarted since it started (for status and summaries)."""

    @property
    def scheduler(self) -> Scheduler:
        """The timer of this supervisor's restart delays (given, else the process-wide one)."""
        return self._scheduler or default_scheduler()

    @classmethod
    def child_spec(
        cls,
        id: Hashable,
        children: Iterable[ChildSpec],
        *,
        restart: Restart = Restart.PERMANENT,
        shutdown: float = math.inf,
        significant: bool = False,
        backoff: Backoff | None = None,
        **options: Any,
    ) -> ChildSpec:
        """The spec that nests this supervisor in another; `options` go to `Supervisor.start`."""
        options.setdefault("name", str(id))
        start = functools.partial(cls.start, children=tuple(children), **options)
        return ChildSpec(
            id,
            start,
            restart=restart,
            shutdown=shutdown,
            type=ChildType.SUPERVISOR,
            significant=significant,
            backoff=backoff,
        )

    # -- lifecycle -------------------------------------------------------------------------------

    def on_start(self) -> None:
        for child in list(self._children):
            try:
                self._start(child)
            except BaseException as exc:
                log.error("child_start_failed", supervisor=self._name, child=child.id, exc_info=exc)
                self._stop_all()
                raise StartFailed(child.id, exc) from exc

    def on_stop(self) -> None:
        self._stop_all()

    def on_failure(self, *exc_info: Any) -> None:
        self._stop_all()

    def on_receive(self, message: Any) -> Any:
        if isinstance(message, Down):
            self._on_down(message)
        elif isinstance(message, RestartDue):
            self._on_restart_due(message)
        else:
            log.warning("supervisor_unexpected_message", supervisor=self._name, message=message)

    # -- dynamic children (through the proxy) ----------------------------------------------------

    def start_child(self, spec: ChildSpec) -> Any:
        """Add and start a child; ChildAlreadyPresent, or StartFailed (the spec is not kept)."""
        found = self._find(spec.id)
        if found is not None:
            raise ChildAlreadyPresent(spec.id, found.running)
        child = Child(spec)
        self._children.append(child)
        try:
            self._start(child)
        except BaseException as exc:
            self._children.remove(child)
            raise StartFailed(spec.id, exc) from exc
        return child.ref

    def terminate_child(self, id: Hashable) -> None:
        """Stop a child (its spec stays, except for a temporary child); ChildNotFound."""
        child = self._get(id)
        child.cancel_restart()
        stop_child(child, self.names, self._name)
        if child.spec.restart is Restart.TEMPORARY:
            self._children.remove(child)

    def restart_child(self, id: Hashable) -> Any:
        """Start a stopped child again; ChildNotFound, ChildRunning, or StartFailed."""
        child = self._get(id)
        if child.running:
            raise ChildRunning(id)
        child.cancel_restart()
        try:
            self._start(child)
        except BaseException as exc:
            raise StartFailed(id, exc) from exc
        return child.ref

    def delete_child(self, id: Hashable) -> None:
        """Forget a stopped child's spec; ChildNotFound or ChildRunning."""
        child = self._get(id)
        if child.running:
            raise ChildRunning(id)
        child.cancel_restart()
        self._children.remove(child)

    def which_children(self) -> list[ChildInfo]:
        """Every child in start order, with its current ref (None if not running)."""
        return [ChildInfo(c.id, c.ref, c.spec.type, c.spec.restart) for c in self._children]

    def count_children(self) -> ChildCounts:
        """How many specs, running children, supervisors and workers."""
        sups = sum(1 for c in self._children if c.spec.type is ChildType.SUPERVISOR)
        active = sum(1 for c in self._children if c.running)
        return ChildCounts(len(self._children), active, sups, len(self._children) - sups)

    def whereis(self, id: Hashable) -> Any:
        """The child's current ref, or None if it is not running; ChildNotFound."""
        return self._get(id).ref

    # -- internals -------------------------------------------------------------------------------

    def _find(self, id: Hashable) -> Child | None:
        for child in self._children:
            if child.id == id:
                return child
        return None

    def _get(self, id: Hashable) -> Child:
        child = self._find(id)
        if child is None:
            raise ChildNotFound(id)
        return child

    def _start(self, child: Child) -> None:
        start_child(child, self.actor_ref, self.names, self._clock, self._name)

    def _stop_all(self) -> None:
        self._stopping = True
        for child in reversed(self._children):
            child.cancel_restart()
            stop_child(child, self.names, self._name)

    def _on_down(self, down: Down) -> None:
        child = next((c for c in self._children if c.monitor_ref == down.monitor_ref), None)
        if child is None or self._stopping:
            return  # a stale monitor: the child was stopped on purpose
        child.ref = None
        child.monitor_ref = None
        if self.names is not None:
            self.names.unregister(child.id, down.actor_ref)
        reason = down.reason
        log_method = log.info if reason.is_normal else log.error
        log_method("child_exited", supervisor=self._name, child=child.id, reason=str(reason))
        restart = child.spec.restart
        if restart is Restart.TEMPORARY or (restart is Restart.TRANSIENT and reason.is_normal):
            if restart is Restart.TEMPORARY:
                self._children.remove(child)
            self._check_auto_shutdown(child)
            return
        self._restart_later_or_now(child, reason)

    def _restart_later_or_now(self, child: Child, reason: ExitReason) -> None:
        """Count a restart against the intensity; escalate past it, else restart (maybe later)."""
        self._count_restart(child, reason)
        backoff = child.spec.backoff
        if backoff is None:
            self._restart_group(child)
            return
        if self._clock() - child.started_at >= backoff.reset_time:
            child.backoff_attempt = 0
        self._schedule_restart(child, self._next_delay(child))

    def _count_restart(self, child: Child, reason: object) -> None:
        """Record one restart; past the intensity, raise RestartIntensityExceeded (escalation)."""
        allowed, self._restarts = restart_allowed(
            self._restarts, self._clock(), self.intensity, self.period
        )
        if not allowed:
            log.error(
                "restart_intensity_exceeded",
                supervisor=self._name,
                child=child.id,
                reason=str(reason),
                intensity=self.intensity,
                period=self.period,
            )
            raise RestartIntensityExceeded(child.id, self.intensity, self.period)

    def _next_delay(self, child: Child) -> float | None:
        backoff = child.spec.backoff
        if backoff is None:
            return None
        delay = backoff.delay(child.backoff_attempt, self._rand())
        child.backoff_attempt += 1
        return delay

    def _schedule_restart(self, child: Child, delay: float | None) -> None:
        """Stop the rest of the child's group now and restart the group after `delay` s.

        With `delay` None the restart is a message to self, handled after what is queued.
        """
        for other in reversed(self._group(child)):
            if other is not child:
                stop_child(other, self.names, self._name)
        child.cancel_restart()
        message = RestartDue(child.id, child.restart_token)
        log.info("child_restart_scheduled", supervisor=self._name, child=child.id, delay=delay)
        if delay is None:
            self.actor_ref.tell(message)
            return
        child.restart_timer = self.scheduler.call_later(
            delay, functools.partial(_tell, self.actor_ref, message)
        )

    def _on_restart_due(self, due: RestartDue) -> None:
        child = self._find(due.child_id)
        if child is None or child.running or due.token != child.restart_token or self._stopping:
            return
        child.restart_timer = None
        self._restart_group(child)

    def _group(self, child: Child) -> list[Child]:
        if self.strategy is Strategy.ONE_FOR_ONE:
            return [child]
        if self.strategy is Strategy.ONE_FOR_ALL:
            return list(self._children)
        return self._children[self._children.index(child) :]

    def _restart_group(self, child: Child) -> None:
        group = self._group(child)
        for member in reversed(group):
            if member.running:
                stop_child(member, self.names, self._name)
        for member in group:
            member.cancel_restart()
            if member is not child and member.spec.restart is Restart.TEMPORARY:
                self._children.remove(member)
        for member in group:
            if member not in self._children:
                continue
            try:
                self._start(member)
            except Exception as exc:
                log.error(
                    "child_restart_failed", supervisor=self._name, child=member.id, exc_info=exc
                )
                # Counts as one more restart; retried through a message, never in a loop here.
                self._count_restart(member, repr(exc))
                self._schedule_restart(member, self._next_delay(member))
                return
            self.restart_count += 1
            log.info("child_restarted", supervisor=self._name, child=member.id)

    def _check_auto_shutdown(self, ended: Child) -> None:
        if not ended.spec.significant or self.auto_shutdown is AutoShutdown.NEVER:
            return
        if self.auto_shutdown is AutoShutdown.ALL_SIGNIFICANT and any(
            c.spec.significant and (c.running or c.restart_timer is not None)
            for c in self._children
        ):
            return
        log.info("supervisor_auto_shutdown", supervisor=self._name, child=ended.id)
        self.actor_ref.tell(Shutdown(SHUTDOWN))


def _tell(ref: Any, message: Any) -> None:
    try:
        ref.tell(message)
    except Exception:
        pass  # the supervisor has ended; nothing to restart
