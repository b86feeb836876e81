"""The simulator behaves as Discord does where a bot of any library would notice the difference."""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import erlpack
import httpx
import pytest
import websocket

from bot.testing import FakeDiscord, GatewayConfig, Scenario, World, serve_forever
from tests.bot.testing.client import DEFAULT_INTENTS, RawClient

GUILDS, GUILD_MESSAGES, GUILD_PRESENCES, MESSAGE_CONTENT = 1, 1 << 9, 1 << 8, 1 << 15
DIRECT_MESSAGES, GUILD_MESSAGE_REACTIONS = 1 << 12, 1 << 10


@pytest.fixture
def discord() -> Iterator[FakeDiscord]:
    config = GatewayConfig(heartbeat_interval_ms=5000, world=World(guild_count=2))
    with FakeDiscord(config=config) as fake:
        yield fake


def http(discord: FakeDiscord, token: str | None = "yes") -> httpx.Client:
    headers = {"Authorization": f"Bot {discord.token}"} if token else {}
    return httpx.Client(base_url=discord.rest_url, headers=headers, timeout=5)


def ready(discord: FakeDiscord, intents: int = DEFAULT_INTENTS, **extra: Any) -> RawClient:
    """A client that identified and read READY and its GUILD_CREATEs."""
    client = RawClient(discord.gateway_url)
    client.recv()
    data = {"token": discord.token, "intents": intents, "properties": {"os": "linux"}, **extra}
    client.send({"op": 2, "d": data})
    first = client.recv()
    assert first["t"] == "READY"
    client.guilds = [client.recv()["d"] for _ in first["d"]["guilds"]]  # type: ignore[attr-defined]
    client.ready = first["d"]  # type: ignore[attr-defined]
    return client


def test_get_gateway_needs_no_token_and_gateway_bot_does(discord: FakeDiscord) -> None:
    with http(discord, token=None) as client:
        assert client.get("/gateway").json() == {"url": discord.gateway_url}
        assert client.get("/gateway/bot").status_code == 401


def test_users_me_and_ready_agree_on_the_bot(discord: FakeDiscord) -> None:
    client = ready(discord)
    try:
        with http(discord) as rest:
            me = rest.get("/users/@me").json()
        user = client.ready["user"]  # type: ignore[attr-defined]
        assert (str(user["id"]), user["username"]) == (me["id"], me["username"])
        # The bot is a member of each of its guilds, in GUILD_CREATE and over REST.
        for guild in client.guilds:  # type: ignore[attr-defined]
            assert any(str(m["user"]["id"]) == me["id"] for m in guild["members"])
            with http(discord) as rest:
                got = rest.get(f"/guilds/{guild['id']}/members/{me['id']}")
            assert got.status_code == 200
    finally:
        client.close()


def test_etf_event_names_are_atoms(discord: FakeDiscord) -> None:
    ws = websocket.create_connection(discord.gateway_url + "/?v=10&encoding=etf", timeout=5)
    try:
        hello = erlpack.unpack(ws.recv())
        assert hello[erlpack.Atom("t")] is None
        token = {"token": discord.token, "intents": DEFAULT_INTENTS, "properties": {}}
        ws.send_binary(erlpack.pack({"op": 2, "d": token}))
        ready_frame = erlpack.unpack(ws.recv())
        assert isinstance(ready_frame[erlpack.Atom("t")], erlpack.Atom)
        assert ready_frame[erlpack.Atom("t")] == "READY"
    finally:
        ws.close()


def test_a_second_resume_does_not_replay_the_first_resumed(discord: FakeDiscord) -> None:
    first = ready(discord)
    session_id = first.ready["session_id"]  # type: ignore[attr-defined]
    first.close()
    names = []
    for _ in range(2):
        client = RawClient(discord.gateway_url)
        client.recv()
        client.send({"op": 6, "d": {"token": discord.token, "session_id": session_id, "seq": 1}})
        got = client.recv_until(lambda p: p["t"] == "RESUMED")
        names.append([p["t"] for p in got])
        client.close()
    assert names[0] == ["GUILD_CREATE", "GUILD_CREATE", "RESUMED"]
    assert names[1] == ["GUILD_CREATE", "GUILD_CREATE", "RESUMED"]  # not the first RESUMED


