"""Consumer classes for the config tests (`tests.bot.config_consumers:GoodConsumer`)."""

from __future__ import annotations

from typing import Any

from bot.config.consumers import consumer_base

# bot.Consumer when it exists, so the fixture passes the real subclass check.
_Base: Any = consumer_base() or object


class GoodConsumer(_Base):  # type: ignore[misc]
    """A consumer: subclasses bot.Consumer (when there is one) and handles events."""

    def handle_event(self, event: Any) -> None:
        pass


class NotAConsumer:
    """A class with no handle_event and no bot.Consumer base."""


not_a_class = 5
