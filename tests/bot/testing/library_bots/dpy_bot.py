"""A discord.py bot as its users write it, pointed at the simulator by its URLs only.

    SIMULATOR_TOKEN=... python -m tests.bot.testing.library_bots.dpy_bot GATEWAY_URL REST_URL

It answers `!ping` with a reply (then reacts to it, fetches the message and the author's
member, reacts to the command), `!report` with a JSON summary of what its cache holds, and
`!quit` by logging out.
"""

from __future__ import annotations

import json
import os
import sys

import discord
import yarl


def main() -> None:
    gateway_url, rest_url = sys.argv[1], sys.argv[2]
    token = os.environ["SIMULATOR_TOKEN"]
    # The only changes from a bot that runs against Discord: where the API and gateway are.
    discord.http.Route.BASE = rest_url
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url + "/")

    intents = discord.Intents.default()
    intents.message_content = True
    intents.members = True
    client = discord.Client(intents=intents)
    seen = {"own": 0, "fetched": 0}

    @client.event
    async def on_message(message: discord.Message) -> None:
        if message.author == client.user:
            seen["own"] += 1
            return
        if message.content == "!ping":
            reply = await message.reply("pong")
            await reply.add_reaction("\N{THUMBS UP SIGN}")
            fetched = await message.channel.fetch_message(message.id)
            assert message.guild is not None
            member = await message.guild.fetch_member(message.author.id)
            seen["fetched"] += int(fetched.content == "!ping" and member.id == message.author.id)
            await message.add_reaction("\N{WHITE HEAVY CHECK MARK}")
        elif message.content == "!report":
            report = {
                "user": client.user.name if client.user else None,
                "application_id": str(client.application_id),
                "guilds": sorted(str(guild.id) for guild in client.guilds),
                "me_in_every_guild": all(guild.me is not None for guild in client.guilds),
                "channels": sum(len(guild.text_channels) for guild in client.guilds),
                "own_messages_seen": seen["own"],
                "fetched": seen["fetched"],
            }
            await message.channel.send(json.dumps(report))
        elif message.content == "!quit":
            await client.close()

    client.run(token, log_handler=None)


if __name__ == "__main__":
    main()
