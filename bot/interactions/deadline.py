"""The 3-second watch: say so, at the deadline itself, when a handler has not answered yet.

Discord wants a first answer within `limits.INITIAL_RESPONSE_DEADLINE` seconds of the
interaction (`interactions/receiving-and-responding.mdx`, Responding to an Interaction); after
that the user sees "The application did not respond" and the token refuses a first answer.
A handler blocked past the deadline would only be noticed when it returns, so the dispatcher
arms one timer per running handler on a shared timer facility (no thread per interaction)
and cancels it when the handler returns. If the timer fires first, it logs
`interaction.deadline_missed` with the command, the user, the guild and the hint to call
`ctx.defer()`.

`schedule` is the one place that names the timer facility: the process-wide
`supervisors.timer` scheduler today. A `Dispatcher` takes another `schedule` (a per-bot
scheduler, or a fake in tests) with the same shape: `schedule(delay, callback) -> handle` with
`handle.cancel()`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

import structlog

from bot.interactions import limits

__all__ = ["Cancellable", "Schedule", "schedule", "watch"]

log = structlog.get_logger(__name__)


class Cancellable(Protocol):
    """What `schedule` returns: a pending callback that can be called off."""

    def cancel(self) -> None: ...


Schedule = Callable[[float, Callable[[], object]], Cancellable]
"""`schedule(delay, callback) -> handle`: run `callback` (quickly) after `delay` seconds."""


def schedule(delay: float, callback: Callable[[], object]) -> Cancellable:
    """Runs `callback` after `delay` seconds on the process-wide timer thread."""
    from supervisors.timer import default_scheduler

    return default_scheduler().call_later(delay, callback)


def watch(ctx: Any, handler: str, user: int | None, run_later: Schedule) -> Cancellable:
    """Arms the deadline of `ctx` (an `InteractionContext`) for the running `handler`; the
    caller cancels the handle when the handler returns."""
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

    return run_later(max(deadline - ctx.elapsed, 0.0), expired)
