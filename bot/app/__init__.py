"""The application layer: the `Bot` facade, the tree, the runner, the CLI and the status screen.

The arrows run one way, and `tests/test_layering.py` checks them:

    supervisors  <-  bot's pure Discord layer  <-  actors  <-  bot.app

The pure layer (`bot.gateway`, `bot.cache`, `bot.api`, `bot.payloads`, `bot.events`,
`bot.config`, `bot.testing`, `bot.log`) imports neither `actors` nor `bot.app`; `actors` imports the
pure layer and `supervisors`; only this package puts them all together.
"""

from __future__ import annotations

from bot.app.ending import BotFailed
from bot.app.facade import Bot, BotState, ShardStatus

__all__ = ["Bot", "BotFailed", "BotState", "ShardStatus"]
