"""Helpers of the integration tests: config files, a bot that always stops, crashes, waits."""

from __future__ import annotations

import json
from collections.abc import Hashable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from pykka.messages import ProxyCall

from bot.app import Bot
from tests.integration.consumers import WAIT, Journal, journal_of

__all__ = [
    "FAST_SIMULATOR",
    "WAIT",
    "crash",
    "crash_and_wait_restart",
    "running",
    "toml_text",
    "wait_ready",
    "write_config",
]

# Small and quick: one shard, 200 ms heartbeats, 2 guilds of 3 members.
FAST_SIMULATOR: dict[str, Any] = {
    "shards": 1,
    "heartbeat_interval_ms": 200,
    "guilds": 2,
    "members_per_guild": 3,
}


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    raise TypeError(f"no TOML for {value!r}")


def toml_text(tables: Mapping[str, Mapping[str, Any]]) -> str:
    """A config.toml text from {table: {key: value}} (flat tables; enough for these tests)."""
    lines: list[str] = []
    for table, keys in tables.items():
        lines.append(f"[{table}]")
        lines += [f"{key} = {_toml_value(value)}" for key, value in keys.items()]
        lines.append("")
    return "\n".join(lines)


def write_config(
    directory: Path,
    consumers: list[str],
    *,
    simulator: Mapping[str, Any] | None = None,
    name: str = "config.toml",
    **tables: Mapping[str, Any],
) -> Path:
    """Writes a config file running `consumers` against the built-in simulator; its path."""
    content: dict[str, Mapping[str, Any]] = {
        "bot": {"consumers": consumers, **tables.pop("bot", {})},
        "gateway": {"url": "local", **tables.pop("gateway", {})},
        "simulator": {**FAST_SIMULATOR, **(simulator or {})},
        "log": {"level": "warning", **tables.pop("log", {})},
        **tables,
    }
    path = directory / name
    path.write_text(toml_text(content))
    return path


@contextmanager
def running(bot: Bot) -> Iterator[Bot]:
    """Starts `bot` and stops it at the end, whatever happens."""
    bot.start()
    try:
        yield bot
    finally:
        assert bot.stop(timeout=30), "the bot's tree did not stop in 30 s"


def wait_ready(bot: Bot, guilds: int, timeout: float = WAIT) -> Journal:
    """Waits until the bot's recording consumers got READY and `guilds` guilds; its journal."""
    journal = journal_of(bot.cache)
    journal.wait_until(
        lambda j: j.count("READY") >= 1 and j.count("GUILD_AVAILABLE", "GUILD_CREATE") >= guilds,
        timeout,
    )
    return journal


def crash(ref: Any) -> None:
    """Crashes an actor for real: it runs a call that raises (TypeError) in its own thread.

    A `supervisors.Actor` that fails while handling a message ends with reason CRASH after its
    `on_failure` (not `on_stop`): what a bug in the actor does. `ref.stop()` would be a normal
    exit instead.
    """
    ref.tell(ProxyCall(attr_path=("on_receive",), args=(), kwargs={}))


def crash_and_wait_restart(bot: Bot, name: Hashable, timeout: float = WAIT) -> tuple[Any, Any]:
    """Crashes the bot's actor `name`, waits for its restart; (old ref, new ref)."""
    old = bot.names.get(name, timeout=timeout)
    crash(old)
    assert old.lifeline.wait(timeout), f"{name} did not end after the crash"
    reason = old.lifeline.reason
    assert reason is not None and reason.kind.value == "crash", reason
    new = bot.names.get(name, timeout=timeout)  # only a live ref: the restarted one
    assert new is not old
    return old, new
