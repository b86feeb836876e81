"""A bot whose tree cannot go on ends, with the reason: a fatal close code (4004, 4010 to
4014) or a tree that fails past repair (a consumer whose restart fails). `Bot.state` is
FAILED, `Bot.run()` raises `BotFailed`, `python -m bot run` exits 1 with the reason."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

from bot.app import Bot, BotFailed, BotState
from bot.testing import FakeDiscord, GatewayConfig
from bot.testing.rest import make_token
from tests.integration.consumers import Recorder, journal_of
from tests.integration.helpers import WAIT, crash, running, wait_ready, write_config

REPO = Path(__file__).resolve().parents[2]
RECORDER = "tests.integration.consumers:Recorder"


class FailsToRestart(Recorder):
    """Starts once; every later start raises (a restart that cannot succeed)."""

    starts = 0

    def on_start(self) -> None:
        cls = type(self)
        cls.starts += 1
        if cls.starts > 1:
            raise RuntimeError("cannot start again")
        super().on_start()


def run_in_thread(bot: Bot, stop: threading.Event) -> tuple[threading.Thread, list[Any]]:
    """`bot.run(stop)` in a thread; the list gets what it raised (or None when it returned)."""
    outcome: list[Any] = []

    def target() -> None:
        try:
            bot.run(stop)
        except BaseException as exc:
            outcome.append(exc)
        else:
            outcome.append(None)

    thread = threading.Thread(target=target, name="test-run")
    thread.start()
    return thread, outcome


@pytest.mark.parametrize("code", [4004, 4010, 4011, 4012, 4013, 4014])
def test_a_fatal_close_code_ends_the_bot_and_run_raises(tmp_path: Path, code: int) -> None:
    bot = Bot.from_config(write_config(tmp_path, [RECORDER]))
    stop = threading.Event()
    thread, outcome = run_in_thread(bot, stop)
    try:
        journal_of(bot.cache).wait_until(lambda j: j.count("GUILD_AVAILABLE") == 2)
        bot.simulator.close(code, shard_id=0)
        thread.join(WAIT)
        assert not thread.is_alive(), "run() did not return after a fatal close"
    finally:
        stop.set()
        thread.join(WAIT)
    (raised,) = outcome
    assert isinstance(raised, BotFailed) and raised.code == code
    assert f"shard 0 stopped for good: gateway closed with {code}" in raised.reason
    assert bot.state is BotState.FAILED and bot.failure is raised


def test_a_fatal_close_ends_a_started_bot_too(tmp_path: Path) -> None:
    bot = Bot.from_config(write_config(tmp_path, [RECORDER]))
    failed = threading.Event()
    bot.on_failure(lambda _failure: failed.set())
    with running(bot):
        wait_ready(bot, 2)
        root = bot.supervisor
        bot.simulator.close(4014, shard_id=0)
        assert failed.wait(WAIT)
        assert root.lifeline.wait(WAIT)  # the whole tree stopped, not only the shard
        assert bot.state is BotState.FAILED
        assert bot.failure is not None and bot.failure.code == 4014
        # The failed bot's timer is stopped with its tree, before stop() is called.
        assert bot.scheduler is not None and bot.scheduler.stopped
        thread = bot.scheduler.thread
        assert thread is None or not thread.is_alive()
    assert bot.state is BotState.FAILED  # stop() after a failure keeps it


def test_a_consumer_whose_restart_fails_ends_the_bot(tmp_path: Path) -> None:
    FailsToRestart.starts = 0
    bot = Bot.from_config(write_config(tmp_path, [f"{__name__}:FailsToRestart"]))
    stop = threading.Event()
    thread, outcome = run_in_thread(bot, stop)
    try:
        journal_of(bot.cache).wait_until(lambda j: j.count("GUILD_AVAILABLE") == 2)
        crash(bot.names.get(("consumer", 0), WAIT))
        thread.join(WAIT)
        assert not thread.is_alive(), "run() did not return after the tree failed"
    finally:
        stop.set()
        thread.join(WAIT)
    (raised,) = outcome
    assert isinstance(raised, BotFailed)
    assert "the bot's tree ended" in raised.reason
    assert bot.state is BotState.FAILED


def test_a_requested_stop_is_no_failure(tmp_path: Path) -> None:
    bot = Bot.from_config(write_config(tmp_path, [RECORDER]))
    stop = threading.Event()
    thread, outcome = run_in_thread(bot, stop)
    journal_of(bot.cache).wait_until(lambda j: j.count("GUILD_AVAILABLE") == 2)
    stop.set()
    thread.join(WAIT)
    assert outcome == [None] and bot.state is BotState.STOPPED and bot.failure is None


def test_the_cli_exits_1_with_the_reason_when_discord_refuses_the_intents(tmp_path: Path) -> None:
    token = make_token()
    # the Developer Portal switch left off: message_content (in the default intents) is refused
    config = GatewayConfig(heartbeat_interval_ms=500, allowed_privileged_intents=0)
    with FakeDiscord(token, config) as discord:
        path = write_config(
            tmp_path,
            [RECORDER],
            gateway={"url": discord.gateway_url},
            rest={"base_url": discord.rest_url},
            log={"level": "info", "format": "json"},
        )
        env = {k: v for k, v in os.environ.items() if not k.startswith("SHARDLINE_")}
        env["DISCORD_TOKEN"] = token
        env["PYTHONPATH"] = str(REPO)
        process = subprocess.run(
            [sys.executable, "-m", "bot", "run", "--config", str(path)],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert process.returncode == 1, process.stderr[-2000:]
    lines = [json.loads(line) for line in process.stderr.splitlines() if line.startswith("{")]
    (summary,) = [line for line in lines if line["event"] == "run.summary"]
    assert summary["exit_status"] == 1 and "4014" in summary["reason"]
    assert token not in process.stderr + process.stdout
