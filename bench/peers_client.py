"""The bot side of bench_peers.py: one library (Shardline or discord.py) in its own process.

    .venv/bin/python bench/peers_client.py shardline|discordpy|bare GATEWAY REST TOKEN GUILDS

`bare` is not a library but the floor the issue measured: websocket-client receiving the
frames, zlib inflating them and `orjson.loads` parsing them, in one thread, with only what the
gateway protocol needs besides (IDENTIFY, heartbeats) and the same counting handler; it caches
nothing, so it has no memory figures.

It connects to the simulator (bench/peers_sim.py) as a user's bot would, with the members and
message-content intents, a message cache big enough for every message of the bench, and one
handler that only counts. It prints JSON lines, and reads commands on stdin:

- at start, once the 50 guilds of the storm are cached: `{"storm_s", "storm_cpu_s", "members",
  "rss_per_member"}` (storm: from the READY being handled to the last GUILD_CREATE's guild
  being cached, and the process CPU over that time; memory: RSS, as `top` shows it, after the
  storm minus before connecting, per cached member);
- `burst N` -> `{"armed"}`, then once N MESSAGE_CREATEs were handled: `{"rate", "cpu_us",
  "switches", "bytes_per_message"}` (rate: from the first handler call to the last; cpu:
  process CPU time over that span per message; switches: context switches of all threads over
  that span per message; bytes: RSS growth over the burst per message cached);
- `paced N` -> `{"armed"}`, then `{"p50_ms", "p99_ms"}` of frame -> handler latency (the
  simulator writes its send time, CLOCK_MONOTONIC in ns, as each message's content);
- `quit`.
"""

from __future__ import annotations

import asyncio
import gc
import os
import sys
import tempfile
import threading
import time
import zlib
from pathlib import Path
from typing import Any

from peers_protocol import say

WAIT = 300.0
STOP_WAIT = 30.0
"""Seconds a library may take to close once its figures are taken."""
PAGE = os.sysconf("SC_PAGE_SIZE")
MESSAGE_LIMIT = 100_000


def switches() -> int:
    """Context switches of the process's threads so far, voluntary or not (a thread waiting
    for the GIL, a lock or the socket, or preempted): each is a hand-off between threads."""
    total = 0
    for task in os.listdir("/proc/self/task"):
        try:
            with open(f"/proc/self/task/{task}/status", encoding="ascii") as status:
                for line in status:  # voluntary_ctxt_switches, nonvoluntary_ctxt_switches
                    name, _, value = line.partition(":")
                    if name.endswith("ctxt_switches"):
                        total += int(value)
        except FileNotFoundError:
            continue  # a thread that ended meanwhile
    return total


def rss() -> int:
    """Resident set size in bytes, as `top` shows it."""
    gc.collect()
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * PAGE


class Meter:
    """What the handlers of either library report to: guilds seen, messages counted."""

    def __init__(self, guilds: int) -> None:
        self.lock = threading.Lock()
        self.guilds_wanted = guilds
        self.guilds = 0
        self.ready_at = 0.0
        self.storm_done = threading.Event()
        self.storm_s = 0.0
        self.ready_cpu = 0.0
        self.storm_cpu_s = 0.0
        self.expected = 0
        self.count = 0
        self.first: tuple[float, float, int] = (0.0, 0.0, 0)  # wall, CPU, context switches
        self.last: tuple[float, float, int] = (0.0, 0.0, 0)
        self.latencies: list[int] | None = None
        self.done = threading.Event()

    def ready(self) -> None:
        self.ready_at = time.perf_counter()
        self.ready_cpu = time.process_time()

    def guild(self) -> None:
        with self.lock:
            self.guilds += 1
            if self.guilds == self.guilds_wanted:
                self.storm_s = time.perf_counter() - self.ready_at
                self.storm_cpu_s = time.process_time() - self.ready_cpu
                self.storm_done.set()

    def arm(self, expected: int, latency: bool) -> None:
        with self.lock:
            self.expected = expected
            self.count = 0
            self.latencies = [] if latency else None
            self.done.clear()

    def message(self, content: str) -> None:
        now = time.monotonic_ns()
        with self.lock:
            if self.latencies is not None:
                self.latencies.append(now - int(content))
            self.count += 1
            if self.count == 1:
                self.first = (time.perf_counter(), time.process_time(), switches())
            if self.count == self.expected:
                self.last = (time.perf_counter(), time.process_time(), switches())
                self.done.set()


# -- Shardline ------------------------------------------------------------------------------


