"""The live status of a running bot: a few redrawn lines on a terminal, log lines in a pipe.

    status = open_status(collector.snapshot, sys.stderr, extra=player_line)
    status.start()          # on a tty: redraws STATUS_HZ times a second; else logs `status`
    ...                     # log lines written to `status.stream` appear above the block
    status.stop()

On a terminal (`stream.isatty()`) `StatusScreen` keeps a block of lines at the bottom and
redraws it in place with ANSI cursor moves (no curses). Log lines must go through the screen
(`status.stream`, given to `bot.log.configure`) so that they scroll above the block instead of
being overwritten. In a pipe, `StatusLog` logs one `status` event every `LOG_INTERVAL` seconds
with the same figures as fields: no redraw, nothing but structured lines.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from typing import Any, Protocol, TextIO

import structlog

from bot.app.stats import Snapshot

__all__ = [
    "LOG_INTERVAL",
    "STATUS_HZ",
    "Status",
    "StatusLog",
    "StatusScreen",
    "open_status",
    "render",
    "status_fields",
]

log = structlog.get_logger(__name__)

STATUS_HZ = 4
"""Redraws per second on a terminal: live enough, and a snapshot costs a few actor round trips."""
LOG_INTERVAL = 2.0
"""Seconds between `status` log lines in a pipe."""

# ECMA-48: CPL (cursor to the start of the line n lines up), ED 0 (erase to the end of screen),
# EL 0 (erase to the end of the line). Every terminal emulator in use understands them.
_UP_LINES = "\x1b[{}F"
_ERASE_DOWN = "\x1b[J"
_ERASE_LINE = "\x1b[K"
_BOLD, _DIM, _GREEN, _YELLOW, _RED, _RESET = (
    "\x1b[1m",
    "\x1b[2m",
    "\x1b[32m",
    "\x1b[33m",
    "\x1b[31m",
    "\x1b[0m",
)

Extra = Callable[[], tuple[str, dict[str, Any]] | None]
"""One more status line, as a title and fields (the scripted session's progress), or None."""


class Status(Protocol):
    """What the runner drives: a status on a terminal or in a pipe."""

    stream: TextIO

    def start(self) -> None: ...

    def stop(self) -> None: ...


def _ms(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds * 1000:.0f} ms"


def render(
    snapshot: Snapshot, extra: tuple[str, dict[str, Any]] | None = None, *, color: bool = False
) -> list[str]:
    """The status block's lines for one snapshot."""

    def paint(code: str, text: str) -> str:
        return f"{code}{text}{_RESET}" if color else text

    s = snapshot
    lines = [
        paint(_BOLD, "shardline")
        + f"  {s.elapsed:6.1f} s  guilds ready {s.guilds}  events {s.events}"
        f" ({s.events_per_second:.0f}/s)  resumes {s.resumes}  restarts {s.restarts}"
    ]
    for shard in s.shards:
        state = shard.state
        code = _GREEN if state == "connected" else _RED if state == "failed" else _YELLOW
        lines.append(
            f"  shard {shard.id:<3} {paint(code, f'{state:<12}')} latency {_ms(shard.latency):>7}"
            f"  guilds {shard.guilds:<5} seq {shard.seq if shard.seq is not None else '-'}"
        )
    if not s.shards:
        lines.append(paint(_DIM, "  no shard running"))
    lines.append(f"  workers  in flight {s.in_flight:<4} handled {s.handled:<7} failed {s.failed}")
    rest = s.rest
    lines.append(
        f"  rest     sent {rest.sent:<6} in flight {rest.in_flight:<3} queued {rest.queued:<3}"
        f" errors {rest.errors} (429: {rest.rate_limited})"
    )
    if extra:
        title, fields = extra
        lines.append(
            f"  {title:<8} " + "  ".join(f"{key} {value}" for key, value in fields.items())
        )
    return lines


def status_fields(snapshot: Snapshot) -> dict[str, Any]:
    """The snapshot as log fields (what the `status` and `run.summary` lines carry)."""
    s = snapshot
    return {
        "elapsed": round(s.elapsed, 2),
        "shards": {
            str(shard.id): {
                "state": shard.state,
                "latency_ms": None if shard.latency is None else round(shard.latency * 1000, 1),
                "guilds": shard.guilds,
            }
            for shard in s.shards
        },
        "guilds": s.guilds,
        "events": s.events,
        "events_per_second": round(s.events_per_second, 1),
        "resumes": s.resumes,
        "restarts": s.restarts,
        "handled": s.handled,
        "failed": s.failed,
        "in_flight": s.in_flight,
        "rest_sent": s.rest.sent,
        "rest_in_flight": s.rest.in_flight,
        "rest_queued": s.rest.queued,
        "rest_errors": s.rest.errors,
    }


class _Ticker:
    """A daemon thread that calls `tick` every `interval` seconds until stopped."""

    def __init__(self, name: str, interval: float, tick: Callable[[], None]) -> None:
        self._stopped = threading.Event()
        self._interval = interval
        self._tick = tick
        self._thread = threading.Thread(target=self._loop, name=name, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopped.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(5)

    def _loop(self) -> None:
        while not self._stopped.wait(self._interval):
            try:
                self._tick()
            except Exception:  # a status must never take the bot down
                log.exception("status.tick_failed")


class StatusScreen:
    """The terminal status: a redrawn block at the bottom, log lines scrolling above it.

    It is also the stream log lines go to (`write`, `flush`, `isatty`): each complete line is
    written above the block, then the block is drawn again from its last rendering.
    """

    def __init__(
        self,
        snapshot: Callable[[], Snapshot],
        terminal: TextIO,
        extra: Extra | None = None,
    ) -> None:
        self._snapshot = snapshot
        self._terminal = terminal
        self._extra = extra
        self._lock = threading.RLock()
        self._lines: list[str] = []
        self._drawn = 0  # lines of the block now on screen
        self._partial = ""
        self._ticker = _Ticker("status-screen", 1 / STATUS_HZ, self.refresh)
        self.stream: TextIO = self  # type: ignore[assignment]

    # -- the stream side (log lines) -----------------------------------------------------------

    def write(self, text: str) -> int:
        with self._lock:
            self._partial += text
            if "\n" in self._partial:
                complete, _, self._partial = self._partial.rpartition("\n")
                self._erase()
                self._terminal.write(complete + "\n")
                self._draw()
                self._terminal.flush()
        return len(text)

    def flush(self) -> None:
        with self._lock:
            self._terminal.flush()

    def isatty(self) -> bool:
        return True

    # -- the block -----------------------------------------------------------------------------

    def start(self) -> None:
        self.refresh()
        self._ticker.start()

    def refresh(self) -> None:
        """Takes a new snapshot and redraws the block."""
        lines = render(self._snapshot(), self._extra() if self._extra else None, color=True)
        with self._lock:
            self._lines = lines
            self._erase()
            self._draw()
            self._terminal.flush()

    def stop(self) -> None:
        """Draws the block a last time and leaves it on screen; log lines go below it now."""
        self._ticker.stop()
        self.refresh()
        with self._lock:
            if self._partial:
                self._terminal.write(self._partial + "\n")
                self._partial = ""
            self._drawn = 0
            self._lines = []  # later writes pass straight through
            self._terminal.flush()

    def _erase(self) -> None:
        if self._drawn:
            self._terminal.write(_UP_LINES.format(self._drawn) + _ERASE_DOWN)
            self._drawn = 0

    def _draw(self) -> None:
        for line in self._lines:
            self._terminal.write(line + _ERASE_LINE + "\n")
        self._drawn = len(self._lines)


class StatusLog:
    """The status in a pipe: one `status` log line every `interval` seconds, no redraw."""

    def __init__(
        self,
        snapshot: Callable[[], Snapshot],
        stream: TextIO,
        extra: Extra | None = None,
        interval: float = LOG_INTERVAL,
    ) -> None:
        self._snapshot = snapshot
        self._extra = extra
        self.stream = stream
        self._ticker = _Ticker("status-log", interval, self.emit)

    def start(self) -> None:
        self._ticker.start()

    def emit(self) -> None:
        fields = status_fields(self._snapshot())
        extra = self._extra() if self._extra else None
        if extra:
            title, more = extra
            fields[title] = more
        log.info("status", **fields)

    def stop(self) -> None:
        self._ticker.stop()


def open_status(
    snapshot: Callable[[], Snapshot], stream: TextIO | None = None, extra: Extra | None = None
) -> Status:
    """A `StatusScreen` when `stream` (stderr) is a terminal, else a `StatusLog`."""
    stream = stream if stream is not None else sys.stderr
    if hasattr(stream, "isatty") and stream.isatty():
        return StatusScreen(snapshot, stream, extra)
    return StatusLog(snapshot, stream, extra)
