"""The token never appears in any output: log lines (ours and libraries'), stdout and stderr,
reprs of the bot and its parts, and the messages of the errors it raises."""

from __future__ import annotations

import io
import logging
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import structlog

import bot.log as bot_log
from bot.app import Bot
from bot.config import load_config
from bot.testing import FakeDiscord, GatewayConfig, World
from bot.testing.rest import make_token
from tests.integration.consumers import WAIT, journal_of
from tests.integration.helpers import crash_and_wait_restart, running, write_config

CONSUMERS = ["examples.ping:PingConsumer", "tests.integration.consumers:Recorder"]


@pytest.fixture(name="log_buffer")
def log_buffer_fixture() -> Iterator[io.StringIO]:
    """Every log line of the process, as JSON, into a buffer (structlog and the stdlib)."""
    saved = structlog.get_config()
    root = logging.getLogger()
    level = root.level
    buffer = io.StringIO()
    bot_log.configure(level="debug", format="json", stream=buffer)
    yield buffer
    structlog.configure(**saved)
    handler = bot_log._stdlib_handler
    if handler is not None:
        root.removeHandler(handler)
        bot_log._stdlib_handler = None
    root.setLevel(level)


def reprs(bot: Bot) -> list[str]:
    """The reprs and strs of the bot and every part of it a user or a log line can reach."""
    texts = [repr(bot), str(bot), repr(bot.config), bot.config.to_toml(), repr(bot.shards)]
    texts += [repr(bot.config.bot), repr(bot.config.token), str(bot.config.token)]
    if bot.state.value == "running":
        texts += [repr(bot.api), repr(bot.simulator)]
        shard = bot.names.get(("shard", 0), WAIT)
        actor: Any = shard._actor_weakref()
        texts += [repr(actor.config), repr(actor.state.session), repr(actor._gateway)]
    for name in bot.names.names():
        ref = bot.names.whereis(name)
        if ref is not None:
            actor = ref._actor_weakref()
            texts += [repr(ref), str(ref), repr(actor), str(actor)]
    return texts


def test_the_token_is_in_no_output(
    tmp_path: Path,
    log_buffer: io.StringIO,
    capfd: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    caplog.set_level(logging.DEBUG)
    token = make_token()
    wrong = make_token(user_id=1_000_000_000_000_000_777)
    config = GatewayConfig(heartbeat_interval_ms=200, world=World(guild_count=2))
    texts: list[str] = []
    # Our events before any processor (redaction included): no log call is handed a token.
    handed: list[str] = []
    seen: list[str] = []

    def spy(_logger: Any, _method: str, event: Any) -> Any:
        seen.append(str(event.get("event")))
        if token in repr(event) or wrong in repr(event):
            handed.append(str(event.get("event")))
        return event

    structlog.configure(processors=[spy, *structlog.get_config()["processors"]])
    monkeypatch.setenv("DISCORD_TOKEN", token)
    with FakeDiscord(token, config) as discord:
        path = write_config(
            tmp_path,
            CONSUMERS,
            bot={
                "token": "env:DISCORD_TOKEN",
                "intents": ["guilds", "guild_members", "guild_messages", "message_content"],
            },
            gateway={"url": discord.gateway_url},
            rest={"base_url": discord.rest_url},
            log={"level": "debug"},
        )
        bot = Bot.from_config(path)
        texts += reprs(bot)
        with running(bot):
            journal = journal_of(bot.cache)
            journal.wait_until(lambda j: j.count("GUILD_AVAILABLE") == 2)
            texts += reprs(bot)
            payload = discord.config.world.message_create(1, discord.config.world.guild_id(0))
            payload["content"] = "!ping"
            discord.dispatch("MESSAGE_CREATE", payload)
            discord.stream_messages(20)
            journal.wait_for_messages(range(20))
            assert discord.rest.wait_until(
                lambda: any(r.method == "POST" for r in discord.rest.requests), WAIT
            )
            members = bot.request_guild_members(discord.config.world.guild_id(0), timeout=WAIT)
            texts.append(repr(members))
            bot.update_presence({"since": None, "activities": [], "status": "idle", "afk": False})
            discord.reconnect()
            discord.wait_for_resume(timeout=WAIT)
            crash_and_wait_restart(bot, ("shard", 0))  # logs a crash with its traceback
            discord.wait_for_resume(count=2, timeout=WAIT)
            texts += reprs(bot)

        # A wrong token: the 401 error and its traceback name no token either.
        monkeypatch.setenv("DISCORD_TOKEN", wrong)
        refused = Bot.from_config(load_config(path))
        with pytest.raises(Exception) as info:
            refused.start()
        texts += traceback.format_exception(info.value)
        texts += [repr(info.value), str(info.value), *reprs(refused)]
        assert "401" in str(info.value) or "nauthori" in str(info.value)

    captured = capfd.readouterr()
    outputs = {
        "log lines": log_buffer.getvalue(),
        "stdout": captured.out,
        "stderr": captured.err,
        "stdlib records": caplog.text,
        "reprs and errors": "\n".join(texts),
    }
    assert '"event": "gateway.connected"' in outputs["log lines"]  # the logs were captured
    assert "shard.starting" in seen and "actor_crashed" in seen
    assert handed == [], "log calls given a token (only the redaction hid it)"
    for where, text in outputs.items():
        for secret in (token, wrong):
            assert secret not in text, f"a token in the {where}"
            # Nor its parts: the HMAC part alone is a secret too.
            assert secret.split(".")[-1] not in text, f"a token's HMAC in the {where}"
