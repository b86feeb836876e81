"""bot.config loading: defaults, the shipped config.toml, validation errors, env overrides.

The token, intents, shards, consumers and presence: `test_config_settings.py`.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest

from bot.config import (
    Config,
    ConfigError,
    ConfigErrors,
    ConfigFileError,
    InvalidValueError,
    ShardSpec,
    UnknownKeyError,
    load_config,
)
from bot.config.convert import known_keys
from tests.bot.config_helpers import GOOD, SHAPED_TOKEN, error_of, load

REPO = Path(__file__).resolve().parents[2]
CONFIG_TOML = REPO / "config.toml"


def flatten(table: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in table.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, dict) and not {"first", "ids"} & set(value):
            flat.update(flatten(value, dotted + "."))
        else:
            flat[dotted] = value
    return flat


# --- defaults and the shipped config.toml -------------------------------------------------------


def test_defaults_run_locally_without_token() -> None:
    config = load_config(None, env={})
    assert config == Config()
    assert config.is_local and config.token is None
    assert config.bot.consumers == ("bot.app.demo:PingConsumer",)
    assert config.cache.message_limit == 1000 and config.rest.global_limit == 50


def test_config_toml_defaults_equal_code_defaults_key_by_key() -> None:
    in_file = flatten(tomllib.loads(CONFIG_TOML.read_text()))
    in_code = flatten(Config().to_dict())
    assert sorted(in_file) == sorted(in_code)
    for key, value in in_code.items():
        assert in_file[key] == value, key
    assert load_config(CONFIG_TOML, env={}) == Config()


def test_config_toml_shows_every_key_including_optional_ones() -> None:
    text = CONFIG_TOML.read_text()
    for dotted in known_keys(Config):
        section, _, key = dotted.rpartition(".")
        if not section:
            assert f"[{key}]" in text, dotted
        elif key not in ("presence", "activity"):
            assert f"\n{key} = " in text or f"\n# {key} = " in text, dotted
    assert "[gateway.presence]" in text and "# [gateway.presence.activity]" in text


# --- error shapes -------------------------------------------------------------------------------


def test_unknown_key_names_file_key_expected_and_suggestion(tmp_path: Path) -> None:
    path = tmp_path / "bot.toml"
    path.write_text('[gateway]\nencodng = "json"\n')
    with pytest.raises(UnknownKeyError) as info:
        load_config(path, env={})
    error = info.value
    assert (error.file, error.key, error.suggestion) == (
        str(path),
        "gateway.encodng",
        "gateway.encoding",
    )
    assert "encoding" in error.expected and "large_threshold" in error.expected
    assert str(error) == (
        f"{path}: gateway.encodng: expected a key of [gateway] (url, encoding, compression, "
        "large_threshold, presence), got an unknown key; did you mean gateway.encoding?"
    )


def test_unknown_section_and_key_in_the_wrong_place() -> None:
    error = error_of({"gatway": {}})
    assert (error.key, error.suggestion) == ("gatway", "gateway")
    assert "[bot]" in error.expected
    error = error_of({"token": "env:X"})
    assert (error.key, error.suggestion) == ("token", "bot.token")
    error = error_of({"gateway": {"presence": {"stauts": "idle"}}})
    assert (error.key, error.suggestion) == ("gateway.presence.stauts", "gateway.presence.status")


@pytest.mark.parametrize(
    ("raw", "key", "expected", "got"),
    [
        ({"cache": {"members": "yes"}}, "cache.members", "true or false", '"yes"'),
        ({"cache": {"message_limit": 1.5}}, "cache.message_limit", "an integer >= 0", "1.5"),
        ({"cache": {"message_limit": True}}, "cache.message_limit", "an integer >= 0", "true"),
        (
            {"gateway": {"large_threshold": 300}},
            "gateway.large_threshold",
            "an integer from 50 to 250",
            "300",
        ),
        ({"rest": {"timeout": "10"}}, "rest.timeout", "a number >= 0.1", '"10"'),
        ({"gateway": "json"}, "gateway", "a table [gateway]", '"json"'),
        (
            {"bot": {"consumers": "x:Y"}},
            "bot.consumers",
            'an array of "module:Class" names',
            '"x:Y"',
        ),
        (
            {"bot": {"consumers": [GOOD, "no_colon"]}},
            "bot.consumers[1]",
            "module:Class",
            '"no_colon"',
        ),
        (
            {"gateway": {"url": "ws://example.com/"}},
            "gateway.url",
            "ws:// only to a loopback",
            None,
        ),
        (
            {"rest": {"base_url": "http://example.com"}},
            "rest.base_url",
            "http:// only to a loop",
            None,
        ),
        ({"cluster": {"redis_url": "http://x"}}, "cluster.redis_url", "a redis://", None),
        ({"bot": {"intents": 1 << 17}}, "bot.intents", "documented bits only", "0x20000"),
    ],
)
def test_wrong_types_and_ranges(
    raw: dict[str, Any], key: str, expected: str, got: str | None
) -> None:
    error = error_of(raw)
    assert isinstance(error, InvalidValueError)
    assert (error.file, error.key) == ("<mapping>", key)
    assert expected in error.expected
    if got is not None:
        assert error.got == got
    assert key in str(error) and error.expected in str(error)


@pytest.mark.parametrize(
    ("raw", "key", "suggestion"),
    [
        ({"gateway": {"encoding": "jsn"}}, "gateway.encoding", '"json"'),
        ({"gateway": {"compression": "zlib"}}, "gateway.compression", '"zlib-stream"'),
        ({"gateway": {"url": "discrod"}}, "gateway.url", '"discord"'),
        ({"consumers": {"ordering": "channels"}}, "consumers.ordering", '"channel"'),
        ({"log": {"level": "warn"}}, "log.level", '"warning"'),
        ({"bot": {"intents": ["guilds", "mesage_content"]}}, "bot.intents[1]", '"message_content"'),
    ],
)
def test_bad_names_suggest_the_nearest(raw: dict[str, Any], key: str, suggestion: str) -> None:
    error = error_of(raw)
    assert (error.key, error.suggestion) == (key, suggestion)
    assert str(error).endswith(f"; did you mean {suggestion}?")


def test_missing_required_key_in_a_nested_table() -> None:
    error = error_of({"gateway": {"presence": {"activity": {"type": "playing"}}}})
    assert (error.key, error.got) == ("gateway.presence.activity.name", "nothing")


def test_several_errors_are_all_reported() -> None:
    with pytest.raises(ConfigErrors) as info:
        load({"gateway": {"encoding": "x", "large_threshold": 1}, "cache": {"nope": True}})
    keys = [error.key for error in info.value.errors]
    assert keys == ["gateway.encoding", "gateway.large_threshold", "cache.nope"]
    assert info.value.key == "gateway.encoding"
    assert str(info.value).splitlines()[0] == "3 config errors:"
    assert all(isinstance(error, ConfigError) for error in info.value.errors)


def test_file_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigFileError) as info:
        load_config(tmp_path / "missing.toml", env={})
    assert info.value.file == str(tmp_path / "missing.toml") and info.value.got == "no such file"
    bad = tmp_path / "bad.toml"
    bad.write_text(f'[bot]\ntoken = "{SHAPED_TOKEN}\n')
    with pytest.raises(ConfigFileError) as info:
        load_config(bad, env={})
    assert info.value.expected == "valid TOML" and "line 2" in str(info.value)
    assert SHAPED_TOKEN not in str(info.value)


# --- environment overrides ----------------------------------------------------------------------


def test_env_overrides_parse_toml_values_else_strings() -> None:
    config = load(
        {"gateway": {"encoding": "etf"}},
        SHARDLINE_GATEWAY__ENCODING="json",
        SHARDLINE_GATEWAY__LARGE_THRESHOLD="250",
        SHARDLINE_CACHE__PRESENCES="false",
        SHARDLINE_BOT__INTENTS='["guilds", "GUILD_MESSAGES"]',
        SHARDLINE_BOT__SHARDS="{ first = 0, last = 1, total = 4 }",
        SHARDLINE_GATEWAY__PRESENCE__STATUS="idle",
        SHARDLINE_CONFIG="ignored.toml",
        OTHER__VAR="x",
    )
    assert config.gateway.encoding == "json" and config.gateway.large_threshold == 250
    assert config.cache.presences is False
    assert config.bot.intents == ("guilds", "guild_messages")
    assert config.bot.shards == ShardSpec("range", (0, 1), 4)
    assert config.gateway.presence.status == "idle"
    assert dict(config.overrides)["gateway.encoding"] == "SHARDLINE_GATEWAY__ENCODING"


def test_env_override_errors_name_the_variable() -> None:
    error = error_of({}, SHARDLINE_GATEWAY__ENCODNG="json")
    assert isinstance(error, UnknownKeyError)
    assert (error.file, error.key) == (
        "environment variable SHARDLINE_GATEWAY__ENCODNG",
        "gateway.encodng",
    )
    assert error.suggestion == "gateway.encoding"
    error = error_of({}, SHARDLINE_GATEWAY__LARGE_THRESHOLD="ten")
    assert error.file == "environment variable SHARDLINE_GATEWAY__LARGE_THRESHOLD"
    assert error.got == '"ten"'
    error = error_of({"gateway": {"encoding": "json"}}, SHARDLINE_GATEWAY__ENCODING__X="1")
    assert error.key == "gateway.encoding" and error.expected == "a table [gateway.encoding]"
