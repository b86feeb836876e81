"""The simulator side of bench_peers.py: a `FakeDiscord` in its own process, driven by stdin.

    .venv/bin/python bench/peers_sim.py --guilds 50 --members 2000

Prints one JSON line `{"gateway": ..., "rest": ..., "token": ...}` once it listens, then reads
commands, one a line, and answers each with one JSON line once it is done:

- `sessions 1`: waits until shard 0 has a session and was sent its READY and GUILD_CREATEs;
- `burst N`: queues N MESSAGE_CREATEs (built before, so the simulator sends them as fast as
  its writer goes); answers once they are queued;
- `paced N RATE`: N MESSAGE_CREATEs, RATE per second; each one's `content` is the
  `time.monotonic_ns()` at which the simulator built it, just before writing it (the clients
  measure frame -> handler latency from it: CLOCK_MONOTONIC is one clock for the whole machine);
- `quit`.

Used only by the benches (not a test fixture): it reads the simulator's session log directly.
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

from peers_protocol import say

from bot.testing import FakeDiscord, GatewayConfig, World

WAIT = 120.0


_BUILT: dict[int, dict[str, Any]] = {}
"""The storm's GUILD_CREATE payloads by guild id, built before a client connects."""


class StormWorld(World):
    """The simulator's world, with every member in each GUILD_CREATE: Discord lists members only
    with GUILD_PRESENCES and below `large_threshold` (at most 250), but the bench's storm is the
    issue's 50 x 2,000 members, the same for both libraries.

    Each payload is built once (`main` builds them all before it listens): built while the
    storm is sent, 50 x 2,000 members took the simulator about 0.5 s of Python, so the storm
    figure measured the simulator as much as the client. Discord sends them as fast as the
    network goes."""

    def guild_create(
        self, guild_id: int, *, members: bool = True, large_threshold: int = 250
    ) -> dict[str, Any]:
        built = _BUILT.get(guild_id)
        if built is None:
            built = super().guild_create(guild_id, members=True, large_threshold=1 << 30)
            _BUILT[guild_id] = built
        return built


def _messages(world: World, count: int, first: int) -> list[dict[str, Any]]:
    guilds = world.guild_ids()
    numbers = range(first, first + count)
    return [world.message_create(n, guilds[n % len(guilds)]) for n in numbers]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--guilds", type=int, default=50)
    parser.add_argument("--members", type=int, default=2000)
    options = parser.parse_args()
    world = StormWorld(guild_count=options.guilds, members_per_guild=options.members)
    for guild_id in world.guild_ids():
        world.guild_create(guild_id)
    config = GatewayConfig(heartbeat_interval_ms=41_250, world=world)
    discord = FakeDiscord(config=config, shards=1).start()
    say(gateway=discord.gateway_url, rest=discord.rest_url, token=discord.token)
    sent = 0
    try:
        for line in sys.stdin:
            command, *args = line.split()
            if command == "sessions":
                discord.wait_until(lambda: _sessions_sent(discord), timeout=WAIT)
                say(ok=True)
            elif command == "burst":
                count = int(args[0])
                batch = _messages(world, count, sent)
                sent += count
                seqs = discord.stream(count, _maker(batch))
                # Answered at once: waiting here for the last one to be written would wake this
                # thread on every frame sent (the server's condition), taking CPU from the
                # writer and the client under test; the client says when it has them all.
                say(ok=True, last_seq=seqs[-1])
            elif command == "paced":
                count, rate = int(args[0]), float(args[1])
                batch = _messages(world, count, sent)
                sent += count
                last = _paced(discord, batch, rate)
                discord.wait_for_sent(last, timeout=WAIT)
                say(ok=True, last_seq=last)
            elif command == "quit":
                break
    finally:
        discord.stop()


def _maker(batch: list[dict[str, Any]]) -> Any:
    def make(index: int) -> tuple[str, Any]:
        return "MESSAGE_CREATE", batch[index]

    return make


def _sessions_sent(discord: FakeDiscord) -> bool:
    try:
        session = discord.session(0)
    except LookupError:
        return False
    connection = session.connection
    return connection is not None and connection.sent_seq >= session.log.last_seq > 0


def _paced(discord: FakeDiscord, batch: list[dict[str, Any]], rate: float) -> int:
    period = 1.0 / rate
    start = time.monotonic()
    last = 0

    def stamped(data: dict[str, Any]) -> Any:
        def make(_index: int) -> tuple[str, Any]:
            return "MESSAGE_CREATE", {**data, "content": str(time.monotonic_ns())}

        return make

    for index, data in enumerate(batch):
        delay = start + index * period - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        last = discord.stream(1, stamped(data))[0]
    return last


if __name__ == "__main__":
    main()
