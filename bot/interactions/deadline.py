"""The 3-second watch: say so, at the deadline itself, when a handler has not answered yet.

Discord wants a first answer within `limits.INITIAL_RESPONSE_DEADLINE` seconds of the
interaction (`interactions/receiving-and-responding.mdx`, Responding to an Interaction); after
that the user sees "The application did not respond" and the token refuses a first answer.
A handler blocked past the deadline would only be noticed when it returns, so the dispatcher
arms one timer per running handler on a shared timer facility (no thread per interaction)
and cancels it when the handler returns. If the timer fires first, it logs
`interaction.deadline_missed` with the command, the user, the guild and the hint to call
`ctx.defer()`.

A handler declared with `auto_defer=True` gets a second timer, at `AUTO_DEFER_AFTER` (2.5 s):
if it has not answered by then, `ctx.auto_defer()` sends the deferred answer for it. That REST
call must not hold up the shared timer thread, so it runs on a short-lived thread of its own
(`run_soon`), started only for a handler that opted in and is late.

`schedule` is the one place that names the timer facility: the process-wide
`supervisors.timer` scheduler today. A `Dispatcher` takes another `schedule` (a per-bot
scheduler, or a fake in tests) with the same shape: `schedule(delay, callback) -> handle` with
`handle.cancel()`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, Protocol

import structlog

from bot.interactions import limits

__all__ = [
    "AUTO_DEFER_AFTER",
    "Cancellable",
    "RunSoon",
    "Schedule",
    "run_soon",
    "schedule",
    "watch",
]

log = structlog.get_logger(__name__)


class Cancellable(Protocol):
    """What `schedule` returns: a pending callback that can be called off."""

    def cancel(self) -> None: ...


Schedule = Callable[[float, Callable[[], object]], Cancellable]
"""`schedule(delay, callback) -> handle`: run `callback` (quickly) after `delay` seconds."""

RunSoon = Callable[[Callable[[], object]], None]
"""`run_soon(work)`: run `work` (which may block on REST) away from the timer thread."""

AUTO_DEFER_AFTER = 2.5
"""Seconds after which an `auto_defer` handler's interaction is deferred for it: half a second
before Discord's deadline, for the defer's own round trip (Shardline's choice)."""


class _Both:
    """Two timer handles cancelled as one."""

    __slots__ = ("_handles",)

    def __init__(self, *handles: Cancellable) -> None:
        self._handles = handles

    def cancel(self) -> None:
        for handle in self._handles:
            handle.cancel()


def schedule(delay: float, callback: Callable[[], object]) -> Cancellable:
    """Runs `callback` after `delay` seconds on the process-wide timer thread."""
    from supervisors.timer import default_scheduler

    return default_scheduler().call_later(delay, callback)


def run_soon(work: Callable[[], object]) -> None:
    """Runs `work` on a new daemon thread; what it raises is logged."""

    def run() -> None:
        try:
            work()
        except Exception:
            log.exception("interaction.auto_defer_failed")

    threading.Thread(target=run, name="interaction-auto-defer", daemon=True).start()


def watch(
    ctx: Any,
    handler: str,
    user: int | None,
    run_later: Schedule,
    *,
    auto_defer: bool = False,
    background: RunSoon = run_soon,
) -> Cancellable:
    """Arms the deadline of `ctx` (an `InteractionContext`) for the running `handler` (and its
    automatic defer when `auto_defer`); the caller cancels the handle when the handler
    returns."""
    deadline = limits.INITIAL_RESPONSE_DEADLINE

    def expired() -> None:
        # Runs in the timer thread: a read of two attributes and maybe a log line.
        if ctx.responded or ctx.answering:
            return
        log.warning(
            "interaction.deadline_missed",
            command=ctx.command or ctx.custom_id,
            handler=handler,
            user=user,
            guild=ctx.guild_id,
            deadline=deadline,
            hint="call ctx.defer() first when the work takes time",
        )

    missed = run_later(max(deadline - ctx.elapsed, 0.0), expired)
    if not auto_defer:
        return missed

    def defer_for_it() -> None:
        if not (ctx.responded or ctx.answering):
            background(ctx.auto_defer)

    later = run_later(max(min(AUTO_DEFER_AFTER, deadline) - ctx.elapsed, 0.0), defer_for_it)
    return _Both(missed, later)
