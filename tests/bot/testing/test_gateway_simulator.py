"""The gateway simulator against a bare websocket client: Discord's protocol and rules."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from bot.testing import FakeDiscord, GatewayConfig, World
from tests.bot.gateway.corpus import unknown_keys
from tests.bot.testing.client import DEFAULT_INTENTS

IDENTIFY, RESUME, HEARTBEAT = 2, 6, 1


def ready(client: Any, token: str, **identify: Any) -> list[dict[str, Any]]:
    hello = client.recv()
    assert hello["op"] == 10
    client.identify(token, **identify)
    first = client.recv()
    assert first["t"] == "READY"
    guilds = len(first["d"]["guilds"])
    return [first] + [client.recv() for _ in range(guilds)]


@pytest.mark.parametrize("encoding", ["json", "etf"])
@pytest.mark.parametrize("compress", [None, "zlib-stream", "zstd-stream"])
def test_hello_identify_ready_then_guild_creates(discord, connect, encoding, compress):
    client = connect(encoding, compress)
    hello = client.recv()
    assert hello == {"op": 10, "d": {"heartbeat_interval": 5000}, "s": None, "t": None}
    client.identify(discord.token)
    payloads = client.recv_until(lambda p: p["s"] == 4)
    assert [p["t"] for p in payloads] == ["READY", "GUILD_CREATE", "GUILD_CREATE", "GUILD_CREATE"]
    assert [p["s"] for p in payloads] == [1, 2, 3, 4]
    first = payloads[0]["d"]
    assert all(g["unavailable"] for g in first["guilds"])
    assert first["resume_gateway_url"] == discord.gateway_url + "/resume"
    assert {g["id"] for g in first["guilds"]} == {p["d"]["id"] for p in payloads[1:]}
    assert isinstance(payloads[1]["d"]["id"], int)  # snowflakes are int on both encodings
    identify = discord.wait_for_identify(timeout=5)
    assert identify.data["intents"] == DEFAULT_INTENTS
    assert discord.connections[0].encoding == encoding
    assert discord.connections[0].compress == compress
    assert discord.violations == []


def test_every_key_the_simulator_sends_is_in_the_key_table(discord, connect):
    client = connect()
    payloads = ready(client, discord.token)
    discord.stream_messages(1)
    payloads.append(client.recv())
    assert payloads[-1]["t"] == "MESSAGE_CREATE"
    assert unknown_keys(payloads) == set()


def test_heartbeats_are_acknowledged_until_turned_off(discord, connect):
    client = connect()
    ready(client, discord.token)
    client.send({"op": HEARTBEAT, "d": 4})
    assert client.recv()["op"] == 11
    discord.set_ack_heartbeats(False)
    client.send({"op": HEARTBEAT, "d": 4})
    discord.wait_for_heartbeats(2, timeout=5)
    seq = discord.dispatch("CHANNEL_PINS_UPDATE", {"channel_id": "1", "last_pin_timestamp": None})
    assert client.recv()["s"] == seq  # no ACK came before it
    assert discord.received(HEARTBEAT)[-1].data == 4


def test_server_asks_for_a_heartbeat(discord, connect):
    client = connect()
    ready(client, discord.token)
    discord.request_heartbeat(0)
    assert client.recv() == {"op": 1, "d": None, "s": None, "t": None}


@pytest.mark.parametrize(
    ("identify", "code", "kind"),
    [
        ({"token": "wrong"}, 4004, "authentication_failed"),
        ({"intents": 1 << 17}, 4013, "invalid_intents"),
        ({"shard": [2, 2]}, 4010, "invalid_shard"),
    ],
)
def test_identify_checks_close_with_discord_codes(discord, connect, identify, code, kind):
    client = connect()
    client.recv()
    data = {"token": discord.token, "intents": 1, "properties": {}, **identify}
    client.send({"op": IDENTIFY, "d": data})
    assert client.close_code() == code
    assert [v.kind for v in discord.violations] == [kind]
    assert discord.wait_for_close(1, timeout=5).close_code == code


def test_disallowed_privileged_intents_close_4014():
    config = GatewayConfig(allowed_privileged_intents=0)
    with FakeDiscord(config=config) as discord:
        from tests.bot.testing.client import RawClient

        client = RawClient(discord.gateway_url)
        client.recv()
        client.identify(discord.token, intents=1 << 15)
        assert client.close_code() == 4014
        client.close()


def test_sharding_required_closes_4011():
    with FakeDiscord(config=GatewayConfig(required_shards=2)) as discord:
        from tests.bot.testing.client import RawClient

        client = RawClient(discord.gateway_url)
        client.recv()
        client.identify(discord.token, shard=[0, 1])
        assert client.close_code() == 4011
        client.close()


def test_identify_concurrency_gets_invalid_session():
    from tests.bot.testing.client import RawClient

    with FakeDiscord(config=GatewayConfig(heartbeat_interval_ms=5000)) as discord:
        first, second = RawClient(discord.gateway_url), RawClient(discord.gateway_url)
        ready(first, discord.token, shard=[0, 2])
        second.recv()
        second.identify(discord.token, shard=[1, 2])  # max_concurrency 1: one bucket, 5 s
        assert second.recv() == {"op": 9, "d": False, "s": None, "t": None}
        assert [v.kind for v in discord.violations] == ["identify_concurrency"]
        first.close()
        second.close()


def test_guilds_are_routed_to_their_shard():
    config = GatewayConfig(world=World(guild_count=10), max_concurrency=2)
    with FakeDiscord(config=config) as discord:
        from tests.bot.testing.client import RawClient

        seen = {}
        for shard_id in (0, 1):
            client = RawClient(discord.gateway_url)
            client.recv()
            client.identify(discord.token, shard=[shard_id, 2])
            ready_payload = client.recv()
            seen[shard_id] = {g["id"] for g in ready_payload["d"]["guilds"]}
            assert all((gid >> 22) % 2 == shard_id for gid in seen[shard_id])
            client.close()
        assert len(seen[0] | seen[1]) == 10


def test_resume_replays_what_the_client_missed(discord, connect):
    client = connect("etf", "zlib-stream")
    payloads = ready(client, discord.token)
    session_id = payloads[0]["d"]["session_id"]
    seqs = discord.stream_messages(5)
    got = client.recv_until(lambda p: p["s"] == seqs[1])  # takes two of five
    assert [p["d"]["content"] for p in got] == ["message 0", "message 1"]
    client.close()
    discord.wait_for_close(1, timeout=5)
    more = discord.stream_messages(2, first=5)  # sent while the client is away
    resumed = connect("etf", "zlib-stream")
    resumed.recv()
    resumed.send({"op": RESUME, "d": {"token": discord.token, "session_id": session_id, "seq": 6}})
    replay = resumed.recv_until(lambda p: p.get("t") == "RESUMED")
    assert [p["s"] for p in replay] == [*range(7, more[-1] + 1), more[-1] + 1]
    assert [p["d"]["content"] for p in replay[:-1]] == [f"message {n}" for n in range(2, 7)]
    assert discord.connections[1].resumed
    assert discord.violations == []


def test_resume_with_a_bad_sequence_closes_4007(discord, connect):
    client = connect()
    session_id = ready(client, discord.token)[0]["d"]["session_id"]
    client.close()
    again = connect()
    again.recv()
    again.send({"op": RESUME, "d": {"token": discord.token, "session_id": session_id, "seq": 99}})
    assert again.close_code() == 4007
    assert discord.wait_for_violation("invalid_resume_seq", timeout=5)


def test_resume_of_an_unknown_session_is_invalid(discord, connect):
    client = connect()
    client.recv()
    client.send({"op": RESUME, "d": {"token": discord.token, "session_id": "nope", "seq": 1}})
    assert client.recv() == {"op": 9, "d": False, "s": None, "t": None}


def test_client_close_1000_invalidates_the_session(discord, connect):
    client = connect()
    session_id = ready(client, discord.token)[0]["d"]["session_id"]
    client.ws.close(status=1000)
    discord.wait_for_close(1, timeout=5)
    again = connect()
    again.recv()
    again.send({"op": RESUME, "d": {"token": discord.token, "session_id": session_id, "seq": 4}})
    assert again.recv()["op"] == 9


@pytest.mark.parametrize("resumable", [True, False])
def test_invalid_session_either_way(discord, connect, resumable):
    client = connect()
    ready(client, discord.token)
    discord.invalidate_session(resumable, shard_id=0)
    assert client.recv() == {"op": 9, "d": resumable, "s": None, "t": None}
    assert bool(discord.sessions) is resumable


def test_reconnect_close_and_drop(discord, connect):
    client = connect()
    ready(client, discord.token)
    discord.reconnect(0)
    assert client.recv()["op"] == 7
    discord.close(4900, "test", shard_id=0)
    assert client.close_code() == 4900
    info = discord.wait_for_close(1, timeout=5)
    assert (info.closed_by, info.close_code) == ("server", 4900)
    second = connect()
    ready_again = ready(second, discord.token)
    assert ready_again[0]["t"] == "READY"
    discord.drop(0)
    assert second.close_code() is None
    assert discord.wait_for_close(2, timeout=5).closed_by == "drop"


def test_send_limit_closes_4008():
    config = GatewayConfig(send_limit=5, send_window=30.0)
    with FakeDiscord(config=config) as discord:
        from tests.bot.testing.client import RawClient

        client = RawClient(discord.gateway_url)
        client.recv()
        for _ in range(6):
            client.send({"op": HEARTBEAT, "d": None})
        assert client.close_code() == 4008
        assert [v.kind for v in discord.violations] == ["rate_limited"]
        assert len(discord.received(HEARTBEAT)) == 6
        client.close()


def test_payload_limits_and_unknown_opcodes(discord, connect):
    big = connect()
    big.recv()
    big.send({"op": 3, "d": {"x": "y" * 5000}})
    assert big.close_code() == 4002
    early = connect()
    early.recv()
    early.send({"op": 3, "d": {"status": "online"}})
    assert early.close_code() == 4003
    odd = connect()
    odd.recv()
    odd.send({"op": 5, "d": None})
    assert odd.close_code() == 4001
    junk = connect()
    junk.recv()
    junk.send_bytes(b"\x00garbage")
    assert junk.close_code() == 4002
    kinds = sorted(v.kind for v in discord.violations)
    assert kinds == ["decode_error", "not_authenticated", "payload_too_large", "unknown_opcode"]


def test_request_guild_members_chunks_by_nonce_and_limits_all_members(discord, connect):
    client = connect()
    payloads = ready(client, discord.token)
    guild_id = payloads[1]["d"]["id"]
    member_ids = [m["user"]["id"] for m in payloads[1]["d"]["members"]]
    request = {"guild_id": str(guild_id), "query": "", "limit": 0, "nonce": "n1"}
    client.send({"op": 8, "d": request})
    chunk = client.recv()
    assert chunk["t"] == "GUILD_MEMBERS_CHUNK"
    assert chunk["d"]["nonce"] == "n1"
    assert [m["user"]["id"] for m in chunk["d"]["members"]] == member_ids
    client.send({"op": 8, "d": {**request, "nonce": "n2"}})
    limited = client.recv()
    assert limited["t"] == "RATE_LIMITED"
    assert limited["d"]["opcode"] == 8
    assert limited["d"]["meta"] == {"guild_id": guild_id, "nonce": "n2"}
    by_id = {"guild_id": str(guild_id), "user_ids": [str(member_ids[0]), "42"], "nonce": "n3"}
    client.send({"op": 8, "d": by_id})
    found = client.recv()["d"]
    assert [m["user"]["id"] for m in found["members"]] == [member_ids[0]]
    assert found["not_found"] == [42]


def test_voice_state_update_answers_with_two_dispatches(discord, connect):
    client = connect()
    ready(client, discord.token)
    client.send({"op": 4, "d": {"guild_id": "1", "channel_id": "2", "self_mute": False}})
    assert [client.recv()["t"], client.recv()["t"]] == ["VOICE_STATE_UPDATE", "VOICE_SERVER_UPDATE"]


def test_raw_bytes_and_broken_compression_reach_the_client(discord, connect):
    client = connect("json", "zlib-stream")
    ready(client, discord.token)
    discord.send_raw(b"not zlib at all\x00\x00\xff\xff", compress=False)
    with pytest.raises(Exception, match=r"zlib|inflate|decompress"):
        client.recv()


def test_rest_answers_gateway_bot_with_this_gateway(discord):
    response = httpx.get(
        discord.rest_url + "/gateway/bot", headers={"Authorization": f"Bot {discord.token}"}
    )
    body = response.json()
    assert body["url"] == discord.gateway_url
    assert body["shards"] == 1
    assert body["session_start_limit"]["max_concurrency"] == 1


def test_identify_uses_up_session_starts(connect, discord):
    before = discord.rest.session_start_limit["remaining"]
    client = connect()
    ready(client, discord.token)
    assert discord.rest.session_start_limit["remaining"] == before - 1
