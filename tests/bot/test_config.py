"""bot.config: defaults, the shipped config.toml, validation errors, env overrides, the token."""

from __future__ import annotations

import io
import pickle
import tomllib
from pathlib import Path
from typing import Any

import pytest
import structlog
from structlog.testing import capture_logs

from bot import log as bot_log
from bot.config import (
    Config,
    ConfigError,
    ConfigErrors,
    ConfigFileError,
    ConsumerError,
    InvalidValueError,
    MissingTokenError,
    Secret,
    ShardSpec,
    UnknownKeyError,
    load_config,
)
from bot.config.convert import known_keys
from bot.config.intents import ALL, INTENT_FLAGS

REPO = Path(__file__).resolve().parents[2]
CONFIG_TOML = REPO / "config.toml"
# Token-shaped (bot.log's pattern catches it) and not token-shaped (only register_secret does).
SHAPED_TOKEN = "MTA4NzY1NDMyMTA5ODc2NTQzMg.GaBcDe.abcdefghijklmnopqrstuvwxyz0123456789AB"
PLAIN_TOKEN = "plain-secret-token-value-4242"
GOOD = "tests.bot.config_consumers:GoodConsumer"


def load(raw: dict[str, Any], **env: str) -> Config:
    return load_config(raw, env=env)


def error_of(raw: dict[str, Any], **env: str) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        load(raw, **env)
    return info.value


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
    assert config.bot.consumers == ("examples.ping:PingConsumer",)
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


# --- the token ----------------------------------------------------------------------------------


def test_token_from_env() -> None:
    config = load({"gateway": {"url": "discord"}}, DISCORD_TOKEN=f"  {SHAPED_TOKEN}\n")
    assert isinstance(config.token, Secret) and config.token.reveal() == SHAPED_TOKEN
    assert config.bot.token.spec == "env:DISCORD_TOKEN"
    assert "config.literal_token" not in [warning.event for warning in config.warnings]
    config = load(
        {"bot": {"token": "env:MY_TOKEN"}, "gateway": {"url": "discord"}}, MY_TOKEN="abcdefgh1"
    )
    assert config.token is not None and config.token.reveal() == "abcdefgh1"


def test_no_token_is_fine_locally_and_an_error_for_discord() -> None:
    assert load({}).token is None
    assert load({"bot": {"token": ""}}).token is None
    error = error_of({"gateway": {"url": "discord"}})
    assert isinstance(error, MissingTokenError)
    assert (error.key, error.got) == ("bot.token", "environment variable DISCORD_TOKEN is not set")
    assert 'gateway.url = "discord"' in error.expected
    assert isinstance(error_of({"gateway": {"url": "wss://gw.example"}}), MissingTokenError)


def test_token_from_file_relative_to_the_config(tmp_path: Path) -> None:
    (tmp_path / "secrets").mkdir()
    (tmp_path / "secrets" / "token").write_text(f"{PLAIN_TOKEN}\n")
    path = tmp_path / "bot.toml"
    path.write_text('[bot]\ntoken = "file:secrets/token"\n[gateway]\nurl = "discord"\n')
    config = load_config(path, env={})
    assert config.token is not None and config.token.reveal() == PLAIN_TOKEN
    assert config.bot.token.spec == "file:secrets/token"
    assert "file:secrets/token" in config.to_toml() and PLAIN_TOKEN not in config.to_toml()


def test_token_file_problems(tmp_path: Path) -> None:
    error = error_of({"bot": {"token": f"file:{tmp_path}/nope"}})
    assert (error.key, error.expected) == ("bot.token", "a readable file holding the token")
    assert "No such file" in (error.got or "")
    (tmp_path / "empty").write_text("\n")
    assert "is empty" in (error_of({"bot": {"token": f"file:{tmp_path}/empty"}}).got or "")
    assert error_of({"bot": {"token": "env:not a name"}}).key == "bot.token"
    assert error_of({"bot": {"token": 12345}}).got == "an integer"


def test_literal_token_works_and_warns_without_showing_it(tmp_path: Path) -> None:
    path = tmp_path / "bot.toml"
    path.write_text(f'[bot]\ntoken = "{PLAIN_TOKEN}"\n[gateway]\nurl = "discord"\n')
    with capture_logs() as logs:
        config = load_config(path, env={})
    assert config.token is not None and config.token.reveal() == PLAIN_TOKEN
    warnings = [entry for entry in logs if entry["event"] == "config.literal_token"]
    assert len(warnings) == 1
    assert warnings[0]["log_level"] == "warning" and warnings[0]["file"] == str(path)
    assert PLAIN_TOKEN not in repr(logs)


