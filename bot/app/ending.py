"""How a bot ends on its own, and who hears of it.

A bot's tree ends without `stop()` in two ways: its root fails (an escalation past the restart
intensity, a consumer whose restart fails), or a shard stops for good (a fatal close code:
4004, 4010 to 4014) and `bot.app.tree.TreeState` shuts the root down with that reason, since
nothing works without the shards and reconnecting cannot help. Either way the bot is `FAILED`
with a `BotFailed` that says why, `Bot.run()` raises it, and `python -m bot run` exits 1 with the
reason in its summary.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import structlog

from actors.errors import ShardStoppedForGood
from supervisors import Down, ExitReason

__all__ = ["BotFailed", "EndListeners", "EndWatch", "ReleaseAtExit", "failure_of"]

log = structlog.get_logger(__name__)


class BotFailed(RuntimeError):
    """The bot's tree ended on its own; `reason` says why, `error` is what ended it."""

    def __init__(self, reason: str, error: BaseException | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.error = error
        self.code: int | None = getattr(error, "code", None)
        """The close code when a shard stopped for good (4004: the token was refused...)."""


def failure_of(reason: ExitReason) -> BotFailed:
    """The BotFailed for a root that ended with `reason` without being asked to."""
    error = reason.exception
    if isinstance(error, ShardStoppedForGood):
        return BotFailed(str(error), error)
    if error is None:
        return BotFailed(f"the bot's tree ended by itself ({reason.kind.value})")
    return BotFailed(f"the bot's tree ended ({reason.kind.value}): {error}", error)


class EndWatch:
    """Watches the root of one start of a bot's tree (a `supervisors.monitor` watcher): told
    its `Down` without `requested` set, it calls `on_failed` (in the ending actor's thread)."""

    def __init__(self, on_failed: Callable[[EndWatch, BotFailed], None]) -> None:
        self.on_failed = on_failed
        self.requested = False
        """Set by `stop()` before it stops the tree: that end is no failure."""

    def tell(self, message: Any) -> None:
        if isinstance(message, Down) and not self.requested:
            self.on_failed(self, failure_of(message.reason))


class EndListeners:
    """Callbacks told when a bot fails; each must be quick (it runs in an actor's thread)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._callbacks: list[Callable[[BotFailed], object]] = []

    def add(self, callback: Callable[[BotFailed], object]) -> Callable[[], None]:
        """Adds `callback`; returns what removes it."""
        with self._lock:
            self._callbacks.append(callback)

        def remove() -> None:
            with self._lock:
                if callback in self._callbacks:
                    self._callbacks.remove(callback)

        return remove

    def notify(self, failure: BotFailed) -> None:
        with self._lock:
            callbacks = list(self._callbacks)
        for callback in callbacks:
            try:
                callback(failure)
            except Exception:
                log.exception("bot.end_listener_failed")


class ReleaseAtExit:
    """Watches one start's tree (a `supervisors.monitor` watcher): told its `Down`, it calls
    `release` (which closes the REST client that start made: embedded, no `stop()` runs)."""

    def __init__(self, release: Callable[[], object]) -> None:
        self._release = release

    def tell(self, message: Any) -> None:
        if isinstance(message, Down):
            self._release()
