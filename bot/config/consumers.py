"""Imports the consumers named in `bot.consumers` ("module:Class") and checks they are consumers.

Imported lazily (only when `Config.consumer_classes()` is called), so a config loads before the
user's modules, or `bot.Consumer` itself, can be imported.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from bot.config.errors import ConfigError, ConfigErrors, ConsumerError
from bot.config.fields import type_name

if TYPE_CHECKING:
    from bot.config.schema import Config

__all__ = ["consumer_base", "import_consumer", "import_consumers"]

EXPECTED = 'a "module:Class" naming an importable subclass of bot.Consumer'


class _NotAConsumer(Exception):
    """Why one name is not a usable consumer (becomes the error's `got`)."""


def consumer_base() -> type | None:
    """`bot.Consumer` if it can be imported yet, else None (then classes are duck-typed)."""
    try:
        import bot

        base = getattr(bot, "Consumer", None)
        if base is None:
            base = getattr(importlib.import_module("actors.consumer"), "Consumer", None)
    except Exception:
        return None
    return base if isinstance(base, type) else None


def import_consumer(name: str) -> type:
    """Imports one "module:Class"; `_NotAConsumer` says what is wrong with it."""
    module_name, _, qualname = name.partition(":")
    try:
        found: Any = importlib.import_module(module_name)
    except Exception as exc:
        raise _NotAConsumer(
            f"module {module_name} that cannot be imported ({type(exc).__name__}: {exc})"
        ) from None
    for part in qualname.split("."):
        if not hasattr(found, part):
            if module_name == "bot":
                raise _NotAConsumer(
                    f"module bot, which is Shardline's own package: rename your bot.py "
                    f"(to my_bot.py, say) and name it here as my_bot:{qualname}"
                )
            raise _NotAConsumer(f"module {module_name} with no {qualname}")
        found = getattr(found, part)
    if not isinstance(found, type):
        raise _NotAConsumer(f"{name}, which is {type_name(found)}, not a class")
    base = consumer_base()
    if base is not None:
        if not issubclass(found, base):
            raise _NotAConsumer(f"{name}, which is not a subclass of bot.Consumer")
    elif not callable(getattr(found, "handle_event", None)):
        raise _NotAConsumer(f"{name}, which has no handle_event method")
    return found


def import_consumers(config: Config) -> tuple[type, ...]:
    """Imports every consumer of `config`; raises ConsumerError (ConfigErrors for several)."""
    source = dict(config.overrides).get("bot.consumers", config.source)
    classes: list[type] = []
    errors: list[ConfigError] = []
    for index, name in enumerate(config.bot.consumers):
        try:
            classes.append(import_consumer(name))
        except _NotAConsumer as exc:
            errors.append(ConsumerError(source, f"bot.consumers[{index}]", EXPECTED, str(exc)))
    if len(errors) == 1:
        raise errors[0]
    if errors:
        raise ConfigErrors(errors)
    return tuple(classes)
