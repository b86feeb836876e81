"""The command line: `python -m bot` and the `shardline` script.

Subcommands: run, check-config, simulate, `cluster status` (a cluster's state in Redis),
`commands diff|sync` (the application commands against Discord's), `new DIR` (a new bot
project). A file named `bot.py` in the current directory
would shadow the library's `bot` package; the command line stops with a clear message then.

Exit status: 0 on success, 2 on a config error (the message names the file, the key and what
was expected), 130 on Ctrl-C. Logging is configured from `[log]`; log lines go to stderr, so
`check-config` output on stdout is plain TOML.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TextIO

from bot import log as bot_log
from bot.config import Config, ConfigError, load_config, log_warnings

__all__ = ["EXIT_CONFIG_ERROR", "build_parser", "main"]

PROG = "shardline"
DEFAULT_CONFIG = "config.toml"
CONFIG_ENV = "SHARDLINE_CONFIG"
EXIT_OK = 0
EXIT_UNAVAILABLE = 1
EXIT_CONFIG_ERROR = 2
EXIT_INTERRUPTED = 130


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with its subcommands."""
    parser = argparse.ArgumentParser(
        prog=PROG, description="Shardline: Discord bots as a supervision tree of actors."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    config_help = (
        f"the config file (default: ${CONFIG_ENV}, else ./{DEFAULT_CONFIG} if it exists, "
        "else the built-in defaults)"
    )
    run = commands.add_parser("run", help="run the bot")
    run.add_argument("--config", metavar="FILE", help=config_help)
    run.add_argument(
        "--forever",
        action="store_true",
        help="with the local simulator, keep running after the scripted session until Ctrl-C",
    )
    check = commands.add_parser(
        "check-config", help="validate the config and print it, token redacted"
    )
    check.add_argument("--config", metavar="FILE", help=config_help)
    simulate = commands.add_parser(
        "simulate", help="start the local Discord simulator alone, until Ctrl-C"
    )
    simulate.add_argument("--config", metavar="FILE", help=config_help)
    cluster = commands.add_parser(
        "cluster", help='a cluster\'s state in Redis ([cluster] backend = "redis")'
    )
    cluster.add_argument("action", choices=["status"], help="status: nodes, shards, streams")
    cluster.add_argument("--config", metavar="FILE", help=config_help)
    cluster.add_argument("--json", action="store_true", help="print one JSON object")
    slash = commands.add_parser(
        "commands", help="compare the bot's application commands with Discord's, or sync them"
    )
    slash.add_argument("action", choices=["diff", "sync"], help="diff: show; sync: upload")
    slash.add_argument("--config", metavar="FILE", help=config_help)
    new = commands.add_parser("new", help="create a new bot project in DIR")
    new.add_argument("directory", metavar="DIR")
    return parser


def shadowing_file(directory: Path) -> Path | None:
    """A `bot.py` (or a `bot/` folder that is not this package) that shadows the library."""
    candidate = directory / "bot.py"
    if candidate.is_file():
        return candidate
    package = directory / "bot"
    ours = Path(__file__).resolve().parents[1]
    if (package / "__init__.py").is_file() and package.resolve() != ours:
        return package
    return None


SHADOWING_MESSAGE = (
    "{path} has the name of Shardline's own package `bot`, so Python imports one in place of "
    "the other (typically: ImportError ... partially initialized module 'bot' ... circular "
    "import). Rename it, for example to my_bot.py, and name it so in [bot] consumers "
    '("my_bot:MyConsumer").'
)


def _config_path(given: str | None, env: os._Environ[str] | dict[str, str]) -> str | None:
    if given is not None:
        return given
    if env.get(CONFIG_ENV):
        return env[CONFIG_ENV]
    return DEFAULT_CONFIG if Path(DEFAULT_CONFIG).is_file() else None


def _lazy(module: str, attribute: str) -> Callable[..., Any] | None:
    """`module.attribute` if it exists yet; None if that module or attribute is missing."""
    try:
        found = importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name == module:
            return None
        raise
    function = getattr(found, attribute, None)
    return function if callable(function) else None


def _check_config(config: Config, out: TextIO) -> int:
    config.consumer_classes()
    header = [f"# effective config from {config.source}"]
    header += [f"# {key} set by environment variable {name}" for key, name in config.overrides]
    token = config.bot.token
    if token.secret is not None:
        header.append(f"# bot.token: read ({token.kind}), redacted")
    else:
        header.append(f"# bot.token: none ({token.describe_missing()}); the simulator's is used")
    print("\n".join(header), file=out)
    print(config.to_toml(), end="", file=out)
    return EXIT_OK


def _run(config: Config, forever: bool, out: TextIO) -> int:
    runner = _lazy("bot.app.runner", "run")
    if runner is None:
        print(
            f"{PROG}: the bot is not assembled yet (bot.app.runner.run is missing); "
            "the config is valid",
            file=out,
        )
        return EXIT_OK
    config.consumer_classes()
    result = runner(config, forever=forever)
    return result if isinstance(result, int) else EXIT_OK


def _cluster_status(config: Config, as_json: bool, out: TextIO) -> int:
    import json

    import redis

    from bot.cluster.errors import ClusterUnavailable
    from bot.cluster.keys import Keys
    from bot.cluster.status import cluster_status, format_status

    client = redis.Redis.from_url(config.cluster.redis_url, socket_connect_timeout=5)
    try:
        status = cluster_status(client, Keys(config.cluster.key_prefix))
    except ClusterUnavailable as error:
        print(f"{PROG}: {error}", file=sys.stderr)
        return EXIT_UNAVAILABLE
    finally:
        client.close()
    print(json.dumps(status) if as_json else format_status(status), file=out)
    return EXIT_OK


def _simulate(config: Config, out: TextIO) -> int:
    serve_forever = _lazy("bot.testing", "serve_forever")
    if serve_forever is None:
        print(
            f"{PROG}: the simulator cannot run alone yet (bot.testing.serve_forever is missing)",
            file=out,
        )
        return EXIT_UNAVAILABLE
    serve_forever(config)
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    """Runs the command line; returns the exit status."""
    args = build_parser().parse_args(argv)
    if args.command == "new":
        from bot.app.scaffold import EXIT_UNUSABLE, scaffold

        if not args.directory.strip():
            print(f"{PROG} new: name the directory, e.g. {PROG} new my-bot", file=sys.stderr)
            return EXIT_UNUSABLE
        return scaffold(Path(args.directory), sys.stdout, sys.stderr)
    shadow = shadowing_file(Path.cwd())
    if shadow is not None:
        print(f"{PROG}: " + SHADOWING_MESSAGE.format(path=shadow), file=sys.stderr)
        return EXIT_CONFIG_ERROR
    # The current directory first, so `consumers = ["my_bot:Ping"]` finds ./my_bot.py from the
    # `shardline` script too (`python -m` does this on its own).
    if os.getcwd() not in sys.path and "" not in sys.path:
        sys.path.insert(0, os.getcwd())
    bot_log.configure()
    try:
        config = load_config(_config_path(args.config, os.environ), quiet=True)
        bot_log.configure(level=config.log.level, format=config.log.format)
        log_warnings(config)
        if args.command == "check-config":
            return _check_config(config, sys.stdout)
        if args.command == "simulate":
            return _simulate(config, sys.stdout)
        if args.command == "cluster":
            return _cluster_status(config, args.json, sys.stdout)
        if args.command == "commands":
            from bot.app.cli_commands import commands_command

            return commands_command(config, args.action, sys.stdout)
        return _run(config, args.forever, sys.stdout)
    except ConfigError as error:
        print(f"{PROG}: config error: {error}", file=sys.stderr)
        return EXIT_CONFIG_ERROR
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
