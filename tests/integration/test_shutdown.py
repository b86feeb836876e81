"""Shutdown: nothing of ours keeps running after `bot.stop()`; `python -m bot run` stops on
SIGTERM and SIGINT with exit status 0."""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pykka
import pytest

from bot.app import Bot, BotFailed
from tests.integration.consumers import WAIT, SlowRecorder, journal_of
from tests.integration.helpers import wait_ready, write_config

REPO = Path(__file__).resolve().parents[2]
SHARED = ("supervisors-",)  # the process-lived pool and timer threads


def ours(before: set[threading.Thread]) -> list[threading.Thread]:
    return [
        t
        for t in threading.enumerate()
        if t not in before and t.is_alive() and not t.name.startswith(SHARED)
    ]


def test_stop_waits_for_in_flight_handlers_then_leaves_no_thread_or_actor(tmp_path: Path) -> None:
    before = set(threading.enumerate())
    actors_before = {ref.actor_urn for ref in pykka.ActorRegistry.get_all()}
    SlowRecorder.gate.clear()
    SlowRecorder.finished.clear()
    slow = "tests.integration.consumers:SlowRecorder"
    bot = Bot.from_config(write_config(tmp_path, [slow], simulator={"shards": 2, "guilds": 4}))
    bot.start()
    try:
        journal = wait_ready(bot, 4)
        simulator = bot.simulator
        simulator.stream_messages(20)
        # Four handlers in flight (max_workers = 4), each held on the gate.
        journal.wait_until(lambda j: len(j.numbers) == SlowRecorder.max_workers)
        names = {t.name for t in ours(before)}
        assert {"shard-0-reader", "shard-0-ticker", "shard-1-reader", "shard-1-ticker"} <= names
        assert any(n.startswith("fake-gateway") for n in names)
        stopping = threading.Thread(target=bot.stop, name="test-stopper")
        stopping.start()
        # Shards stop first (reverse start order): their connections close while the
        # consumer still waits for its handlers.
        simulator.wait_for_close(2, timeout=WAIT)
        assert stopping.is_alive()
    finally:
        SlowRecorder.gate.set()
    stopping.join(30)
    assert not stopping.is_alive()
    # The handlers in flight at the stop finished; nothing was cut off.
    assert len(SlowRecorder.finished) == len(journal.numbers) >= SlowRecorder.max_workers
    left = ours(before)
    for thread in left:
        thread.join(5)
    assert [t.name for t in ours(before)] == []
    assert [r for r in pykka.ActorRegistry.get_all() if r.actor_urn not in actors_before] == []
    assert bot.simulator is None


def _reader(stream: Any, lines: queue.Queue[str | None]) -> None:
    for line in stream:
        lines.put(line)
    lines.put(None)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_python_dash_m_bot_run_stops_on_a_signal_with_exit_0(
    tmp_path: Path, signum: signal.Signals
) -> None:
    config = write_config(
        tmp_path,
        ["examples.ping:PingConsumer"],
        simulator={"messages": 20, "reconnect": False, "pace": 0.0},
        log={"level": "info", "format": "json"},
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHARDLINE_")}
    env.pop("DISCORD_TOKEN", None)
    env["PYTHONPATH"] = str(REPO)
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "run", "--config", str(config), "--forever"],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: queue.Queue[str | None] = queue.Queue()
    reader = threading.Thread(target=_reader, args=(process.stderr, lines), name="test-reader")
    reader.start()
    seen: list[str] = []
    try:
        # Wait for the bot to be up and waiting for a signal (a structured line).
        while True:
            line = lines.get(timeout=60)
            assert line is not None, "".join(seen)
            seen.append(line)
            if '"run.waiting"' in line:
                break
        process.send_signal(signum)
        process.wait(60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(10)
        reader.join(10)
        assert process.stdout is not None
        process.stdout.close()
    while (line := lines.get_nowait()) is not None:
        seen.append(line)
    assert process.returncode == 0, "".join(seen[-30:])
    events = [json.loads(line)["event"] for line in seen if line.startswith("{")]
    assert "bot.stopped" in events and "run.summary" in events
    summary = next(json.loads(x) for x in seen if '"run.summary"' in x)
    assert summary["level"] == "info"


def test_bot_run_returns_when_its_stop_event_is_set(tmp_path: Path) -> None:
    bot = Bot.from_config(write_config(tmp_path, ["tests.integration.consumers:Recorder"]))
    stop = threading.Event()
    runner = threading.Thread(target=bot.run, args=(stop,), name="test-run")
    runner.start()
    try:
        journal = journal_of(bot.cache)
        journal.wait_until(lambda j: j.count("GUILD_AVAILABLE") == 2)
    finally:
        stop.set()
        runner.join(30)
    assert not runner.is_alive()
    assert bot.state.value == "stopped"


def test_bot_run_returns_when_its_tree_ends_by_itself(tmp_path: Path) -> None:
    from bot.app.tree import BOT_INTENSITY
    from tests.integration.helpers import crash, crash_and_wait_restart

    bot = Bot.from_config(write_config(tmp_path, ["tests.integration.consumers:Recorder"]))
    stop = threading.Event()
    raised: list[BaseException] = []

    def run() -> None:
        try:
            bot.run(stop)
        except BotFailed as failure:
            raised.append(failure)

    runner = threading.Thread(target=run, name="test-run")
    runner.start()
    try:
        journal_of(bot.cache).wait_until(lambda j: j.count("GUILD_AVAILABLE") == 2)
        # Past its restart intensity the bot's supervisor fails: run() sees its Down, stops,
        # and raises BotFailed with the reason (a script's exit status is then non-zero).
        for _ in range(BOT_INTENSITY):
            crash_and_wait_restart(bot, "identify_queue")
        crash(bot.names.get("identify_queue", 10))
        runner.join(30)
        assert not runner.is_alive()
        assert bot.state.value == "failed"
        (failure,) = raised
        assert "restart intensity exceeded" in str(failure) and "identify_queue" in str(failure)
    finally:
        stop.set()
        runner.join(30)
