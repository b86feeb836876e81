"""The README's "Testing your bot with the simulator" examples, kept working."""

from __future__ import annotations

from bot import Bot, Consumer, Event
from bot.testing import Scenario


class Ping(Consumer):
    events = frozenset({"MESSAGE_CREATE"})

    def handle_event(self, event: Event) -> None:
        match event:
            case Event("MESSAGE_CREATE", msg) if msg.content == "!ping":
                self.api.create_message(msg.channel_id, content="pong")


def test_ping_answers() -> None:
    config = {"gateway": {"url": "local"}, "simulator": {"heartbeat_interval_ms": 500}}
    with Bot.from_config(config, consumers=[Ping]) as bot:
        discord = bot.simulator
        discord.wait_for_ready(timeout=10)
        message = discord.config.world.message_create(1)
        message["content"] = "!ping"
        discord.dispatch("MESSAGE_CREATE", message)

        channel = message["channel_id"]
        assert discord.rest.wait_until(
            lambda: any(
                m["content"] == "pong" for m in discord.rest.state.messages[channel].values()
            ),
            timeout=10,
        )
        assert discord.violations == []
        assert discord.rest.violations == []


def test_a_user_says_ping() -> None:
    config = {"gateway": {"url": "local"}, "simulator": {"heartbeat_interval_ms": 500}}
    with Bot.from_config(config, consumers=[Ping]) as bot:
        scenario = Scenario(bot.simulator, timeout=10)
        guild = scenario.guild(name="Shop")
        channel = scenario.channel(guild, name="general")
        alice = scenario.user(name="alice")
        scenario.join(alice, guild)
        assert scenario.say(alice, channel, "!ping").reply["content"] == "pong"
