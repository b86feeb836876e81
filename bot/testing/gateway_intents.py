"""Intents as Discord applies them to what a session receives: which dispatches it gets, and
which message fields it sees without MESSAGE_CONTENT.

https://discord.com/developers/docs/events/gateway#gateway-intents : each event belongs to an
intent (the catalogue `bot.events.CATALOGUE` names it; message, reaction, typing and poll events
outside a guild belong to the DIRECT_* twin). A session without the intent does not get it.
https://discord.com/developers/docs/events/gateway#message-content-intent : without
MESSAGE_CONTENT, `content`, `embeds`, `attachments`, `components` and `poll` arrive empty, except
in DMs, in messages that mention the bot and in the bot's own messages.
"""

from __future__ import annotations

from typing import Any

from bot.events import CATALOGUE
from bot.gateway.intents import Intents

__all__ = ["intent_allows", "visible_message"]

# The DM twin of each guild message intent.
_DIRECT = {
    "GUILD_MESSAGES": "DIRECT_MESSAGES",
    "GUILD_MESSAGE_REACTIONS": "DIRECT_MESSAGE_REACTIONS",
    "GUILD_MESSAGE_TYPING": "DIRECT_MESSAGE_TYPING",
    "GUILD_MESSAGE_POLLS": "DIRECT_MESSAGE_POLLS",
}
_CONTENT_EVENTS = frozenset({"MESSAGE_CREATE", "MESSAGE_UPDATE"})
_EMPTIED: dict[str, Any] = {
    "content": "",
    "embeds": [],
    "attachments": [],
    "components": [],
}


def required_intent(name: str, data: Any) -> int | None:
    """The intent bit event `name` needs (None: every session gets it)."""
    spec = CATALOGUE.get(name)
    if spec is None or spec.intent is None:
        return None
    intent = spec.intent
    in_guild = isinstance(data, dict) and data.get("guild_id") is not None
    if not in_guild and intent in _DIRECT:
        intent = _DIRECT[intent]
    return int(Intents[intent])


def intent_allows(intents: int, name: str, data: Any) -> bool:
    """Whether a session identified with `intents` receives dispatch `name` with `data`."""
    bit = required_intent(name, data)
    return bit is None or bool(intents & bit)


def visible_message(intents: int, bot_user_id: str, name: str, data: Any) -> Any:
    """The dispatch data as the session sees it: a message's content fields emptied without
    MESSAGE_CONTENT, unless it is a DM, mentions the bot or is the bot's own."""
    if name not in _CONTENT_EVENTS or intents & Intents.MESSAGE_CONTENT:
        return data
    if not isinstance(data, dict) or data.get("guild_id") is None:
        return data
    if str((data.get("author") or {}).get("id")) == bot_user_id:
        return data
    if any(str(user.get("id")) == bot_user_id for user in data.get("mentions") or ()):
        return data
    emptied = {**data, **{key: value for key, value in _EMPTIED.items() if key in data}}
    emptied.pop("poll", None)
    return emptied
