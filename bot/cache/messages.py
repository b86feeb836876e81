"""Applying message events to the bounded message store."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.cache import ids
from bot.cache.stores import Stores
from bot.events import Update
from bot.payloads import Message, MessageDelete

__all__ = ["message_create", "message_delete", "message_delete_bulk", "message_update"]


def _checked(raw: Mapping[str, Any]) -> int:
    """The id of a message about to be cached; its guild and channel ids are checked too
    (GUILD_DELETE and CHANNEL_DELETE compare them later)."""
    ids.optional_key(raw.get("guild_id"))
    ids.optional_key(raw.get("channel_id"))
    return ids.key(raw.get("id"))


def message_create(stores: Stores, data: Mapping[str, Any], shard_id: int) -> Message:
    """MESSAGE_CREATE: the message; the store keeps the last `message_limit` ones."""
    message = Message(data)
    stores.messages.put(_checked(data), message)
    return message


def message_update(stores: Stores, data: Mapping[str, Any], shard_id: int) -> Update:
    """MESSAGE_UPDATE: Update(old or None, new); new is the cached message with the changes
    laid over (older gateways sent only the changed fields)."""
    message_id = ids.key(data["id"])
    old = stores.messages.get(message_id)
    new = Message({**old.raw, **data}) if old is not None else Message(data)
    if old is not None or "author" in data:
        _checked(new.raw)
        stores.messages.put(message_id, new)
    return Update(old, new)


def message_delete(
    stores: Stores, data: Mapping[str, Any], shard_id: int
) -> Message | MessageDelete:
    """MESSAGE_DELETE: the old message, or `MessageDelete` (ids only) if not cached."""
    old = stores.messages.pop(ids.key(data["id"]))
    return old if old is not None else MessageDelete(data)


def message_delete_bulk(
    stores: Stores, data: Mapping[str, Any], shard_id: int
) -> tuple[Message | MessageDelete, ...]:
    """MESSAGE_DELETE_BULK: for each id, the old message or a `MessageDelete`."""
    base = {key: data[key] for key in ("channel_id", "guild_id") if key in data}
    result: list[Message | MessageDelete] = []
    for raw_id in data.get("ids") or ():
        old = stores.messages.pop(ids.key(raw_id))
        result.append(old if old is not None else MessageDelete({"id": raw_id, **base}))
    return tuple(result)
