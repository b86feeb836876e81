"""bot.config settings one by one: the token and `Secret`, intents, shard sets, consumers,
presence."""

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
    ConfigErrors,
    ConsumerError,
    MissingTokenError,
    Secret,
    ShardSpec,
    load_config,
)
from bot.config.intents import ALL, INTENT_FLAGS
from tests.bot.config_helpers import GOOD, PLAIN_TOKEN, SHAPED_TOKEN, error_of, load

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
        "cluster": {"backend": "redis", "redis_url": "redis://:hunter2-secret@127.0.0.1:6379/0"},
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
    ]


def test_intent_names_agree_with_the_gateway_package() -> None:
    from bot.config.intents import ALIASES, GROUPS
    from bot.gateway.intents import parse_intents

    for name in [*INTENT_FLAGS, *GROUPS, *ALIASES, "Guild-Messages"]:
        intents = load({"bot": {"intents": [name]}}).bot
        assert intents.intent_flags == int(parse_intents(list(intents.intents))), name
