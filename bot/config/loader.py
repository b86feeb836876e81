"""`load_config`: reads config.toml (or a mapping), applies environment overrides, validates.

Environment variables `SHARDLINE_<SECTION>__<KEY>=value` (more `__` for nested tables:
`SHARDLINE_GATEWAY__PRESENCE__STATUS=idle`) override the file. The value is read as a TOML value
when it parses as one (`true`, `8`, `["guilds"]`, `{ first = 0, last = 1, total = 2 }`), else as
a plain string. Overrides are validated like the file, and errors name the variable.
"""

from __future__ import annotations

import copy
import os
import tomllib
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import structlog

from bot.config.convert import Builder, SectionSkipped
from bot.config.errors import (
    ConfigError,
    ConfigErrors,
    ConfigFileError,
    InvalidValueError,
    MissingTokenError,
    UnknownKeyError,
)
from bot.config.fields import ParseContext, describe
from bot.config.schema import DEFAULT_TOKEN, Config, ConfigWarning

__all__ = ["ENV_PREFIX", "load_config", "log_warnings"]

log = structlog.get_logger(__name__)

ENV_PREFIX = "SHARDLINE_"
ENV_SEPARATOR = "__"
MAPPING_SOURCE = "<mapping>"
DEFAULTS_SOURCE = "<defaults>"


