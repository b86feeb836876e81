"""Registering a bot's application commands with Discord: compare first, upload only a change.

    results = sync_commands(api, declared_commands(consumer_classes), guilds=(), upload=True)

For each scope (global, or each guild of `[commands] guilds`) it reads what Discord has (one
GET), compares it with the declared commands (`bot.interactions.sync`) and sends one bulk
overwrite only when they differ. `Bot` does this once per bot when it starts (not per shard,
not per restart of its tree); `python -m bot commands diff|sync` does it by hand.

A bot that declares no command at all is left alone: its registered commands (made by another
tool, say) are not wiped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import structlog

from bot.api import Client
from bot.api.errors import DiscordHTTPError
from bot.config import CommandsConfig
from bot.interactions.commands import CommandSpec, check_command_counts
from bot.interactions.sync import CommandDiff, diff_commands

__all__ = ["SyncResult", "application_id", "declared_commands", "sync_at_start", "sync_commands"]

log = structlog.get_logger(__name__)

HTTP_NOT_FOUND = 404


@dataclass(frozen=True)
class SyncResult:
    """One scope's outcome: `guild_id` None for the global commands."""

    guild_id: int | None
    diff: CommandDiff
    uploaded: bool

    @property
    def scope(self) -> str:
        return "global" if self.guild_id is None else f"guild {self.guild_id}"


def declared_commands(consumers: Sequence[type]) -> list[CommandSpec]:
    """Every application command the consumer classes declare (names unique across them)."""
    commands: list[CommandSpec] = []
    for consumer in consumers:
        registry = getattr(consumer, "interactions", None)
        commands.extend(registry.commands if registry is not None else ())
    check_command_counts(commands, "the bot's consumers")
    return commands


def application_id(api: Client) -> int:
    """The bot's application id: `GET /oauth2/applications/@me`, else the bot user's id
    (the same number for every bot made since 2016; a local simulator has no such route)."""
    try:
        return int(api.request("GET", "/oauth2/applications/@me")["id"])
    except DiscordHTTPError as error:
        if getattr(error, "status", None) != HTTP_NOT_FOUND:
            raise
    return int(api.get_current_user().id)


def sync_commands(
    api: Client,
    commands: Sequence[CommandSpec],
    *,
    guilds: Sequence[int] = (),
    upload: bool = True,
    app_id: int | None = None,
) -> list[SyncResult]:
    """Compares, and (with `upload`) overwrites where different; one result per scope."""
    if not commands:
        log.info("commands.none_declared")
        return []
    app = app_id if app_id is not None else application_id(api)
    local = [command.to_payload() for command in commands]
    results = []
    scopes: list[int | None] = [*guilds] if guilds else [None]
    for guild_id in scopes:
        remote = _remote(api, app, guild_id)
        diff = diff_commands(local, remote)
        uploaded = False
        if upload and not diff.is_empty:
            if guild_id is None:
                api.bulk_overwrite_global_commands(app, local)
            else:
                api.bulk_overwrite_guild_commands(app, guild_id, local)
            uploaded = True
        log.info(
            "commands.synced" if uploaded else "commands.compared",
            scope="global" if guild_id is None else guild_id,
            added=len(diff.added),
            removed=len(diff.removed),
            changed=len(diff.changed),
            unchanged=len(diff.unchanged),
            uploaded=uploaded,
        )
        results.append(SyncResult(guild_id, diff, uploaded))
    return results


def _remote(api: Client, app: int, guild_id: int | None) -> list[dict[str, Any]]:
    found = (
        api.get_global_commands(app) if guild_id is None else api.get_guild_commands(app, guild_id)
    )
    return [dict(command.raw) for command in found]


def sync_at_start(api: Client, consumers: Sequence[type], config: CommandsConfig) -> None:
    """What a starting bot does (`[commands]`): sync unless switched off; a failure is logged
    (`commands.sync_failed`) and the bot runs on with the commands Discord already has."""
    if not config.sync:
        return
    try:
        sync_commands(api, declared_commands(consumers), guilds=config.guilds)
    except Exception as error:
        log.error("commands.sync_failed", error=f"{type(error).__name__}: {error}")
