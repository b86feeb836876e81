"""MESSAGE_CREATEs per second that the simulator streams to one client, per encoding.

Run: .venv/bin/python bench/bench_simulator.py [--messages N] [--runs R]

A `FakeDiscord` in this process streams `stream_messages(N)` to a bare websocket client (the
test suite's `RawClient`: websocket-client plus the codecs) that reads until the last one; best
of R runs, for json + zlib-stream and etf + zstd-stream. It measures the simulator's side of the
performance benches that stream through it (building, encoding, compressing, writing), with the
intents applied as they are for a bot (MESSAGE_CONTENT given).
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

import structlog

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.testing import FakeDiscord, GatewayConfig, World
from tests.bot.testing.client import DEFAULT_INTENTS, RawClient

ENCODINGS = (("json", "zlib-stream"), ("etf", "zstd-stream"))


def measure(encoding: str, compress: str, messages: int, runs: int) -> float:
    """The best rate (messages/s) of `runs` streams of `messages`."""
    config = GatewayConfig(heartbeat_interval_ms=60_000, world=World(guild_count=10))
    with FakeDiscord(config=config) as discord:
        client = RawClient(discord.gateway_url, encoding, compress)
        try:
            client.recv()
            client.identify(discord.token, intents=DEFAULT_INTENTS)
            ready = client.recv()
            for _ in ready["d"]["guilds"]:
                client.recv()
            best = float("inf")
            for run in range(runs):
                started = time.perf_counter()
                last = discord.stream_messages(messages, first=run * messages)[-1]
                client.recv_until(lambda p, last=last: p["s"] == last, limit=messages + 10)
                best = min(best, time.perf_counter() - started)
            return messages / best
        finally:
            client.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    print(f"simulator -> one client, {args.messages} MESSAGE_CREATE, best of {args.runs}")
    for encoding, compress in ENCODINGS:
        rate = measure(encoding, compress, args.messages, args.runs)
        print(f"  {encoding:5} {compress:12} {rate:10,.0f} messages/s")


if __name__ == "__main__":
    main()
