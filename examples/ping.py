"""The demo bot that `shardline run` runs by default (`bot.app.demo`), under its old name.

`examples.ping:PingConsumer` keeps working for configs that name it; the example of a full bot
(slash commands, a button view, a modal, an embed, a text command) is `examples/dice.py`.
"""

from __future__ import annotations

from bot.app.demo import PingConsumer

__all__ = ["PingConsumer"]
