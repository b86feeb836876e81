"""Every kind of payload the simulator sends, collected from one tour of a running FakeDiscord.

A bare client identifies with every intent; a `Scenario` makes a guild, a channel, a thread, a
role, users who join, talk, react and use a command; the bot side posts, edits, reacts and
deletes through REST and asks for members. `tour(discord)` returns the dispatches the client got
(name, data) and the REST answers (kind, body), for the field-table and the library-model tests.
"""

from __future__ import annotations

from typing import Any

import httpx

from bot.testing import FakeDiscord, Scenario
from bot.testing.gateway_config import VALID_INTENTS
from tests.bot.testing.client import RawClient

__all__ = ["tour"]


def tour(discord: FakeDiscord) -> tuple[list[tuple[str, Any]], list[tuple[str, Any]]]:
    """Plays the tour; returns (dispatches, REST answers)."""
    client = RawClient(discord.gateway_url, plain=True)
    try:
        client.recv()
        client.identify(discord.token, intents=VALID_INTENTS)
        ready = client.recv()
        dispatches: list[tuple[str, Any]] = [(ready["t"], ready["d"])]
        dispatches += [(p["t"], p["d"]) for p in (client.recv() for _ in ready["d"]["guilds"])]
        scenario = Scenario(discord, timeout=5)
        guild = scenario.guild(name="Tour")
        channel = scenario.channel(guild, name="general")
        scenario.channel(guild, name="thread", type=11, parent=channel)
        role = scenario.role(guild, name="mods")
        alice, bob = scenario.user(name="alice"), scenario.user(name="bob")
        scenario.join(alice, guild, roles=[role])
        scenario.join(bob, guild)
        said = scenario.say(alice, channel, f"hello <@{bob['id']}>").message
        scenario.react(bob, said, "\N{GRINNING FACE}")
        scenario.slash(alice, "tour", {"who": bob, "n": 2, "flag": True}, channel=channel)
        scenario.leave(bob, guild)
        rest_answers: list[tuple[str, Any]] = []
        with httpx.Client(
            base_url=discord.rest_url,
            headers={"Authorization": f"Bot {discord.token}"},
            timeout=5,
        ) as rest:
            posted = rest.post(f"/channels/{channel['id']}/messages", json={"content": "hi"})
            message_id = posted.json()["id"]
            path = f"/channels/{channel['id']}/messages/{message_id}"
            rest.patch(path, json={"content": "edited"})
            rest.put(f"{path}/reactions/%F0%9F%91%8D/@me")
            rest.delete(path)
            rest_answers += [
                ("message", posted.json()),
                ("user", rest.get("/users/@me").json()),
                ("application", rest.get("/oauth2/applications/@me").json()),
                ("guild", rest.get(f"/guilds/{guild['id']}").json()),
                ("channel", rest.get(f"/channels/{channel['id']}").json()),
                ("member", rest.get(f"/guilds/{guild['id']}/members/{alice['id']}").json()),
            ]
            for item in rest.get(f"/guilds/{guild['id']}/roles").json():
                rest_answers.append(("role", item))
        client.send({"op": 8, "d": {"guild_id": guild["id"], "query": "", "limit": 0}})
        client.send(
            {
                "op": 4,
                "d": {"guild_id": guild["id"], "channel_id": None, "self_mute": False},
            }
        )
        seen = {name for name, _ in dispatches}
        wanted = {"GUILD_MEMBERS_CHUNK", "VOICE_STATE_UPDATE", "MESSAGE_DELETE"}
        while not wanted <= seen:
            payload = client.recv()
            if payload["op"] == 0:
                dispatches.append((payload["t"], payload["d"]))
                seen.add(payload["t"])
        return dispatches, rest_answers
    finally:
        client.close()