def test_a_client_that_stops_heartbeating_is_closed_and_may_resume() -> None:
    config = GatewayConfig(heartbeat_interval_ms=100, heartbeat_grace=0.1, world=World(1, 1))
    with FakeDiscord(config=config) as discord:
        client = ready(discord)
        try:
            session_id = client.ready["session_id"]  # type: ignore[attr-defined]
            assert client.close_code() == 4000  # silent for two intervals: a zombie
            kinds = [v.kind for v in discord.violations]
            assert kinds == ["heartbeat_late", "zombie"]
        finally:
            client.close()
        # As the docs say, the client must resume, and it can.
        again = RawClient(discord.gateway_url)
        try:
            again.recv()
            resume = {"token": discord.token, "session_id": session_id, "seq": 2}
            again.send({"op": 6, "d": resume})
            assert again.recv()["t"] == "RESUMED"
        finally:
            again.close()


def test_intents_filter_dispatches_and_empty_content(discord: FakeDiscord) -> None:
    client = ready(discord, intents=GUILDS | GUILD_MESSAGES | DIRECT_MESSAGES)
    try:
        world = discord.config.world
        bot_id = str(world.bot_user_id)
        guild_id = world.guild_id(0)
        assert discord.dispatch("TYPING_START", {"guild_id": str(guild_id), "user_id": "1"}) == 0
        plain = world.message_create(1, guild_id)
        mention = {**world.message_create(2, guild_id), "mentions": [world.bot_user()]}
        own = {**world.message_create(3, guild_id), "author": world.bot_user()}
        dm = {k: v for k, v in world.message_create(4, guild_id).items() if k != "guild_id"}
        for message in (plain, mention, own, dm):
            discord.dispatch("MESSAGE_CREATE", message)
        got = [client.recv()["d"] for _ in range(4)]
        assert [g["content"] for g in got] == ["", "message 2", "message 3", "message 4"]
        assert str(got[2]["author"]["id"]) == bot_id
    finally:
        client.close()


def test_guild_create_members_follow_presences_and_large_threshold() -> None:
    config = GatewayConfig(heartbeat_interval_ms=5000, identify_window=0.0, world=World(1, 60))
    with FakeDiscord(config=config) as discord:
        counts = []
        for intents, threshold in ((GUILDS, 250), (GUILDS | GUILD_PRESENCES, 250)):
            client = ready(discord, intents=intents, large_threshold=threshold)
            (guild,) = client.guilds  # type: ignore[attr-defined]
            counts.append((len(guild["members"]), guild["member_count"], guild["large"]))
            client.close()
        client = ready(discord, intents=GUILDS | GUILD_PRESENCES)  # large_threshold 50
        (guild,) = client.guilds  # type: ignore[attr-defined]
        counts.append((len(guild["members"]), guild["member_count"], guild["large"]))
        client.close()
    # Without GUILD_PRESENCES only the bot; with it everyone; past large_threshold only the bot.
    assert counts == [(1, 61, False), (61, 61, False), (1, 61, True)]


def test_the_bots_own_messages_and_reactions_come_back(discord: FakeDiscord) -> None:
    client = ready(discord, intents=DEFAULT_INTENTS | GUILD_MESSAGE_REACTIONS)
    try:
        channel = discord.config.world.channel_id(0)
        with http(discord) as rest:
            sent = rest.post(f"/channels/{channel}/messages", json={"content": "hi"}).json()
            rest.put(f"/channels/{channel}/messages/{sent['id']}/reactions/%F0%9F%91%8D/@me")
        created = client.recv()
        assert (created["t"], str(created["d"]["id"])) == ("MESSAGE_CREATE", sent["id"])
        assert "member" in created["d"]  # in a guild, with the author's member
        reaction = client.recv()
        assert reaction["t"] == "MESSAGE_REACTION_ADD"
        assert reaction["d"]["emoji"] == {"id": None, "name": "\N{THUMBS UP SIGN}"}
    finally:
        client.close()


def test_a_streamed_message_can_be_fetched_and_its_author_too(discord: FakeDiscord) -> None:
    client = ready(discord)
    try:
        discord.stream_messages(3)
        got = [client.recv()["d"] for _ in range(3)]
        with http(discord) as rest:
            for message in got:
                path = f"/channels/{message['channel_id']}/messages/{message['id']}"
                fetched = rest.get(path)
                assert fetched.status_code == 200
                assert fetched.json()["content"] == message["content"]
                author = message["author"]["id"]
                member = rest.get(f"/guilds/{message['guild_id']}/members/{author}")
                assert member.status_code == 200
            unsent = discord.config.world.message_create(99, discord.config.world.guild_id(0))
            path = f"/channels/{unsent['channel_id']}/messages/{unsent['id']}"
            assert rest.get(path).status_code == 404  # never streamed: not there
    finally:
        client.close()