def test_literal_token_from_the_environment_does_not_warn() -> None:
    with capture_logs() as logs:
        config = load({"gateway": {"url": "discord"}}, SHARDLINE_BOT__TOKEN=SHAPED_TOKEN)
    assert config.token is not None and config.token.reveal() == SHAPED_TOKEN
    assert not [entry for entry in logs if entry["event"] == "config.literal_token"]


@pytest.mark.parametrize("token", [SHAPED_TOKEN, PLAIN_TOKEN])
def test_token_never_in_repr_str_toml_errors_or_log_lines(token: str) -> None:
    stream = io.StringIO()
    bot_log.configure(level="debug", format="json", stream=stream)
    raw = {"bot": {"token": token}, "gateway": {"url": "discord"}}
    config = load(raw)
    texts = [repr(config), str(config), config.to_toml(), repr(config.to_dict()), f"{config.token}"]
    texts += [repr(config.token), str(config.token), format(config.token, ">40")]
    # The value put under wrong keys: every error message about it is redacted.
    with pytest.raises(ConfigErrors) as info:
        load({**raw, "gateway": {"url": "discord", "encoding": token, "compresion": token}})
    texts += [str(info.value), repr(info.value), *(str(error) for error in info.value.errors)]
    structlog.get_logger("test").warning("probe", value=token, error=str(info.value))
    texts.append(stream.getvalue())
    assert "config.literal_token" in stream.getvalue() and "probe" in stream.getvalue()
    for text in texts:
        assert token not in text


def test_secret_is_redacted_compared_and_not_pickled() -> None:
    secret = Secret(PLAIN_TOKEN)
    assert str(secret) == "[REDACTED]" and repr(secret) == "Secret('[REDACTED]')"
    assert f"token={secret}" == "token=[REDACTED]"
    assert secret == Secret(PLAIN_TOKEN) and secret != Secret("other-secret-value")
    assert hash(secret) == hash(Secret(PLAIN_TOKEN))
    with pytest.raises(TypeError):
        pickle.dumps(secret)
    with pytest.raises(AttributeError):
        secret._value = "x"  # type: ignore[misc]
    assert bot_log.redact(f"x {PLAIN_TOKEN} y") == "x [REDACTED] y"


# --- intents, shards, consumers, presence -------------------------------------------------------


def test_intents_by_name_group_alias_and_bitfield() -> None:
    config = load({"bot": {"intents": ["GUILDS", "guild_bans", "Guild_Messages", "guilds"]}})
    assert config.bot.intents == ("guilds", "guild_moderation", "guild_messages")
    assert config.bot.intent_flags == 1 | 4 | 512
    assert load({"bot": {"intents": "all"}}).bot.intent_flags == ALL == 0x331FFFF
    nonprivileged = load({"bot": {"intents": ["nonprivileged"]}}).bot
    assert nonprivileged.privileged_intents == () and nonprivileged.intent_flags & (1 << 9)
    assert load({"bot": {"intents": 513}}).bot.intents == ("guilds", "guild_messages")
    assert load({"bot": {"intents": []}}).bot.intent_flags == 0
    assert len(INTENT_FLAGS) == 21


def test_privileged_intents_are_named() -> None:
    raw = {"bot": {"intents": ["guilds", "guild_members", "guild_presences", "message_content"]}}
    with capture_logs() as logs:
        config = load({**raw, "gateway": {"url": "discord"}}, DISCORD_TOKEN=SHAPED_TOKEN)
    assert config.bot.privileged_intents == ("guild_members", "guild_presences", "message_content")
    (entry,) = [entry for entry in logs if entry["event"] == "config.privileged_intents"]
    assert entry["log_level"] == "warning"
    assert entry["intents"] == ["guild_members", "guild_presences", "message_content"]
    assert "Developer Portal" in entry["advice"]
    with capture_logs() as logs:
        load(raw)
    assert [entry["log_level"] for entry in logs] == ["info"]  # the simulator has no portal


