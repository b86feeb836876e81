"""Shardline against discord.py on the same scripted stream from the simulator in its own process.

    .venv/bin/python bench/bench_peers.py [--messages 20000] [--paced 3000] [--rounds 1]

Needs the `bench` extra (`pip install -e '.[bench]'`: discord.py 2.7). For each library, in
turn, a fresh simulator process (bench/peers_sim.py: 50 guilds x 2,000 members, JSON over
zlib-stream, on a real socket) and a fresh bot process (bench/peers_client.py, one handler that
counts), both unpinned; then:

- storm: the 50 GUILD_CREATEs of 2,000 members after READY, and the RSS growth per cached
  member (with its user), as `top` sees it;
- burst: `--messages` MESSAGE_CREATEs sent as fast as the simulator writes: frame -> handler
  messages/s with the cache on, process CPU and context switches (every thread) per
  message, RSS growth per cached message;
- paced: `--paced` MESSAGE_CREATEs at 1,000/s: p50 and p99 frame -> handler latency.

It prints each library's figures and Shardline's ratio to discord.py (higher is better for
msgs/s, lower for the others), then the same stream's figures for the floor: `bare`,
websocket-client receiving, inflating and `orjson.loads`-parsing each frame in one thread with
nothing else (no cache, no actors), and Shardline's ratio to it. The machine is shared: compare
the ratios of one run (`--rounds N`: N runs of each, alternating; the medians are printed).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
GUILDS, MEMBERS, RATE = 50, 2000, 1000.0


class Process:
    """A child python process that speaks JSON lines."""

    def __init__(self, *args: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=HERE.parent,
        )

    def send(self, line: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def read(self) -> dict[str, Any]:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"{self.proc.args[1]} ended (exit {self.proc.wait()})")
        loaded: dict[str, Any] = json.loads(line)
        return loaded

    def close(self) -> None:
        try:
            self.send("quit")
        except (BrokenPipeError, OSError):
            pass
        try:
            self.proc.wait(60)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def measure(library: str, options: argparse.Namespace) -> dict[str, float]:
    messages, paced, guilds = options.messages, options.paced, options.guilds
    sim = Process(
        str(HERE / "peers_sim.py"), "--guilds", str(guilds), "--members", str(options.members)
    )
    try:
        where = sim.read()
        client = Process(
            str(HERE / "peers_client.py"),
            library,
            where["gateway"],
            where["rest"],
            where["token"],
            str(guilds),
        )
        try:
            figures = client.read()
            sim.send("sessions 1")
            sim.read()
            client.send(f"burst {messages}")
            client.read()
            sim.send(f"burst {messages}")
            sim.read()
            figures.update(client.read())
            client.send(f"paced {paced}")
            client.read()
            sim.send(f"paced {paced} {RATE}")
            sim.read()
            figures.update(client.read())
        finally:
            client.close()
    finally:
        sim.close()
    return figures


ROWS = (
    ("rate", "MESSAGE_CREATE frame -> handler, msgs/s", "{:,.0f}"),
    ("cpu_us", "process CPU per message, us", "{:.1f}"),
    ("switches", "context switches per message (all threads)", "{:.2f}"),
    ("storm_s", "GUILD_CREATE storm (guilds x members), s", "{:.2f}"),
    ("storm_cpu_s", "process CPU over that storm, s", "{:.2f}"),
    ("rss_per_member", "RSS growth per cached member, B", "{:,.0f}"),
    ("bytes_per_message", "RSS growth per cached message, B", "{:,.0f}"),
    ("p50_ms", f"p50 frame -> handler at {RATE:,.0f}/s, ms", "{:.2f}"),
    ("p99_ms", f"p99 frame -> handler at {RATE:,.0f}/s, ms", "{:.2f}"),
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--paced", type=int, default=3_000)
    parser.add_argument("--guilds", type=int, default=GUILDS)
    parser.add_argument("--members", type=int, default=MEMBERS, help="per guild")
    parser.add_argument(
        "--only", choices=("shardline", "discordpy", "bare"), help="run one side only"
    )
    parser.add_argument("--rounds", type=int, default=1, help="runs of each library, alternating")
    parser.add_argument(
        "--runtime-gc",
        choices=("tuned", "default"),
        default="tuned",
        help="Shardline's [runtime] gc (its default: tuned)",
    )
    options = parser.parse_args()
    os.environ["PEERS_RUNTIME_GC"] = options.runtime_gc  # read by the Shardline client
    try:
        import discord  # noqa: F401
    except ImportError:
        print("bench_peers: discord.py is not installed (pip install -e '.[bench]'); skipped")
        return
    results: dict[str, list[dict[str, float]]] = {"shardline": [], "discordpy": [], "bare": []}
    for _ in range(options.rounds):
        for library in results:
            if options.only in (None, library):
                results[library].append(measure(library, options))
    print(f"storm: {options.guilds} guilds x {options.members:,} members")
    print(
        f"{'measure':44s} {'Shardline':>10s} {'discord.py':>10s} {'ratio':>6s}"
        f" {'bare':>8s} {'ratio':>6s}"
    )
    for key, label, form in ROWS:
        ours, theirs, floor = (_median(results[side], key) for side in results)
        bare = key in BARE_ROWS
        print(
            f"{label:44s} {form.format(ours):>10s} {form.format(theirs):>10s}"
            f" {_ratio(ours, theirs):6.2f}"
            + (f" {form.format(floor):>8s} {_ratio(ours, floor):6.2f}" if bare else "")
        )


BARE_ROWS = frozenset({"rate", "cpu_us", "switches", "storm_s", "storm_cpu_s"})
"""The rows `bare` has a figure for: it caches nothing, and its latency is not a handler's."""


def _median(runs: list[dict[str, float]], key: str) -> float:
    figures = sorted(run[key] for run in runs)
    return figures[len(figures) // 2] if figures else float("nan")


def _ratio(ours: float, theirs: float) -> float:
    return ours / theirs if theirs else float("nan")


if __name__ == "__main__":
    main()