def run_shardline(meter: Meter, gateway: str, rest: str, token: str) -> tuple[Any, Any]:
    from bot import Consumer, Event
    from bot.app import Bot

    class Counter(Consumer):
        events = frozenset({"READY", "GUILD_AVAILABLE", "MESSAGE_CREATE"})

        def handle_event(self, event: Event) -> None:
            if event.name == "MESSAGE_CREATE":
                meter.message(event.data.content)
            elif event.name == "GUILD_AVAILABLE":
                meter.guild()
            else:
                meter.ready()

    os.environ["PEERS_TOKEN"] = token
    text = f"""
[bot]
token = "env:PEERS_TOKEN"
intents = ["nonprivileged", "message_content", "guild_members"]
shards = 1
[gateway]
url = "{gateway}"
encoding = "json"
compression = "zlib-stream"
[rest]
base_url = "{rest}"
[cache]
message_limit = {MESSAGE_LIMIT}
[log]
level = "warning"
[runtime]
gc = "{os.environ.get("PEERS_RUNTIME_GC", "tuned")}"
"""
    path = Path(tempfile.mkdtemp()) / "config.toml"
    path.write_text(text)
    bot = Bot.from_config(path, consumers=[Counter])

    def members() -> int:
        stores = bot._tree_state.stores
        return int(stores.members.total())

    return bot, members


def start_shardline(bot: Any) -> None:
    bot.start()


def stop_shardline(bot: Any) -> None:
    bot.stop()


# -- discord.py -----------------------------------------------------------------------------


class ZlibStream:
    """discord.py's zlib-stream context (it picks zstd-stream when `zstandard` is installed;
    the bench gives both libraries the same zlib-stream)."""

    COMPRESSION_TYPE = "zlib-stream"
    SUFFIX = b"\x00\x00\xff\xff"

    def __init__(self) -> None:
        self.buffer = bytearray()
        self.context = zlib.decompressobj()

    def decompress(self, data: bytes, /) -> str | None:
        self.buffer.extend(data)
        if len(data) < 4 or data[-4:] != self.SUFFIX:
            return None
        out = self.context.decompress(self.buffer)
        self.buffer = bytearray()
        return out.decode("utf-8")


def run_discordpy(meter: Meter, gateway: str, rest: str, token: str) -> tuple[Any, Any]:
    import logging

    import discord
    import discord.gateway
    import discord.http
    import discord.utils
    import yarl

    discord.utils._ActiveDecompressionContext = ZlibStream  # type: ignore[attr-defined,misc]
    discord.gateway.utils._ActiveDecompressionContext = ZlibStream  # type: ignore[attr-defined]
    discord.http.Route.BASE = rest
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)

    intents = discord.Intents.default()
    intents.members = True
    intents.message_content = True
    client = discord.Client(
        intents=intents, max_messages=MESSAGE_LIMIT, chunk_guilds_at_startup=False
    )

    async def application_info() -> Any:
        # Until the simulator answers GET /oauth2/applications/@me (the login's second call).
        owner = {"id": "1", "username": "owner", "discriminator": "0", "avatar": None}
        return {
            "id": "1",
            "name": "bench",
            "description": "",
            "icon": None,
            "bot_public": True,
            "bot_require_code_grant": False,
            "owner": owner,
            "verify_key": "",
            "flags": 0,
        }

    client.http.application_info = application_info  # type: ignore[method-assign,assignment]

    @client.event
    async def on_message(message: Any) -> None:
        meter.message(message.content)

    state = client._connection
    parse_ready = state.parsers["READY"]
    parse_guild_create = state.parsers["GUILD_CREATE"]

    def ready(data: Any) -> None:
        meter.ready()
        parse_ready(data)

    def guild_create(data: Any) -> None:
        parse_guild_create(data)
        meter.guild()

    state.parsers["READY"] = ready
    state.parsers["GUILD_CREATE"] = guild_create

    def members() -> int:
        return sum(len(guild._members) for guild in client.guilds)

    client.__bench_token = token  # type: ignore[attr-defined]
    return client, members


def start_discordpy(client: Any) -> None:
    loop = asyncio.new_event_loop()
    client.__bench_loop = loop

    def main() -> None:
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(client.start(client.__bench_token))
        except BaseException as exc:  # the bench fails at once rather than wait for the storm
            print(f"discord.py failed: {exc!r}", file=sys.stderr)
            os._exit(1)

    thread = threading.Thread(target=main, name="discordpy", daemon=True)
    thread.start()
    client.__bench_thread = thread


def stop_discordpy(client: Any) -> None:
    closing = asyncio.run_coroutine_threadsafe(client.close(), client.__bench_loop)
    try:
        closing.result(STOP_WAIT)
    except TimeoutError:
        # Seen now and then: aiohttp's connector waits on its closed transports. The figures
        # are taken by then; the client's thread is a daemon and ends with the process.
        print(f"discord.py did not close within {STOP_WAIT} s; exiting anyway", file=sys.stderr)
        return
    client.__bench_thread.join(STOP_WAIT)


