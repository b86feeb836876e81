"""`[log]` applies to a bot started from Python too, not only through the CLI, unless the
application configured logging itself (its choice wins)."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
import structlog

from bot.app import Bot
from tests.integration.helpers import running, wait_ready, write_config

RECORDER = "tests.integration.consumers:Recorder"


def test_log_table_applies_when_the_bot_starts_from_python(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    structlog.reset_defaults()  # a fresh process: nothing configured logging yet
    path = write_config(tmp_path, [RECORDER], log={"level": "warning", "format": "json"})
    with running(Bot.from_config(path)) as bot:
        wait_ready(bot, 2)
        structlog.get_logger("test").info("test.info_line")
        structlog.get_logger("test").warning("test.warning_line", field=1)
    err = capsys.readouterr().err
    lines = [json.loads(line) for line in err.splitlines() if line.startswith("{")]
    assert any(line["event"] == "test.warning_line" and line["field"] == 1 for line in lines)
    assert not any(line["event"] in ("test.info_line", "bot.started") for line in lines)
    assert logging.getLogger().level == logging.WARNING


def test_an_application_that_configured_logging_keeps_its_own(tmp_path: Path) -> None:
    path = write_config(tmp_path, [RECORDER], log={"level": "error", "format": "json"})
    with structlog.testing.capture_logs() as logs, running(Bot.from_config(path)) as bot:
        wait_ready(bot, 2)
    assert any(entry["event"] == "bot.started" for entry in logs)  # info: not filtered out
