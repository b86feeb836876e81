"""`ExitHooks`: how every kind of our actors ends a turn in failure, one definition for both.

`supervisors.Actor` (a thread each) and `supervisors.PooledActor` (turns on a pool) differ in
how they run turns, not in what an exit means: an `on_stop` that raises makes the exit a crash;
a linked actor's abnormal exit ends this one unless it traps exits (then it is a message); a
failing `on_failure` is logged, never raised. Each kind says only how a trapped `Exit` reaches
its inbox (`_trap`).
"""

from __future__ import annotations

from typing import Any

import structlog

from supervisors.errors import LinkedExit
from supervisors.messages import Exit, ExitKind, ExitReason, ExitSignal

__all__ = ["ExitHooks"]

log = structlog.get_logger(__name__)


class ExitHooks:
    """Mixin of `Actor` and `PooledActor`: exit signals, `on_stop` and `on_failure` failures."""

    __slots__ = ()

    trap_exit: bool = False
    """If True, exits of linked actors arrive as `Exit` messages instead of ending this actor."""

    def on_stop(self) -> None: ...

    def on_failure(self, exception_type: Any, exception_value: Any, traceback: Any) -> None: ...

    def _trap(self, exit: Exit) -> None:
        """Puts a trapped `Exit` in this actor's inbox."""
        raise NotImplementedError

    def _stop_with(self, reason: ExitReason) -> ExitReason:
        try:
            self.on_stop()
        except BaseException as exc:
            log.error("actor_stop_failed", actor=str(self), exc_info=exc)
            return ExitReason(ExitKind.CRASH, exc)
        return reason

    def _on_exit_signal(self, signal: ExitSignal) -> ExitReason | None:
        if self.trap_exit:
            self._trap(Exit(signal.actor_ref, signal.reason))
            return None
        if signal.reason.kind is ExitKind.NORMAL:
            return None
        self._call_on_failure(LinkedExit(signal.actor_ref, signal.reason))
        return signal.reason

    def _start_failed(self, exc: BaseException) -> None:
        """`on_start` raised `exc`: logged, then `on_failure` (the exit is `START_FAILED`)."""
        log.error("actor_start_failed", actor=str(self), exc_info=exc)
        self._call_on_failure(exc)

    def _call_on_failure(self, exc: BaseException) -> None:
        try:
            self.on_failure(type(exc), exc, exc.__traceback__)
        except BaseException as hook_exc:
            log.error("actor_on_failure_failed", actor=str(self), exc_info=hook_exc)
