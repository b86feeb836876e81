"""Applying one gateway event to the cache: a pure function of the stores and the payload that
returns what consumers get (`bot.events` says what that is for each event).

`apply` never raises for bad input and never drops an event: an unknown event passes with its
raw data (debug log); a payload the cache cannot use changes nothing (every write of its
handler is undone), is logged (`cache.payload_rejected`, naming the event and the shard) and is
passed on as its payload type, so the consumers still see it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import partial
from typing import Any, NamedTuple

import structlog

from bot.cache import channels, guilds, members, messages
from bot.cache.journal import StoreFailed, journal_of
from bot.cache.stores import Stores
from bot.events import CATALOGUE, payload_of
from bot.gateway.normalise import LAZY_EVENTS

__all__ = ["HANDLERS", "Applied", "apply"]

log = structlog.get_logger(__name__)


class Applied(NamedTuple):
    """What consumers get: the event name (GUILD_CREATE may become GUILD_AVAILABLE or
    GUILD_UNAVAILABLE) and its data."""

    name: str
    data: Any


_new_applied = partial(tuple.__new__, Applied)
"""`Applied(name, data)` made in C (a NamedTuple's `__new__` is Python code): MESSAGE_CREATE's."""

Handler = Callable[[Stores, Mapping[str, Any], int], Any]

# Handlers that return `(name, data)` because they may rename the event.
_RENAMING: dict[str, Handler] = {
    "READY": guilds.ready,
    "GUILD_CREATE": guilds.guild_create,
}

HANDLERS: dict[str, Handler] = {
    "GUILD_UPDATE": guilds.guild_update,
    "GUILD_DELETE": guilds.guild_delete,
    "GUILD_ROLE_CREATE": guilds.guild_role_create,
    "GUILD_ROLE_UPDATE": guilds.guild_role_update,
    "GUILD_ROLE_DELETE": guilds.guild_role_delete,
    "GUILD_EMOJIS_UPDATE": guilds.guild_emojis_update,
    "GUILD_STICKERS_UPDATE": guilds.guild_stickers_update,
    "CHANNEL_CREATE": channels.channel_create,
    "CHANNEL_UPDATE": channels.channel_update,
    "CHANNEL_DELETE": channels.channel_delete,
    "CHANNEL_PINS_UPDATE": channels.channel_pins_update,
    "THREAD_CREATE": channels.channel_create,
    "THREAD_UPDATE": channels.thread_update,
    "THREAD_DELETE": channels.channel_delete,
    "THREAD_LIST_SYNC": channels.thread_list_sync,
    "THREAD_MEMBER_UPDATE": channels.thread_member_update,
    "THREAD_MEMBERS_UPDATE": channels.thread_members_update,
    "GUILD_MEMBER_ADD": members.guild_member_add,
    "GUILD_MEMBER_UPDATE": members.guild_member_update,
    "GUILD_MEMBER_REMOVE": members.guild_member_remove,
    "GUILD_MEMBERS_CHUNK": members.guild_members_chunk,
    "PRESENCE_UPDATE": members.presence_update,
    "USER_UPDATE": members.user_update,
    "VOICE_STATE_UPDATE": members.voice_state_update,
    "MESSAGE_CREATE": messages.message_create,
    "MESSAGE_UPDATE": messages.message_update,
    "MESSAGE_DELETE": messages.message_delete,
    "MESSAGE_DELETE_BULK": messages.message_delete_bulk,
}


def apply(stores: Stores, name: str, data: Any, shard_id: int) -> Applied:
    """Applies event `name` with payload `data` from shard `shard_id`; returns what consumers
    get. The only writer of `stores` must be the one caller (the CacheActor).

    All or nothing: if the handler raises on a bad payload, every write it made is undone
    (`bot.cache.journal`), the failure is logged (`cache.payload_rejected`) and the event still
    goes on to the consumers as received. It never raises for a payload; a store that fails a
    write (`StoreFailed`) has the event undone and its error raised again (the CacheActor
    crashes and is restarted over the same stores).
    """
    renaming = _RENAMING.get(name)
    handler = HANDLERS.get(name) if renaming is None else None
    if renaming is None and handler is None:
        if name not in CATALOGUE:
            log.debug("event_unknown", event_name=name, shard=shard_id)
        return Applied(name, payload_of(name, data))
    if type(data) is not dict and not isinstance(data, Mapping):
        log.warning(
            "cache.payload_rejected",
            event_name=name,
            shard=shard_id,
            reason="not a map",
            undone=0,
            passed_on=True,
        )
        return Applied(name, data)
    if name in messages.UNJOURNALED:
        assert handler is not None
        try:  # a refusal comes before the first write: nothing to undo (`bot.cache.messages`)
            return _new_applied((name, handler(stores, data, shard_id)))
        except Exception as exc:
            return _refused(stores, name, data, shard_id, exc, 0)
    journal = journal_of(stores)
    journal.begin()
    try:
        if renaming is not None:
            result = Applied(*renaming(journal.stores, data, shard_id))
        else:
            assert handler is not None
            result = Applied(name, handler(journal.stores, data, shard_id))
    except StoreFailed as failed:  # not the payload: the writer crashes (and is restarted)
        journal.rollback()
        raise failed.error from None
    except Exception as exc:  # any payload the cache cannot take: undone, logged, passed on
        return _refused(stores, name, data, shard_id, exc, journal.rollback())
    journal.commit()
    return result


def _refused(
    stores: Stores, name: str, data: Mapping[str, Any], shard_id: int, exc: Exception, undone: int
) -> Applied:
    """Logs a refused payload (its `undone` writes already undone) and returns what consumers
    get: the name it would have had (the GUILD_CREATE split reads only the stores), and the
    payload as received."""
    renamed = guilds.guild_create_name(stores, data) if name == "GUILD_CREATE" else name
    applied = Applied(renamed, payload_of(renamed, data, lazy=name in LAZY_EVENTS))
    log.warning(
        "cache.payload_rejected",
        event_name=name,
        passed_on_as=applied.name,
        shard=shard_id,
        reason=type(exc).__name__,
        detail=str(exc)[:200],
        undone=undone,
        passed_on=True,
    )
    return applied