@pytest.mark.parametrize(
    ("value", "spec", "resolved"),
    [
        ("auto", ShardSpec("auto"), ((0, 1, 2), 3)),
        (2, ShardSpec("count", (0, 1), 2), ((0, 1), 2)),
        ({"first": 2, "last": 3, "total": 8}, ShardSpec("range", (2, 3), 8), ((2, 3), 8)),
        ([5, 1], ShardSpec("list", (1, 5), None), ((1, 5), 6)),
        ({"ids": [0, 7], "total": 8}, ShardSpec("list", (0, 7), 8), ((0, 7), 8)),
    ],
)
def test_shard_sets(value: Any, spec: ShardSpec, resolved: Any) -> None:
    config = load({"bot": {"shards": value}})
    assert config.bot.shards == spec
    recommended = 3 if value == "auto" else 6
    assert config.bot.shards.resolve(recommended) == resolved
    assert load(tomllib.loads(config.to_toml())).bot.shards == spec


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0, "a shard count >= 1"),
        ({"first": 3, "last": 1, "total": 8}, "first <= last"),
        ({"first": 0, "last": 8, "total": 8}, "shard ids below total (8)"),
        ({"ids": [0, 0], "total": 2}, "distinct shard ids"),
        ({"first": 0, "total": 2}, "a table with keys first, last, total"),
        ([], "a non-empty array of shard ids"),
        ("some", '"auto", a shard count'),
    ],
)
def test_bad_shard_sets(value: Any, expected: str) -> None:
    error = error_of({"bot": {"shards": value}})
    assert error.key == "bot.shards" and error.expected.startswith(expected)


def test_shard_list_checked_against_the_recommended_count() -> None:
    with pytest.raises(ValueError, match="shard ids below the total of 4"):
        load({"bot": {"shards": [1, 4]}}).bot.shards.resolve(4)


def test_consumer_classes_import_lazily() -> None:
    config = load({"bot": {"consumers": [GOOD]}})
    from tests.bot.config_consumers import GoodConsumer

    assert config.consumer_classes() == (GoodConsumer,)
    # Loading does not import: a missing module only fails when the classes are asked for.
    assert load({"bot": {"consumers": ["no_such_module_xyz:Bot"]}}).bot.consumers


@pytest.mark.parametrize(
    ("name", "got"),
    [
        ("no_such_module_xyz:Bot", "module no_such_module_xyz that cannot be imported"),
        ("tests.bot.config_consumers:Missing", "with no Missing"),
        ("tests.bot.config_consumers:NotAConsumer", "NotAConsumer, which"),
        ("tests.bot.config_consumers:not_a_class", "which is an integer, not a class"),
    ],
)
def test_bad_consumers(name: str, got: str) -> None:
    config = load({"bot": {"consumers": [GOOD, name]}})
    with pytest.raises(ConsumerError) as info:
        config.consumer_classes()
    assert (info.value.file, info.value.key) == ("<mapping>", "bot.consumers[1]")
    assert "subclass of bot.Consumer" in info.value.expected
    assert got in (info.value.got or "")


def test_presence_payload_and_round_trip() -> None:
    raw = {
        "gateway": {
            "url": "ws://127.0.0.1:9000/",
            "presence": {
                "status": "dnd",
                "activity": {"name": "!ping", "type": "listening", "state": "hi"},
            },
        },
        "bot": {"shards": {"ids": [1, 2], "total": 4}},
        "cluster": {"enabled": True, "redis_url": "redis://:hunter2-secret@127.0.0.1:6379/0"},
    }
    config = load(raw, DISCORD_TOKEN=SHAPED_TOKEN)
    assert config.gateway.presence.to_payload() == {
        "since": None,
        "activities": [{"name": "!ping", "type": 2, "state": "hi"}],
        "status": "dnd",
        "afk": False,
    }
    text = config.to_toml()
    assert "hunter2-secret" not in text and "[gateway.presence.activity]" in text
    again = tomllib.loads(text.replace("[REDACTED]", "hunter2-secret"))
    assert load(again, DISCORD_TOKEN=SHAPED_TOKEN) == config
    assert [warning.event for warning in config.warnings] == [
        "config.privileged_intents",
        "config.cluster_reserved",
    ]


def test_intent_names_agree_with_the_gateway_package() -> None:
    from bot.config.intents import ALIASES, GROUPS
    from bot.gateway.intents import parse_intents

    for name in [*INTENT_FLAGS, *GROUPS, *ALIASES, "Guild-Messages"]:
        intents = load({"bot": {"intents": [name]}}).bot
        assert intents.intent_flags == int(parse_intents(list(intents.intents))), name
