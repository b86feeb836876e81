"""`python -m bot run` (and `make run`): the bot with a live status and a summary at the end.

With `gateway.url = "local"` the bot starts the built-in simulator, which plays the scripted
session (`bot.testing.session_script`: guilds, members, messages with the demo's commands, a
RECONNECT and a resume) when the demo consumer (`bot.app.demo`) is configured; the run ends
when every command has its reply (exit status 0) or at `SESSION_TIMEOUT` (1, with the reason).
A bot of your own against the simulator has no script to answer: it runs until SIGINT or
SIGTERM (its tests drive it, see docs/testing.md). With `forever`, or against Discord (no
script there), the bot runs until SIGINT or SIGTERM, then stops the tree gracefully and exits 0
(also when the signal comes during the script). If the tree ends on its own (a shard closed for
good with 4004 or 4010 to 4014, an escalation past the restart intensity), the run ends at once
with 1 and that reason.

    status = run(config, forever=False)     # returns the exit status
"""

from __future__ import annotations

import sys
import threading
import time
from dataclasses import dataclass
from typing import Any, TextIO

import structlog

from bot import log as bot_log
from bot.app import Bot
from bot.app.signals import stop_on_signals
from bot.app.stats import EventTally, Snapshot, StatsCollector, tally_consumer
from bot.app.status import open_status
from bot.config import Config

__all__ = [
    "EXIT_FAILED",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "SESSION_TIMEOUT",
    "RunResult",
    "run",
    "run_bot",
]

log = structlog.get_logger(__name__)

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report a Ctrl-C

SESSION_TIMEOUT = 60.0
"""Seconds the whole scripted session may take before the run fails."""
STOP_TIMEOUT = 30.0
"""Seconds the tree gets to stop (consumers finish their in-flight events)."""
SETTLE_TIMEOUT, SETTLE_POLL, SETTLE_CHECKS = 5.0, 0.02, 2
"""After the script: how long, how often and how many calm reads until the counts are final."""


@dataclass
class RunResult:
    """What a run did: the summary's figures and its exit status."""

    status: int
    reason: str | None
    snapshot: Snapshot
    commands: int = 0
    replies: int = 0
    duration: float = 0.0
    scripted: bool = False
    play: Any = None  # the session's PlayResult (bot.testing.session_player), if one was played

    def fields(self) -> dict[str, Any]:
        s = self.snapshot
        fields: dict[str, Any] = {
            "exit_status": self.status,
            "duration": round(self.duration, 2),
            "events": s.events,
            "handled": s.handled,
            "failed": s.failed,
            "rest_requests": s.rest.sent,
            "restarts": s.restarts,
            "resumes": s.resumes,
            "guilds": s.guilds,
        }
        if self.scripted:
            fields["commands"] = self.commands
            fields["replies"] = self.replies
        if self.reason:
            fields["reason"] = self.reason
        return fields


def run(
    config: Config,
    *,
    forever: bool = False,
    stream: TextIO | None = None,
    stop: threading.Event | None = None,
    timeout: float = SESSION_TIMEOUT,
) -> int:
    """Runs the bot from `config` with a status on `stream` (stderr); returns the exit status."""
    return run_bot(config, forever=forever, stream=stream, stop=stop, timeout=timeout).status


