"""`python -m bot commands diff|sync`: the bot's application commands against Discord's, by hand.

`diff` prints, for each scope (global, or each guild of `[commands] guilds`), one line per
command: `+` to be added, `-` to be removed, `~` changed, `=` the same; nothing is sent.
`sync` does the same and uploads (one bulk overwrite per scope) where something differs.
With `gateway.url = "local"` it runs against a fresh built-in simulator (useful to try it).
"""

from __future__ import annotations

from typing import Any, TextIO

from bot.api import Client
from bot.api.errors import DiscordHTTPError
from bot.app.commands import declared_commands, sync_commands
from bot.config import Config
from bot.interactions.errors import InteractionsError

__all__ = ["commands_command"]

EXIT_OK, EXIT_FAILED = 0, 1


def _client(config: Config) -> tuple[Client, Any]:
    """A REST client for the config's Discord, and the simulator started for it (or None)."""
    if config.is_local:
        from bot.testing.serve import simulator_from_config

        simulator = simulator_from_config(config).start()
        return Client(simulator.token, base_url=simulator.rest_url), simulator
    secret = config.token
    if secret is None:
        raise RuntimeError("no token: set [bot] token (for example env:DISCORD_TOKEN)")
    return Client(secret.reveal(), base_url=config.rest.base_url, timeout=config.rest.timeout), None


def commands_command(config: Config, action: str, out: TextIO) -> int:
    """Runs `commands diff` or `commands sync`; returns the exit status."""
    try:
        commands = declared_commands(config.consumer_classes())
    except InteractionsError as error:
        print(f"shardline commands: {error}", file=out)
        return EXIT_FAILED
    if not commands:
        print("no application command is declared by the configured consumers", file=out)
        return EXIT_OK
    api, simulator = _client(config)
    try:
        results = sync_commands(
            api, commands, guilds=config.commands.guilds, upload=action == "sync"
        )
    except DiscordHTTPError as error:
        print(f"shardline commands: Discord refused: {error}", file=out)
        return EXIT_FAILED
    finally:
        api.close()
        if simulator is not None:
            simulator.stop()
    for result in results:
        verb = (
            "uploaded" if result.uploaded else ("up to date" if result.diff.is_empty else "differs")
        )
        print(f"# {result.scope}: {verb}", file=out)
        for line in result.diff.lines():
            print(line, file=out)
    return EXIT_OK
