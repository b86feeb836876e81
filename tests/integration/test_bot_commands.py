"""Bot-level gateway commands on two shards: request_guild_members and update_presence."""

from __future__ import annotations

from pathlib import Path

from bot.app import Bot
from tests.integration.consumers import WAIT
from tests.integration.helpers import running, wait_ready, write_config

RECORDER = "tests.integration.consumers:Recorder"
GUILDS, MEMBERS, SHARDS = 4, 3, 2
OP_PRESENCE_UPDATE, OP_REQUEST_GUILD_MEMBERS = 3, 8


def test_request_guild_members_goes_to_the_guilds_shard_and_presence_to_every_shard(
    tmp_path: Path,
) -> None:
    config = write_config(
        tmp_path,
        [RECORDER],
        simulator={"shards": SHARDS, "guilds": GUILDS, "members_per_guild": MEMBERS},
        bot={"intents": ["nonprivileged", "guild_members"]},
    )
    bot = Bot.from_config(config)
    with running(bot):
        wait_ready(bot, GUILDS)
        simulator = bot.simulator
        world = simulator.config.world
        for shard_id in range(SHARDS):
            for guild_id in world.guild_ids(shard_id, SHARDS):
                members = bot.request_guild_members(guild_id, query="", timeout=WAIT)
                assert members.guild_id == guild_id
                got = sorted(int(m["user"]["id"]) for m in members.members)
                index = world.guild_index(guild_id)
                assert index is not None
                everyone = [world.bot_user_id] + [world.user_id(index, n) for n in range(MEMBERS)]
                assert got == sorted(everyone)  # the bot is a member of its guilds too
                (sent,) = [
                    r
                    for r in simulator.received(OP_REQUEST_GUILD_MEMBERS)
                    if int(r.data["guild_id"]) == guild_id
                ]
                assert sent.shard_id == shard_id

        bot.update_presence({"since": None, "activities": [], "status": "idle", "afk": False})
        simulator.wait_for_received(OP_PRESENCE_UPDATE, count=SHARDS, timeout=WAIT)
        presences = simulator.received(OP_PRESENCE_UPDATE)
        assert sorted(r.shard_id for r in presences) == list(range(SHARDS))
        assert all(r.data["status"] == "idle" for r in presences)
