"""The demo bot the default config runs: answers `!ping`, `!echo`, `!guilds` and `!whoami`.

It ships inside the package, so the defaults work wherever Shardline is installed:
`shardline run` with no config plays a scripted session against the built-in simulator and
checks that every command got its reply (`consumers = ["bot.app.demo:PingConsumer"]`).
Each reply is sent as a Discord reply to the command (`reply_to`), so it points at its command.
"""

from __future__ import annotations

from bot import Consumer, Event
from bot.payloads import Message

__all__ = ["PingConsumer"]


class PingConsumer(Consumer):
    """Answers a few text commands; every event runs in its own short-lived worker."""

    events = frozenset({"MESSAGE_CREATE"})

    def handle_event(self, event: Event) -> None:
        match event:
            case Event("MESSAGE_CREATE", msg) if msg.content == "!ping":
                latency = event.shard.latency
                shown = f" ({latency * 1000:.0f} ms)" if latency is not None else ""
                self.reply(msg, f"pong{shown}")
            case Event("MESSAGE_CREATE", msg) if msg.content.startswith("!echo "):
                self.reply(msg, msg.content[len("!echo ") :])
            case Event("MESSAGE_CREATE", msg) if msg.content == "!guilds":
                count = len(self.cache.guilds()) if self.cache is not None else 0
                self.reply(msg, f"I am in {count} guilds")
            case Event("MESSAGE_CREATE", msg) if msg.content == "!whoami":
                self.reply(msg, f"you are <@{msg.author.id}>")

    def reply(self, msg: Message, content: str) -> None:
        """Posts `content` in the message's channel as a reply to it."""
        self.api.create_message(msg.channel_id, content=content, reply_to=msg.id)
