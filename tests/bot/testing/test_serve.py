"""`serve_forever`: the simulator alone, as `python -m bot simulate` runs it."""

from __future__ import annotations

import io
import threading
from types import SimpleNamespace

from bot.testing import FakeDiscord, serve_forever
from tests.bot.testing.client import RawClient


def test_serve_forever_feeds_messages_then_reconnects_and_stops():
    simulator = SimpleNamespace(
        guilds=2,
        members_per_guild=3,
        messages=4,
        heartbeat_interval_ms=5000,
        reconnect=True,
        gateway_port=0,
        rest_port=0,
    )
    config = SimpleNamespace(simulator=simulator, token=None)
    stop, started = threading.Event(), threading.Event()
    found: list[FakeDiscord] = []
    out = io.StringIO()

    def ready(discord: FakeDiscord) -> None:
        found.append(discord)
        started.set()

    thread = threading.Thread(
        target=serve_forever, args=(config,), kwargs={"stop": stop, "out": out, "ready": ready}
    )
    thread.start()
    try:
        assert started.wait(10)
        discord = found[0]
        assert f"gateway: {discord.gateway_url}" in out.getvalue()
        client = RawClient(discord.gateway_url, "etf", "zstd-stream")
        client.recv()
        client.identify(discord.token)
        payloads = client.recv_until(lambda p: p["op"] == 7)
        names = [p["t"] for p in payloads]
        assert names == ["READY", "GUILD_CREATE", "GUILD_CREATE", *["MESSAGE_CREATE"] * 4, None]
        client.close()
    finally:
        stop.set()
        thread.join(10)
    assert not thread.is_alive()
