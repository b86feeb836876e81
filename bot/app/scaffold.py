"""`shardline new DIR`: a new bot project that runs, and passes its test, at once.

It writes `config.toml` (the local simulator, the bot's consumer), `my_bot.py` (a consumer with
a `/hello` slash command and a button) and `test_my_bot.py` (the command and the click played
through the simulator's scenarios). It never overwrites: an existing file stops it. The module
is `my_bot`, never `bot`, which is the name of Shardline's own package.
"""

from __future__ import annotations

from pathlib import Path
from typing import TextIO

__all__ = ["FILES", "scaffold"]

CONFIG = """\
# The bot's configuration; every key and its default: `shardline check-config`.
[bot]
# The token, from the environment (needed only against the real Discord).
token = "env:DISCORD_TOKEN"
intents = ["guilds"]
consumers = ["my_bot:MyBot"]

[gateway]
# "local": the built-in simulator (no token, no network). "discord": the real one.
url = "local"

[commands]
# The slash commands are registered when the bot starts, only if they changed.
# For development, list a test guild's id to see changes there at once: guilds = [123...]
sync = true
guilds = []
"""

BOT = '''\
"""My bot: a /hello slash command with a button."""

from __future__ import annotations

from bot import Consumer
from bot.interactions import Button, ButtonStyle, InteractionContext, component, slash_command


class MyBot(Consumer):
    """Answers /hello; the button under the answer waves back."""

    @slash_command(description="Say hello")
    def hello(self, ctx: InteractionContext, name: str = "world") -> None:
        wave = Button("Wave", custom_id=f"hello:wave:{ctx.user.id}", style=ButtonStyle.PRIMARY)
        ctx.respond(f"Hello, {name}!", components=[wave])

    @component("hello:wave:{user_id:int}")
    def wave(self, ctx: InteractionContext, user_id: int) -> None:
        ctx.respond(f"<@{ctx.user.id}> waves at <@{user_id}>", ephemeral=True)
'''

TEST = '''\
"""MyBot against the built-in simulator: a user runs /hello, then clicks the button."""

from __future__ import annotations

from bot import Bot
from bot.testing.scenarios import Scenario
from my_bot import MyBot

CONFIG = {"gateway": {"url": "local"}, "simulator": {"shards": 1, "guilds": 1}}


def test_hello_and_the_button() -> None:
    with Bot.from_config(CONFIG, consumers=[MyBot]) as bot:
        scenario = Scenario(bot.simulator)
        guild = scenario.guild(name="Test")
        channel = scenario.channel(guild, name="general")
        user = scenario.user(name="ada")
        scenario.join(user, guild)

        result = scenario.slash(user, "hello", options={"name": "Ada"}, channel=channel)
        assert result.data["content"] == "Hello, Ada!"

        click = scenario.click(user, result.message, f"hello:wave:{user['id']}")
        assert click.ephemeral
        assert "waves at" in click.data["content"]
'''

FILES = {"config.toml": CONFIG, "my_bot.py": BOT, "test_my_bot.py": TEST}
"""The files written, by name."""

EXIT_OK, EXIT_EXISTS, EXIT_UNUSABLE = 0, 1, 2


def scaffold(directory: Path, out: TextIO, err: TextIO) -> int:
    """Writes the project into `directory` (made if missing); exit status 1 if a file exists,
    2 if the directory cannot be one (a file of that name, no permission)."""
    if directory.exists() and not directory.is_dir():
        print(
            f"shardline new: {directory} exists and is not a directory; nothing written", file=err
        )
        return EXIT_UNUSABLE
    existing = [name for name in FILES if (directory / name).exists()]
    if existing:
        print(
            f"shardline new: {directory} already has {', '.join(existing)}; nothing written",
            file=err,
        )
        return EXIT_EXISTS
    try:
        directory.mkdir(parents=True, exist_ok=True)
        for name, text in FILES.items():
            (directory / name).write_text(text, encoding="utf-8")
    except OSError as error:
        print(f"shardline new: cannot write in {directory}: {error.strerror}", file=err)
        return EXIT_UNUSABLE
    print(f"created {directory}: {', '.join(FILES)}", file=out)
    print("next:", file=out)
    print(f"  cd {directory}", file=out)
    print(
        "  python -m pytest -q            # /hello and its button, through the simulator", file=out
    )
    print("  shardline run                  # against the simulator (Ctrl-C to stop)", file=out)
    print(
        '  # for real: url = "discord" in config.toml, DISCORD_TOKEN set, shardline run', file=out
    )
    return EXIT_OK