def test_a_dispatched_message_can_be_replied_to_fetched_and_reacted_to(
    discord: FakeDiscord,
) -> None:
    client = ready(discord)
    try:
        message = discord.config.world.message_create(5, discord.config.world.guild_id(1))
        discord.dispatch("MESSAGE_CREATE", message)
        client.recv()
        channel, message_id = message["channel_id"], message["id"]
        with http(discord) as rest:
            assert rest.get(f"/channels/{channel}/messages/{message_id}").status_code == 200
            reply = rest.post(
                f"/channels/{channel}/messages",
                json={"content": "re", "message_reference": {"message_id": message_id}},
            )
            assert reply.status_code == 200
            assert reply.json()["referenced_message"]["id"] == message_id
            reacted = rest.put(f"/channels/{channel}/messages/{message_id}/reactions/x/@me")
            assert reacted.status_code == 204
            author = message["author"]["id"]
            guild = message["guild_id"]
            assert rest.get(f"/guilds/{guild}/members/{author}").status_code == 200
    finally:
        client.close()


def test_a_later_client_of_simulate_gets_ready_before_reconnect() -> None:
    simulator = SimpleNamespace(
        guilds=1,
        members_per_guild=1,
        messages=2,
        heartbeat_interval_ms=5000,
        reconnect=True,
        gateway_port=0,
        rest_port=0,
    )
    stop, started = threading.Event(), threading.Event()
    found: list[FakeDiscord] = []

    def on_ready(discord: FakeDiscord) -> None:
        found.append(discord)
        started.set()

    thread = threading.Thread(
        target=serve_forever,
        args=(SimpleNamespace(simulator=simulator, token=None),),
        kwargs={"stop": stop, "out": io.StringIO(), "ready": on_ready},
    )
    thread.start()
    try:
        assert started.wait(10)
        discord = found[0]
        discord.config.identify_window = 0.0  # the second IDENTIFY comes at once
        for _ in range(2):  # the second client comes after the first one left
            client = RawClient(discord.gateway_url)
            client.recv()
            client.identify(discord.token)
            names = [p["t"] for p in client.recv_until(lambda p: p["op"] == 7)]
            assert names == ["READY", "GUILD_CREATE", "MESSAGE_CREATE", "MESSAGE_CREATE", None]
            client.close()
    finally:
        stop.set()
        thread.join(10)
    assert not thread.is_alive()


def test_what_the_bot_changes_over_rest_reaches_it_over_the_gateway(discord: FakeDiscord) -> None:
    members = 1 << 1
    client = ready(discord, intents=DEFAULT_INTENTS | members | (1 << 2) | GUILD_MESSAGE_REACTIONS)
    try:
        world = discord.config.world
        guild, user = world.guild_id(0), world.user(0, 1)["id"]
        with http(discord) as rest:
            channel = rest.post(f"/guilds/{guild}/channels", json={"name": "new"}).json()
            rest.patch(f"/channels/{channel['id']}", json={"name": "renamed"})
            role = rest.post(f"/guilds/{guild}/roles", json={"name": "mods"}).json()
            rest.put(f"/guilds/{guild}/members/{user}/roles/{role['id']}")
            rest.delete(f"/guilds/{guild}/roles/{role['id']}")
            rest.put(f"/guilds/{guild}/bans/{user}")
            rest.delete(f"/channels/{channel['id']}")
        names = [client.recv()["t"] for _ in range(8)]
        assert names == [
            "CHANNEL_CREATE",
            "CHANNEL_UPDATE",
            "GUILD_ROLE_CREATE",
            "GUILD_MEMBER_UPDATE",
            "GUILD_ROLE_DELETE",
            "GUILD_BAN_ADD",
            "GUILD_MEMBER_REMOVE",
            "CHANNEL_DELETE",
        ]
    finally:
        client.close()


def test_all_members_need_guild_members_and_scenario_guilds_answer_too(
    discord: FakeDiscord,
) -> None:
    without = ready(discord, intents=GUILDS | GUILD_MESSAGES)
    world_guild = str(discord.config.world.guild_id(0))
    try:
        without.send({"op": 8, "d": {"guild_id": world_guild, "query": "", "limit": 0}})
        assert discord.wait_for_violation("members_intent_required", timeout=5)
    finally:
        without.close()
    discord.config.identify_window = 0.0
    client = ready(discord)  # with GUILD_MEMBERS
    try:
        scenario = Scenario(discord, timeout=5)
        guild = scenario.guild(name="made")
        alice = scenario.user(name="alice")
        scenario.join(alice, guild)
        client.send({"op": 8, "d": {"guild_id": guild["id"], "query": "al", "limit": 5}})
        chunk = client.recv_until(lambda p: p["t"] == "GUILD_MEMBERS_CHUNK")[-1]["d"]
        assert [str(m["user"]["id"]) for m in chunk["members"]] == [alice["id"]]
    finally:
        client.close()
