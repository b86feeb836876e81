"""Helpers of the bot.config tests: `load` a raw table, the error it raises, sample tokens."""

from __future__ import annotations

from typing import Any

import pytest

from bot.config import Config, ConfigError, load_config

__all__ = ["GOOD", "PLAIN_TOKEN", "SHAPED_TOKEN", "error_of", "load"]

# Token-shaped (bot.log's pattern catches it) and not token-shaped (only register_secret does).
SHAPED_TOKEN = "MTA4NzY1NDMyMTA5ODc2NTQzMg.GaBcDe.abcdefghijklmnopqrstuvwxyz0123456789AB"
PLAIN_TOKEN = "plain-secret-token-value-4242"
GOOD = "tests.bot.config_consumers:GoodConsumer"


def load(raw: dict[str, Any], **env: str) -> Config:
    """The config of the raw table `raw`, with `env` as the whole environment."""
    return load_config(raw, env=env)


def error_of(raw: dict[str, Any], **env: str) -> ConfigError:
    """The ConfigError that loading `raw` raises (the test fails if none)."""
    with pytest.raises(ConfigError) as info:
        load(raw, **env)
    return info.value
