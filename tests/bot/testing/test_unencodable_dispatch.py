"""A dispatch the connection's encoding cannot carry is refused once, recorded and never
replayed: the writer goes on with the next one, on this connection and after a RESUME."""

from __future__ import annotations

from typing import Any

import pytest

from bot.testing import FakeDiscord, RefusedSend
from tests.bot.testing.client import RawClient

RESUME = 6
# What each encoding cannot carry: erlpack has no integer past 64 bits, JSON no Python set.
UNENCODABLE = {"etf": 2**64, "json": {1, 2}}


def ready(client: RawClient, token: str) -> str:
    assert client.recv()["op"] == 10
    client.identify(token)
    first = client.recv()
    assert first["t"] == "READY"
    for _ in first["d"]["guilds"]:
        client.recv()
    return str(first["d"]["session_id"])


def role_event(value: Any) -> tuple[str, dict[str, Any]]:
    return "GUILD_ROLE_CREATE", {"guild_id": 1, "role": {"id": 2, "name": "r", "x": value}}


@pytest.mark.parametrize("encoding", ["json", "etf"])
def test_an_unencodable_dispatch_is_refused_once_and_never_replayed(
    discord: FakeDiscord, connect: Any, encoding: str
) -> None:
    client = connect(encoding, "zlib-stream")
    session_id = ready(client, discord.token)
    (bad,) = discord.stream(1, lambda _i: role_event(UNENCODABLE[encoding]))
    (good,) = discord.stream(1, lambda _i: role_event("fine"))
    after = client.recv()
    # The writer went on: the next dispatch arrives, past a gap where the refused one was.
    assert after["s"] == good == bad + 1 and after["d"]["role"]["x"] == "fine"
    (refused,) = discord.refused_sends
    assert isinstance(refused, RefusedSend)
    assert (refused.seq, refused.event, refused.encoding) == (bad, "GUILD_ROLE_CREATE", encoding)
    assert f"cannot encode as {encoding}" in refused.error
    assert discord.violations == []
    # A RESUME from before it replays around it, on either encoding: nothing is refused again.
    client.close()
    discord.wait_for_close(1, timeout=5)
    for closed, again_encoding in enumerate(("etf", "json"), start=2):
        again = connect(again_encoding, "zlib-stream")
        assert again.recv()["op"] == 10
        resume = {"token": discord.token, "session_id": session_id, "seq": bad - 1}
        again.send({"op": RESUME, "d": resume})
        replay = again.recv_until(lambda p: p.get("t") == "RESUMED")
        assert [p["s"] for p in replay[:-1]] == [good]
        again.close()
        discord.wait_for_close(closed, timeout=5)
    assert len(discord.refused_sends) == 1


def test_json_carries_integers_past_64_bits_as_text(discord: FakeDiscord, connect: Any) -> None:
    client = connect("json")
    ready(client, discord.token)
    (seq,) = discord.stream(1, lambda _i: role_event(2**64))
    got = client.recv()
    assert got["s"] == seq and got["d"]["role"]["x"] == 2**64
    assert discord.refused_sends == []
