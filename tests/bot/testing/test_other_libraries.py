"""Bots written with discord.py 2.7 and hikari 2.7 run against `python -m bot simulate`.

Each bot (in `library_bots/`) is its library's ordinary code with only the base URLs changed,
run in its own process. The simulator is `serve_forever` (what `python -m bot simulate` runs);
a `Scenario` user talks to the bot and every answer is read from the simulator's record.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest

from bot.testing import FakeDiscord, Scenario, serve_forever

ROOT = Path(__file__).resolve().parents[3]
BOTS = {
    "discord.py": "tests.bot.testing.library_bots.dpy_bot",
    "hikari": "tests.bot.testing.library_bots.hikari_bot",
}
TIMEOUT = 30.0
THUMBS_UP, CHECK = "\N{THUMBS UP SIGN}", "\N{WHITE HEAVY CHECK MARK}"


@pytest.fixture
def simulate() -> Iterator[FakeDiscord]:
    """`python -m bot simulate` with its defaults but a short heartbeat, in a thread."""
    simulator = SimpleNamespace(
        guilds=3,
        members_per_guild=25,
        messages=0,
        heartbeat_interval_ms=2000,
        reconnect=False,
        gateway_port=0,
        rest_port=0,
    )
    stop, started = threading.Event(), threading.Event()
    found: list[FakeDiscord] = []

    def ready(discord: FakeDiscord) -> None:
        found.append(discord)
        started.set()

    thread = threading.Thread(
        target=serve_forever,
        args=(SimpleNamespace(simulator=simulator, token=None),),
        kwargs={"stop": stop, "out": io.StringIO(), "ready": ready},
    )
    thread.start()
    try:
        assert started.wait(10)
        yield found[0]
    finally:
        stop.set()
        thread.join(10)


def start_bot(library: str, discord: FakeDiscord) -> subprocess.Popen[bytes]:
    # The token goes in the environment, never on a command line.
    env = {**os.environ, "SIMULATOR_TOKEN": discord.token}
    return subprocess.Popen(
        [sys.executable, "-m", BOTS[library], discord.gateway_url, discord.rest_url],
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def reactions(discord: FakeDiscord, message_id: str) -> set[str]:
    with discord.rest.state.lock:
        by_emoji = discord.rest.state.reactions.get(message_id, {})
        return {emoji for emoji, users in by_emoji.items() if users}


@pytest.mark.parametrize("library", sorted(BOTS))
def test_a_bot_of_another_library_works_against_simulate(
    simulate: FakeDiscord, library: str
) -> None:
    pytest.importorskip(library.replace(".py", ""))
    discord = simulate
    process = start_bot(library, discord)
    output = b""
    try:
        discord.wait_for_ready(timeout=TIMEOUT)
        scenario = Scenario(discord, timeout=TIMEOUT)
        world = discord.config.world
        channel = str(world.channel_id(0))
        alice = world.user(0, 1)

        # A 429 on its first reply: the library waits `retry_after` and sends it again.
        discord.rest.limits.rate_limit_next(1, route="POST /channels/{channel_id}/messages")
        ping = scenario.say(alice, channel, "!ping")
        reply = ping.reply
        assert reply["content"] == "pong"
        assert reply["message_reference"]["message_id"] == ping.message["id"]
        assert discord.rest.wait_until(
            lambda: (
                reactions(discord, reply["id"]) == {THUMBS_UP}
                and reactions(discord, ping.message["id"]) == {CHECK}
            ),
            TIMEOUT,
        )
        statuses = [r.status for r in discord.rest.requests if r.method == "POST"]
        assert 429 in statuses

        report = json.loads(scenario.say(alice, channel, "!report").reply["content"])
        assert report["user"] == world.bot_username
        assert report["application_id"] == str(world.application_id)
        assert report["guilds"] == sorted(str(g) for g in world.guild_ids())
        assert report["me_in_every_guild"] is True
        assert report["channels"] == world.guild_count * world.channels_per_guild
        assert report["own_messages_seen"] >= 1  # its "pong" came back, as on Discord
        assert report["fetched"] == 1

        scenario.say(alice, channel, "!quit")
        output = process.communicate(timeout=TIMEOUT)[0]
        assert process.returncode == 0, output.decode(errors="replace")[-3000:]
        assert discord.violations == []
        assert [r for r in discord.rest.violations if r.violation != "blocked"] == []
    finally:
        if process.poll() is None:
            process.kill()
            output = process.communicate()[0]
    assert discord.token.encode() not in output
