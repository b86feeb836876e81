"""bot.log: console lines on a terminal, JSON lines otherwise, the token redacted everywhere."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest
import structlog

from bot import log as bot_log

# Token-shaped: bot.log's pattern catches it without registering it.
TOKEN = "MTA4NzY1NDMyMTA5ODc2NTQzMg.GaBcDe.abcdefghijklmnopqrstuvwxyz0123456789AB"


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture(autouse=True)
def _restore_logging() -> Iterator[None]:
    saved = structlog.get_config()
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    yield
    structlog.configure(**saved)
    for handler in list(root.handlers):
        if handler not in handlers:
            root.removeHandler(handler)
    root.setLevel(level)


def test_auto_is_json_lines_in_a_pipe_and_console_lines_on_a_terminal() -> None:
    pipe = io.StringIO()
    bot_log.configure(level="info", format="auto", stream=pipe)
    structlog.get_logger("t").info("probe", shard=3)
    line = json.loads(pipe.getvalue().strip())
    assert (line["event"], line["shard"], line["level"]) == ("probe", 3, "info")

    terminal = Terminal()
    bot_log.configure(level="info", format="auto", stream=terminal)
    structlog.get_logger("t").info("probe", shard=3)
    text = terminal.getvalue()
    assert "probe" in text and "shard" in text
    with pytest.raises(json.JSONDecodeError):
        json.loads(text.strip())


def test_the_level_filters_and_a_bad_level_is_refused() -> None:
    stream = io.StringIO()
    bot_log.configure(level="warning", format="json", stream=stream)
    structlog.get_logger("t").info("hidden")
    structlog.get_logger("t").warning("shown")
    assert "hidden" not in stream.getvalue() and "shown" in stream.getvalue()
    with pytest.raises(ValueError, match="unknown log level"):
        bot_log.configure(level="loud")


@pytest.mark.parametrize("format", ["json", "console"])
def test_a_token_is_redacted_in_fields_nesting_tracebacks_and_stdlib_records(format: str) -> None:
    stream = io.StringIO()
    bot_log.configure(level="debug", format=format, stream=stream)  # type: ignore[arg-type]
    logger = structlog.get_logger("t")
    logger.info(f"event {TOKEN}", token=TOKEN, nested={"a": [TOKEN, (TOKEN,)]})
    logger.info("header", authorization=f"Bot {TOKEN}")
    try:
        raise RuntimeError(f"failed with {TOKEN}")
    except RuntimeError:
        logger.exception("crashed")
    logging.getLogger("httpx").warning("request with %s", TOKEN)
    output = stream.getvalue()
    assert "crashed" in output and "request with" in output and "RuntimeError" in output
    assert TOKEN not in output
    assert output.count(bot_log.REDACTED) >= 6
