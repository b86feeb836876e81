"""SIGINT and SIGTERM as a request to stop while a bot runs, instead of a KeyboardInterrupt."""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

__all__ = ["STOP_SIGNALS", "stop_on_signals"]

# Ctrl-C, and what service managers (systemd, Docker) send to stop a process.
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


@contextmanager
def stop_on_signals(on_signal: Callable[[], object]) -> Iterator[None]:
    """While inside, `STOP_SIGNALS` call `on_signal()` (it must be quick: it runs in the signal
    handler); the previous handlers come back on leaving. Outside the main thread, where Python
    allows no signal handler, it changes nothing."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous: dict[signal.Signals, Any] = {}
    for signum in STOP_SIGNALS:
        previous[signum] = signal.signal(signum, lambda *_: on_signal())
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
