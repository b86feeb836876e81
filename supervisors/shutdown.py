"""Clean shutdown of a whole tree from the main thread, so the interpreter never hangs at exit.

Actor threads are not daemons (so `on_stop` runs): a tree left running keeps the process alive
after the main thread ends. `stop_at_exit(ref)` stops the tree when the main thread finishes,
before Python waits for the remaining threads (the hook concurrent.futures uses).
"""

from __future__ import annotations

import atexit
import threading
from typing import Any

import structlog

__all__ = ["stop_at_exit", "stop_tree"]

log = structlog.get_logger(__name__)

# Long enough for a tree of workers with the default 5 s shutdown each to stop in order.
DEFAULT_TREE_STOP_TIMEOUT = 30.0


def stop_tree(ref: Any, timeout: float | None = DEFAULT_TREE_STOP_TIMEOUT) -> bool:
    """Stop a supervisor (children in reverse order) and wait; True if it ended in time."""
    if not ref.is_alive():
        return True
    try:
        ref.stop(block=False)
    except Exception:
        pass  # ended meanwhile
    lifeline = getattr(ref, "lifeline", None)
    ended = lifeline.wait(timeout) if lifeline is not None else ref.actor_stopped.wait(timeout)
    if not ended:
        log.error("tree_stop_timeout", actor=str(ref), timeout=timeout)
    return bool(ended)


def stop_at_exit(ref: Any, timeout: float | None = DEFAULT_TREE_STOP_TIMEOUT) -> None:
    """Stop the tree under `ref` when the main thread ends (or at exit, as a fallback)."""

    def _stop() -> None:
        stop_tree(ref, timeout)

    register = getattr(threading, "_register_atexit", None)
    try:
        if register is None:
            raise RuntimeError("no threading._register_atexit")
        register(_stop)
    except RuntimeError:
        atexit.register(_stop)
