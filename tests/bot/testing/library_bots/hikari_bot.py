"""A hikari bot as its users write it, pointed at the simulator by its REST URL only (hikari
takes the gateway URL from `GET /gateway/bot`).

    SIMULATOR_TOKEN=... python -m tests.bot.testing.library_bots.hikari_bot GATEWAY_URL REST_URL

It answers `!ping` with a reply (then reacts to it, fetches the message and the author's
member, reacts to the command), `!report` with a JSON summary of what its cache holds, and
`!quit` by closing.
"""

from __future__ import annotations

import json
import os
import sys

import hikari


def main() -> None:
    rest_url = sys.argv[2]
    token = os.environ["SIMULATOR_TOKEN"]
    intents = (
        hikari.Intents.ALL_UNPRIVILEGED
        | hikari.Intents.MESSAGE_CONTENT
        | hikari.Intents.GUILD_MEMBERS
    )
    bot = hikari.GatewayBot(token, rest_url=rest_url, intents=intents, banner=None)
    seen = {"own": 0, "fetched": 0}

    @bot.listen()
    async def on_message(event: hikari.GuildMessageCreateEvent) -> None:
        me = bot.get_me()
        if me is not None and event.author_id == me.id:
            seen["own"] += 1
            return
        message = event.message
        if message.content == "!ping":
            reply = await message.respond("pong", reply=True)
            await reply.add_reaction("\N{THUMBS UP SIGN}")
            fetched = await bot.rest.fetch_message(event.channel_id, message.id)
            member = await bot.rest.fetch_member(event.guild_id, event.author_id)
            seen["fetched"] += int(fetched.content == "!ping" and member.id == event.author_id)
            await message.add_reaction("\N{WHITE HEAVY CHECK MARK}")
        elif message.content == "!report":
            guilds = bot.cache.get_guilds_view()
            channels = bot.cache.get_guild_channels_view_for_guild
            report = {
                "user": me.username if me else None,
                "application_id": str(me.id) if me else None,
                "guilds": sorted(str(guild_id) for guild_id in guilds),
                "me_in_every_guild": me is not None
                and all(bot.cache.get_member(guild_id, me.id) is not None for guild_id in guilds),
                "channels": sum(len(channels(guild_id)) for guild_id in guilds),
                "own_messages_seen": seen["own"],
                "fetched": seen["fetched"],
            }
            await message.respond(json.dumps(report))
        elif message.content == "!quit":
            await bot.close()

    bot.run(check_for_updates=False, enable_signal_handlers=False)


if __name__ == "__main__":
    main()