def _read_file(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigFileError(str(path), "", "a TOML config file", "no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or type(exc).__name__
        raise ConfigFileError(str(path), "", "a readable TOML config file", reason) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        # tomllib's messages hold a position ("at line 3, column 9"), never the line's text.
        raise ConfigFileError(str(path), "", "valid TOML", str(exc)) from None


def _env_value(text: str) -> Any:
    """A variable's value as a TOML value when it parses as one, else as the string itself."""
    if "\n" in text or "\r" in text:
        return text
    try:
        return tomllib.loads(f"value = {text}")["value"]
    except tomllib.TOMLDecodeError:
        return text


def _apply_env(
    raw: dict[str, Any], env: Mapping[str, str], errors: list[ConfigError]
) -> dict[str, str]:
    """Writes the SHARDLINE_* overrides into `raw`; returns dotted key -> variable name."""
    overrides: dict[str, str] = {}
    for name in sorted(env):
        if not name.startswith(ENV_PREFIX) or ENV_SEPARATOR not in name[len(ENV_PREFIX) :]:
            continue  # SHARDLINE_CONFIG and the like are not key overrides
        parts = name[len(ENV_PREFIX) :].lower().split(ENV_SEPARATOR)
        where = f"environment variable {name}"
        if not all(parts):
            errors.append(
                UnknownKeyError(where, ".".join(parts), "SHARDLINE_<SECTION>__<KEY>", "empty part")
            )
            continue
        table = raw
        for depth, part in enumerate(parts[:-1]):
            table = table.setdefault(part, {})
            if not isinstance(table, dict):
                key = ".".join(parts[: depth + 1])
                errors.append(InvalidValueError(where, key, f"a table [{key}]", "a value"))
                break
        else:
            table[parts[-1]] = _env_value(env[name])
            overrides[".".join(parts)] = name
    return overrides


def _where(source: str, overrides: Mapping[str, str]) -> Any:
    def where(key: str) -> str:
        parts = key.replace("[", ".[").split(".")
        for end in range(len(parts), 0, -1):
            variable = overrides.get(".".join(parts[:end]).replace(".[", "["))
            if variable is not None:
                return f"environment variable {variable}"
        return source

    return where


def _cross_check(config: Config, builder: Builder) -> None:
    """Rules that span keys: a token is needed for any gateway but the local simulator."""
    failed = {error.key.split("[")[0] for error in builder.errors}
    if config.is_local or {"bot.token", "gateway.url"} & failed:
        return
    token = config.bot.token
    if token.secret is None:
        builder.fail(
            MissingTokenError,
            "bot.token",
            f'a token for gateway.url = "{config.gateway.url}": set DISCORD_TOKEN and keep '
            'token = "env:DISCORD_TOKEN", or use token = "file:PATH"',
            got=token.describe_missing(),
        )


def _cross_check_cluster(config: Config, builder: Builder) -> None:
    """`[cluster]` rules: leases and broadcast consumers need the redis backend and real names."""
    cluster = config.cluster
    if cluster.shards == "leases" and cluster.backend != "redis":
        builder.fail(
            InvalidValueError,
            "cluster.shards",
            '"static" with backend = "local" (leases live in Redis: set backend = "redis")',
            got='"leases"',
        )
    for index, spec in enumerate(cluster.broadcast):
        if spec not in config.bot.consumers:
            builder.fail(
                InvalidValueError,
                f"cluster.broadcast[{index}]",
                "a consumer listed in bot.consumers",
                got=describe(spec),
            )


def _warnings(config: Config, where: Any) -> tuple[ConfigWarning, ...]:
    found: list[ConfigWarning] = []
    token_from = where("bot.token")
    if config.bot.token.kind == "literal" and not token_from.startswith("environment variable"):
        advice = 'use token = "env:DISCORD_TOKEN" or token = "file:PATH"'
        found.append(
            ConfigWarning(
                "config.literal_token",
                "warning",
                {"file": token_from, "key": "bot.token", "advice": advice},
            )
        )
    privileged = config.bot.privileged_intents
    if privileged:
        # Gateway spec section 12: not enabled in the Developer Portal means close code 4014.
        advice = "enable them in the Developer Portal, under Privileged Gateway Intents"
        found.append(
            ConfigWarning(
                "config.privileged_intents",
                "info" if config.is_local else "warning",
                {"intents": list(privileged), "advice": advice},
            )
        )
    return tuple(found)


def log_warnings(config: Config) -> None:
    """Logs the warnings found at load (`load_config(..., quiet=True)` leaves this to you)."""
    for warning in config.warnings:
        method = log.warning if warning.level == "warning" else log.info
        method(warning.event, **warning.fields)


def load_config(
    path_or_mapping: str | os.PathLike[str] | Mapping[str, Any] | None = None,
    env: Mapping[str, str] = os.environ,
    *,
    quiet: bool = False,
) -> Config:
    """Loads and validates the config: a TOML file's path, a mapping of sections, or None
    (the defaults); `env` gives the SHARDLINE_* overrides and the token variables.

    Raises a `ConfigError` (`ConfigErrors` when several keys are wrong). Logs its warnings
    (`config.literal_token`, `config.privileged_intents`, ...) unless `quiet`.
    """
    if path_or_mapping is None:
        source, base_dir, raw = DEFAULTS_SOURCE, Path.cwd(), {}
    elif isinstance(path_or_mapping, Mapping):
        source, base_dir = MAPPING_SOURCE, Path.cwd()
        raw = copy.deepcopy(dict(path_or_mapping))
    else:
        path = Path(path_or_mapping)
        source, base_dir, raw = str(path), path.resolve().parent, _read_file(path)
    errors: list[ConfigError] = []
    overrides = _apply_env(raw, env, errors)
    bot_table = raw.setdefault("bot", {})
    if isinstance(bot_table, dict):
        # The default token source ("env:DISCORD_TOKEN") is read like a written one.
        bot_table.setdefault("token", DEFAULT_TOKEN.spec)
    where = _where(source, overrides)
    builder = Builder(Config, ParseContext(env=env, base_dir=base_dir), where)
    builder.errors += errors
    try:
        config: Config = builder.build(Config, raw)
    except SectionSkipped:
        config = Config()
    _cross_check(config, builder)
    _cross_check_cluster(config, builder)
    if len(builder.errors) == 1:
        raise builder.errors[0]
    if builder.errors:
        raise ConfigErrors(builder.errors)
    config = replace(
        config,
        source=source,
        overrides=tuple(sorted(overrides.items())),
        warnings=_warnings(config, where),
    )
    if not quiet:
        log_warnings(config)
    return config