# -- bare: websocket-client + inflate + orjson.loads ------------------------------------------

INTENTS = 53_608_191
"""discord.py's default intents with members and message content: what the others ask for."""


class Bare:
    """Receives, inflates and parses every frame, and counts as the others' handlers do."""

    def __init__(self, meter: Meter, gateway: str, token: str) -> None:
        self.meter = meter
        self.url = f"{gateway}/?v=10&encoding=json&compress=zlib-stream"
        self.token = token
        self.members = 0
        self.seq: int | None = None
        self.stopping = threading.Event()
        self.socket: Any = None
        self.thread = threading.Thread(target=self.run, name="bare", daemon=True)

    def run(self) -> None:
        import orjson
        import websocket

        inflater = zlib.decompressobj()
        buffer = bytearray()
        meter, loads = self.meter, orjson.loads
        try:
            self.socket = socket = websocket.create_connection(self.url, enable_multithread=True)
            while not self.stopping.is_set():
                data = socket.recv_data()[1]
                buffer += data
                if len(data) < 4 or data[-4:] != ZlibStream.SUFFIX:
                    continue
                payload = loads(inflater.decompress(buffer))
                buffer.clear()
                op = payload["op"]
                if op == 0:
                    name = payload["t"]
                    if name == "MESSAGE_CREATE":
                        meter.message(payload["d"]["content"])
                    elif name == "GUILD_CREATE":
                        self.members += len(payload["d"].get("members") or ())
                        meter.guild()
                    elif name == "READY":
                        meter.ready()
                    self.seq = payload["s"]
                elif op == 10:
                    self.identify(payload["d"]["heartbeat_interval"] / 1000)
                elif op == 1:
                    self.heartbeat()
        except Exception as exc:  # the bench fails at once, not at its timeout
            if not self.stopping.is_set():
                print(f"bare failed: {exc!r}", file=sys.stderr)
                os._exit(1)

    def identify(self, interval: float) -> None:
        import orjson

        properties = {"os": "linux", "browser": "bench", "device": "bench"}
        identify = {"token": self.token, "intents": INTENTS, "properties": properties}
        self.socket.send(orjson.dumps({"op": 2, "d": identify}).decode())

        def beat() -> None:
            while not self.stopping.wait(interval):
                self.heartbeat()

        threading.Thread(target=beat, name="bare-heartbeat", daemon=True).start()

    def heartbeat(self) -> None:
        self.socket.send(f'{{"op": 1, "d": {"null" if self.seq is None else self.seq}}}')


def run_bare(meter: Meter, gateway: str, rest: str, token: str) -> tuple[Any, Any]:
    bare = Bare(meter, gateway, token)
    return bare, lambda: bare.members


def start_bare(bare: Bare) -> None:
    bare.thread.start()


def stop_bare(bare: Bare) -> None:
    bare.stopping.set()
    if bare.socket is not None:
        bare.socket.close()
    bare.thread.join(STOP_WAIT)


LIBRARIES = {
    "shardline": (run_shardline, start_shardline, stop_shardline),
    "discordpy": (run_discordpy, start_discordpy, stop_discordpy),
    "bare": (run_bare, start_bare, stop_bare),
}


def main() -> None:
    library, gateway, rest, token, guilds = sys.argv[1:6]
    make, start, stop = LIBRARIES[library]
    meter = Meter(int(guilds))
    client, members = make(meter, gateway, rest, token)
    before = rss()
    start(client)
    if not meter.storm_done.wait(WAIT):
        raise SystemExit(f"{library}: the storm did not end in {WAIT} s ({meter.guilds} guilds)")
    cached = members()
    say(
        storm_s=meter.storm_s,
        storm_cpu_s=meter.storm_cpu_s,
        members=cached,
        rss_per_member=(rss() - before) / max(cached, 1),
    )
    try:
        for line in sys.stdin:
            command, *args = line.split()
            if command == "quit":
                break
            count = int(args[0])
            meter.arm(count, latency=command == "paced")
            base = rss()
            say(armed=True)
            if not meter.done.wait(WAIT):
                raise SystemExit(f"{library}: {meter.count} of {count} messages in {WAIT} s")
            if command == "burst":
                span = meter.last[0] - meter.first[0]
                cpu = meter.last[1] - meter.first[1]
                say(
                    rate=(count - 1) / span,
                    cpu_us=cpu * 1e6 / (count - 1),
                    switches=(meter.last[2] - meter.first[2]) / (count - 1),
                    bytes_per_message=(rss() - base) / count,
                )
            else:
                latencies = sorted(meter.latencies or ())
                say(
                    p50_ms=latencies[len(latencies) // 2] / 1e6,
                    p99_ms=latencies[int(len(latencies) * 0.99)] / 1e6,
                )
    finally:
        stop(client)


if __name__ == "__main__":
    main()