def run_bot(
    config: Config,
    *,
    forever: bool = False,
    stream: TextIO | None = None,
    stop: threading.Event | None = None,
    timeout: float = SESSION_TIMEOUT,
) -> RunResult:
    """`run`, returning the whole result (tests read its figures)."""
    stream = stream if stream is not None else sys.stderr
    stop = stop if stop is not None else threading.Event()
    tally = EventTally()
    bot = Bot(config, [*config.consumer_classes(), tally_consumer(tally)])
    collector = StatsCollector(bot, tally, bot.rest_counter)
    player: Any = None

    def progress() -> tuple[str, dict[str, Any]] | None:
        if player is None:
            return None
        step, steps, commands, replies = player.progress()
        return "script", {"step": f"{step}/{steps}", "replies": f"{replies}/{commands}"}

    status = open_status(collector.snapshot, stream, progress)
    bot_log.configure(level=config.log.level, format=config.log.format, stream=status.stream)
    interrupted = threading.Event()

    def on_signal() -> None:  # SIGINT, SIGTERM: stop (and cancel the script) instead of raising
        interrupted.set()
        stop.set()
        if player is not None:
            player.cancel()

    def on_failure(_failure: Any) -> None:  # the tree ended on its own: stop waiting for it
        stop.set()
        if player is not None:
            player.cancel()

    bot.on_failure(on_failure)

    signals = stop_on_signals(on_signal)
    signals.__enter__()
    started = time.monotonic()
    status_started = False
    play: Any = None
    try:
        log.info("run.starting", url=config.gateway.url, forever=forever)
        failure = _start(bot)
        if failure is None:
            status.start()
            status_started = True
            scripted = config.is_local and _runs_demo(config)
            if not scripted and config.is_local:
                log.info(
                    "run.no_script", reason="the demo consumer (bot.app.demo) is not configured"
                )
            if scripted:
                from bot.testing.session_player import SessionPlayer

                player = SessionPlayer(bot.simulator, bot)
                if stop.is_set():  # Ctrl-C while the tree was starting
                    player.cancel()
                play = _play(config, player, timeout)
                _settle(collector, play.messages, stop)
            if (forever or not scripted) and not stop.is_set():
                log.info("run.waiting", until="SIGINT or SIGTERM")
                stop.wait()  # set by a signal, or by the tree ending on its own
        snapshot = collector.snapshot()
    finally:
        try:
            if status_started:
                status.stop()
        finally:
            bot_log.configure(level=config.log.level, format=config.log.format, stream=stream)
            bot.stop(STOP_TIMEOUT)
            signals.__exit__(None, None, None)
    ended = bot.failure
    if ended is not None:  # a shard closed for good, an escalation: that is the reason
        failure = ended.reason
    reason = failure or (play.reason if play is not None and not play.ok else None)
    code = EXIT_OK if reason is None else EXIT_FAILED
    if interrupted.is_set() and failure is None and play is not None and not play.ok:
        # Ctrl-C or SIGTERM cut the script short: 130 for a plain run; with --forever the
        # signal is the way to end it, so it is a clean end (docs/running.md)
        code, reason = (EXIT_OK, None) if forever else (EXIT_INTERRUPTED, "interrupted")
    result = RunResult(
        code,
        reason,
        snapshot,
        commands=len(play.commands) if play else 0,
        replies=play.replies if play else 0,
        scripted=play is not None,
        play=play,
        duration=time.monotonic() - started,
    )
    _summarise(result, stream)
    return result


def _runs_demo(config: Config) -> bool:
    """Whether the demo consumer, which the scripted session's commands are for, is configured."""
    from bot.app.demo import PingConsumer

    return any(issubclass(c, PingConsumer) for c in config.consumer_classes())


def _start(bot: Bot) -> str | None:
    """Starts the tree; None, or why it did not start (logged, with the error's type)."""
    try:
        bot.start()
    except Exception as exc:  # Discord unreachable, a refused token, a failing child...
        log.error("run.start_failed", error=type(exc).__name__, detail=str(exc))
        return f"the bot did not start: {type(exc).__name__}: {exc}"
    return None


def _play(config: Config, player: Any, timeout: float) -> Any:
    """Plays the scripted session of `[simulator]`; its PlayResult."""
    from bot.testing.session_script import session_script

    simulator = config.simulator
    script = session_script(
        guilds=simulator.guilds,
        messages=simulator.messages,
        reconnect=simulator.reconnect,
        drop=simulator.reconnect,
        pace=simulator.pace,
    )
    play = player.play(script, timeout)
    log.info(
        "run.session_played",
        ok=play.ok,
        commands=len(play.commands),
        replies=play.replies,
        resumes=play.resumes,
        seconds=round(play.duration, 2),
    )
    return play


def _settle(collector: StatsCollector, messages: int, stop: threading.Event) -> None:
    """Waits (at most SETTLE_TIMEOUT) until the consumers got the script's `messages` and have
    none in flight, so the summary counts every handled event. Polls: the counters live in
    several actors, with nothing to wait on in common."""
    deadline = time.monotonic() + SETTLE_TIMEOUT
    calm = 0
    while calm < SETTLE_CHECKS and time.monotonic() < deadline:
        snapshot = collector.snapshot()
        delivered = collector.tally.get("MESSAGE_CREATE") >= messages
        calm = calm + 1 if delivered and snapshot.in_flight == 0 else 0
        if stop.wait(SETTLE_POLL):
            return


def _summarise(result: RunResult, stream: TextIO) -> None:
    fields = result.fields()
    if result.status == EXIT_OK:
        log.info("run.summary", **fields)
    else:
        log.error("run.summary", **fields)
    if stream.isatty():
        stream.write(_summary_text(result) + "\n")
        stream.flush()


def _summary_text(result: RunResult) -> str:
    s = result.snapshot
    lines = [
        f"summary: {'ok' if result.status == EXIT_OK else 'FAILED'} in {result.duration:.1f} s",
        f"  events {s.events}, handled by consumers {s.handled} (failed {s.failed})",
    ]
    if result.scripted:
        lines.append(f"  commands {result.commands}, replies {result.replies}")
    lines.append(
        f"  REST requests {s.rest.sent}, restarts {s.restarts}, resumes {s.resumes},"
        f" guilds {s.guilds}"
    )
    if result.reason:
        lines.append(f"  reason: {result.reason}")
    lines.append(f"  exit status {result.status}")
    return "\n".join(lines)
