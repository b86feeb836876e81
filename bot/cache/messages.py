"""Applying message events to the bounded message store.

Each handler here checks everything it can refuse before its first write, and its writes (dict
puts and pops of ids already checked) cannot fail: `bot.cache.apply` runs them without the undo
journal (`UNJOURNALED`). That matters for the hot path (MESSAGE_CREATE is most of a bot's
traffic) and for a full bounded store, whose undo would otherwise be a copy of the whole store
(`journal._JournaledBounded`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.cache import ids
from bot.cache.records import message_of, pack_message
from bot.cache.stores import Stores
from bot.events import Update
from bot.payloads import Message, MessageDelete

__all__ = [
    "UNJOURNALED",
    "message_create",
    "message_delete",
    "message_delete_bulk",
    "message_update",
]


def _checked(raw: Mapping[str, Any]) -> int:
    """The id of a message about to be cached; its guild and channel ids are checked too
    (GUILD_DELETE and CHANNEL_DELETE compare them later)."""
    guild_id, channel_id = raw.get("guild_id"), raw.get("channel_id")
    if guild_id is not None:  # `ids.optional_key`, without its call
        ids.key(guild_id)
    if channel_id is not None:
        ids.key(channel_id)
    return ids.key(raw.get("id"))


def message_create(stores: Stores, data: Mapping[str, Any], shard_id: int) -> Message:
    """MESSAGE_CREATE: the message; the store keeps the last `message_limit` ones."""
    message = Message.unnormalised(data)  # the reader leaves it so (`normalise.LAZY_EVENTS`)
    stores.messages.put(_checked(data), pack_message(message))
    return message


def message_update(stores: Stores, data: Mapping[str, Any], shard_id: int) -> Update:
    """MESSAGE_UPDATE: Update(old or None, new); new is the cached message with the changes
    laid over (older gateways sent only the changed fields)."""
    message_id = ids.key(data["id"])
    old = message_of(stores.messages.get(message_id))
    new = Message({**old.raw, **data}) if old is not None else Message(data)
    if old is not None or "author" in data:
        _checked(new.raw)
        stores.messages.put(message_id, pack_message(new))
    return Update(old, new)


def message_delete(
    stores: Stores, data: Mapping[str, Any], shard_id: int
) -> Message | MessageDelete:
    """MESSAGE_DELETE: the old message, or `MessageDelete` (ids only) if not cached."""
    old = message_of(stores.messages.pop(ids.key(data["id"])))
    return old if old is not None else MessageDelete(data)


def message_delete_bulk(
    stores: Stores, data: Mapping[str, Any], shard_id: int
) -> tuple[Message | MessageDelete, ...]:
    """MESSAGE_DELETE_BULK: for each id, the old message or a `MessageDelete`."""
    base = {key: data[key] for key in ("channel_id", "guild_id") if key in data}
    raw_ids = list(data.get("ids") or ())
    keys = [ids.key(raw_id) for raw_id in raw_ids]  # every id checked before the first pop
    result: list[Message | MessageDelete] = []
    for raw_id, message_id in zip(raw_ids, keys, strict=True):
        old = message_of(stores.messages.pop(message_id))
        result.append(old if old is not None else MessageDelete({"id": raw_id, **base}))
    return tuple(result)


UNJOURNALED = frozenset(
    {"MESSAGE_CREATE", "MESSAGE_UPDATE", "MESSAGE_DELETE", "MESSAGE_DELETE_BULK"}
)
"""The events whose handlers above refuse a bad payload before writing anything."""
