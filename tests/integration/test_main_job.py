"""The main job (`make run`): the runner plays the scripted session against the simulator.

As a function call (`bot.app.runner.run_bot`) and as `python -m bot run` in a pipe: exit status 0,
every command answered, the summary's counts right, structured lines only, no token anywhere.
"""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot import log as bot_log
from bot.app import Bot
from bot.app.runner import EXIT_OK, run_bot
from bot.app.stats import EventTally, StatsCollector, tally_consumer
from bot.config import load_config
from bot.testing.rest import FakeRest, make_token
from tests.integration.helpers import WAIT, crash_and_wait_restart, running, write_config

REPO = Path(__file__).resolve().parents[2]
PING = "examples.ping:PingConsumer"
MESSAGES = 30
# Two shards, no pauses between the phases, fast heartbeats: the session takes well under 1 s.
SESSION = {"shards": 2, "messages": MESSAGES, "pace": 0, "guilds": 3}


@pytest.fixture(autouse=True)
def _logging_back_to_stderr() -> Iterator[None]:
    yield
    bot_log.configure()


def json_lines(text: str) -> list[dict[str, Any]]:
    """Every line of `text` as JSON (fails the test on a line that is not)."""
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def summary_of(lines: list[dict[str, Any]]) -> dict[str, Any]:
    (summary,) = [line for line in lines if line["event"] == "run.summary"]
    return summary


def test_the_runner_plays_the_session_and_every_command_is_answered(tmp_path: Path) -> None:
    token = make_token()
    path = write_config(
        tmp_path,
        [PING],
        simulator=SESSION,
        bot={"token": token},
        log={"level": "info", "format": "json"},
    )
    out = io.StringIO()
    result = run_bot(load_config(path, env={}), stream=out)

    assert (result.status, result.reason) == (EXIT_OK, None)
    play = result.play
    assert play.ok and play.steps_done == play.steps
    assert len(play.commands) == 8 and play.replied == {c.message_id for c in play.commands}
    assert {c.content for c in play.commands} == {"!ping", "!echo hi", "!guilds", "!whoami"}
    snapshot = result.snapshot
    # PingConsumer: messages only; each of its replies comes back as the bot's own
    # MESSAGE_CREATE, as Discord sends it.
    assert snapshot.handled == MESSAGES + len(play.commands) and snapshot.failed == 0
    assert snapshot.resumes == 2  # the RECONNECT and the dropped connection
    assert snapshot.guilds == 3 and len(snapshot.shards) == 2
    assert snapshot.rest.sent == 8 and snapshot.rest.errors == 0
    assert snapshot.restarts == 0

    text = out.getvalue()
    assert token not in text and "\x1b" not in text
    summary = summary_of(json_lines(text))
    assert summary["exit_status"] == 0
    assert (summary["commands"], summary["replies"]) == (8, 8)
    assert (summary["handled"], summary["resumes"], summary["restarts"]) == (MESSAGES + 8, 2, 0)


def test_a_crashed_consumer_counts_as_a_restart_and_keeps_its_counts(tmp_path: Path) -> None:
    config = load_config(write_config(tmp_path, [PING], simulator=SESSION), env={})
    tally = EventTally()
    bot = Bot(config, [*config.consumer_classes(), tally_consumer(tally)])
    with running(bot):
        stats = StatsCollector(bot, tally, bot.rest_counter)
        discord = bot.simulator
        discord.wait_for_identify(timeout=WAIT, count=2)
        discord.stream_messages(5, 0)
        before = wait_for(stats, lambda s: s.handled >= 5)
        assert before.restarts == 0
        crash_and_wait_restart(bot, ("consumer", 0))
        after = wait_for(stats, lambda s: s.restarts >= 1)
        assert after.restarts == 1 and after.handled == before.handled


def wait_for(stats: StatsCollector, check: Any) -> Any:
    """Snapshots until `check(snapshot)` holds (the counters live in actors: nothing to wait on)."""
    pause = threading.Event()
    for _ in range(int(WAIT / 0.02)):
        snapshot = stats.snapshot()
        if check(snapshot):
            return snapshot
        pause.wait(0.02)
    raise AssertionError(f"not reached in {WAIT} s: {stats.snapshot()}")


def cli(
    tmp_path: Path, *args: str, token: str, session: dict[str, Any] = SESSION
) -> subprocess.Popen[str]:
    path = write_config(tmp_path, [PING], simulator=session, log={"level": "info"})
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHARDLINE_")}
    env["DISCORD_TOKEN"] = token
    return subprocess.Popen(
        [sys.executable, "-m", "bot", "run", "--config", str(path), *args],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_python_m_bot_run_in_a_pipe_prints_structured_lines_and_exits_0(tmp_path: Path) -> None:
    token = make_token()
    process = cli(tmp_path, token=token)
    stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == 0, stderr[-2000:]
    assert token not in stdout + stderr and "\x1b" not in stdout + stderr
    lines = json_lines(stderr)
    events = {line["event"] for line in lines}
    assert {"bot.started", "run.session_played", "run.summary"} <= events
    assert not any("websockets" in line.get("logger", "") for line in lines)
    summary = summary_of(lines)
    assert (summary["exit_status"], summary["commands"], summary["replies"]) == (0, 8, 8)


def test_forever_keeps_running_until_sigint_then_exits_0(tmp_path: Path) -> None:
    process = cli(tmp_path, "--forever", token=make_token())
    assert process.stderr is not None
    seen = []
    for line in process.stderr:  # ends at EOF if the process dies first
        seen.append(line)
        if '"run.waiting"' in line:
            process.send_signal(signal.SIGINT)
            break
    rest = process.communicate(timeout=60)[1]
    assert process.returncode == 0, "".join(seen)[-2000:] + rest[-2000:]
    summary = summary_of(json_lines(rest))
    assert summary["exit_status"] == 0 and summary["replies"] == 8


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_forever_stopped_during_the_script_exits_0(tmp_path: Path, signum: int) -> None:
    # 5 s between the phases: the signal comes while the script is still playing
    session = {**SESSION, "pace": 5.0}
    process = cli(tmp_path, "--forever", token=make_token(), session=session)
    assert process.stderr is not None
    seen = []
    for line in process.stderr:
        seen.append(line)
        if '"bot.started"' in line:
            process.send_signal(signum)
            break
    rest = process.communicate(timeout=60)[1]
    assert process.returncode == 0, "".join(seen)[-2000:] + rest[-2000:]
    summary = summary_of(json_lines(rest))
    assert summary["exit_status"] == 0 and "reason" not in summary
    assert summary["replies"] < 8  # it was cut short, on purpose


def test_a_bot_whose_token_is_refused_exits_1_with_the_reason() -> None:
    token = make_token()
    with FakeRest() as discord:  # it knows another token: GET /gateway/bot answers 401
        config = load_config(
            {
                "bot": {"token": token, "consumers": [PING]},
                "gateway": {"url": "discord"},
                "rest": {"base_url": discord.base_url},
                "log": {"format": "json"},
            },
            env={},
        )
        out = io.StringIO()
        result = run_bot(config, stream=out)
    assert result.status == 1 and result.play is None
    assert result.reason is not None and "Unauthorized" in result.reason
    assert token not in out.getvalue()
    assert summary_of(json_lines(out.getvalue()))["exit_status"] == 1
