"""Applying READY and guild events: guilds, availability, roles, emojis, stickers."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.cache import ids, records
from bot.cache.channels import add_channels, drop_guild_channels
from bot.cache.members import (
    add_members,
    add_presences,
    add_voice_states,
    drop_guild_people,
    pin_user,
)
from bot.cache.protocol import GroupedStore
from bot.cache.release import release_free_memory
from bot.cache.stores import Stores
from bot.cache.views import GUILD_OWNED, guild_view
from bot.events import GUILD_AVAILABLE, GUILD_UNAVAILABLE, Update
from bot.gateway.normalise import normalise_json
from bot.payloads import Emoji, Guild, Payload, Ready, Role, Sticker, UnavailableGuild

__all__ = [
    "guild_create",
    "guild_create_name",
    "guild_delete",
    "guild_emojis_update",
    "guild_role_create",
    "guild_role_delete",
    "guild_role_update",
    "guild_stickers_update",
    "guild_update",
    "ready",
]


def ready(stores: Stores, data: Mapping[str, Any], shard_id: int) -> tuple[str, Ready]:
    """READY: pins the bot user; every listed guild is unavailable until its GUILD_CREATE."""
    if data.get("user"):
        pin_user(stores, data["user"])
    for guild in data.get("guilds") or ():
        guild_id = ids.key(guild["id"])
        stores.unavailable.put(guild_id, True)
        stores.guild_shard.put(guild_id, shard_id)
    return "READY", Ready(data)


def _put_group(
    store: GroupedStore[Any],
    guild_id: int,
    items: Any,
    cls: type[Payload],
) -> None:
    store.pop_group(guild_id)
    if store.enabled and items:
        store.put_many(
            guild_id,
            [
                (ids.key(item["id"]), cls({**item, "guild_id": guild_id}))
                for item in items
                if item.get("id") is not None
            ],
        )


def _put_expressions(stores: Stores, guild_id: int, data: Mapping[str, Any]) -> None:
    if "roles" in data:
        _put_group(stores.roles, guild_id, data["roles"], Role)
    if "emojis" in data:
        _put_group(stores.emojis, guild_id, [e for e in data["emojis"] if e.get("id")], Emoji)
    if "stickers" in data:
        _put_group(stores.stickers, guild_id, data["stickers"], Sticker)


def _drop_guild(stores: Stores, guild_id: int) -> None:
    stores.guilds.pop(guild_id)
    for store in (stores.roles, stores.emojis, stores.stickers):
        store.pop_group(guild_id)
    drop_guild_channels(stores, guild_id)
    drop_guild_people(stores, guild_id)


def guild_create_name(stores: Stores, data: Mapping[str, Any]) -> str:
    """The name GUILD_CREATE gets from the split below, read without writing (and without
    raising: a guild id that is no snowflake gives GUILD_CREATE)."""
    if data.get("unavailable"):
        return GUILD_UNAVAILABLE
    try:
        guild_id = ids.key(data.get("id"))
    except (TypeError, ValueError):
        return "GUILD_CREATE"
    return GUILD_AVAILABLE if stores.unavailable.get(guild_id) is not None else "GUILD_CREATE"


def guild_create(stores: Stores, data: Mapping[str, Any], shard_id: int) -> tuple[str, Any]:
    """GUILD_CREATE, split: GUILD_UNAVAILABLE (outage), GUILD_AVAILABLE (a guild from READY or
    back from an outage) or GUILD_CREATE (joined). Consumers get the payload as received."""
    guild_id = ids.key(data["id"])
    stores.guild_shard.put(guild_id, shard_id)
    _normalise_all_but_members(data)
    if data.get("unavailable"):
        stores.unavailable.put(guild_id, True)
        return GUILD_UNAVAILABLE, UnavailableGuild(data)
    name = GUILD_AVAILABLE if stores.unavailable.pop(guild_id) is not None else "GUILD_CREATE"
    # A guild sent again (new session, outage over) replaces all that was cached for it.
    _drop_guild(stores, guild_id)
    slim = {key: value for key, value in data.items() if key not in GUILD_OWNED}
    slim["id"] = guild_id
    if stores.guilds.enabled:
        stores.guilds.put(guild_id, Guild(slim))
    _put_expressions(stores, guild_id, data)
    add_channels(stores, guild_id, data.get("channels") or ())
    add_channels(stores, guild_id, data.get("threads") or ())
    add_members(stores, guild_id, data.get("members") or ())
    add_presences(stores, guild_id, data.get("presences") or ())
    add_voice_states(stores, guild_id, data.get("voice_states") or ())
    if name == GUILD_AVAILABLE and not len(stores.unavailable):
        release_free_memory()  # the READY's last guild: the storm's decode garbage is free
    return name, Guild.unnormalised(data)


def _normalise_all_but_members(data: Mapping[str, Any]) -> None:
    """A shard's reader leaves a GUILD_CREATE as parsed (`normalise.LAZY_EVENTS`): what the
    stores keep as payloads (the guild, channels, roles, presences...) is normalised here, in
    place; the members (most of the frame) are packed straight from it (`records.pack_member`
    takes ids as strings, and normalises what it keeps of their other fields)."""
    if type(data) is not dict:
        return
    members = data.pop("members", None)
    try:
        normalise_json(data)
    finally:
        if members is not None:
            data["members"] = members


def guild_update(stores: Stores, data: Mapping[str, Any], shard_id: int) -> Update:
    """GUILD_UPDATE: Update(old guild or None, new guild); roles and emojis sent replace."""
    guild_id = ids.key(data["id"])
    old = guild_view(stores, guild_id)
    changes = {key: value for key, value in data.items() if key not in GUILD_OWNED}
    slim = {**old.raw, **changes} if old is not None else changes
    for key in ("roles", "emojis", "stickers"):
        slim.pop(key, None)
    slim["id"] = guild_id
    if stores.guilds.enabled:
        stores.guilds.put(guild_id, Guild(slim))
    _put_expressions(stores, guild_id, data)
    new = guild_view(stores, guild_id)
    return Update(old, new if new is not None else Guild(data))


def guild_delete(stores: Stores, data: Mapping[str, Any], shard_id: int) -> Guild:
    """GUILD_DELETE: the old guild with `unavailable` from the payload. Unavailable: kept and
    marked unavailable. Otherwise (kicked, banned, left): it and what is only its go away."""
    guild_id = ids.key(data["id"])
    unavailable = bool(data.get("unavailable"))
    old = guild_view(stores, guild_id)
    result = Guild({**old.raw, "unavailable": unavailable}) if old is not None else Guild(data)
    if unavailable:
        stores.unavailable.put(guild_id, True)
        slim = stores.guilds.get(guild_id)
        if slim is not None:
            stores.guilds.put(guild_id, Guild({**slim.raw, "unavailable": True}))
        return result
    _drop_guild(stores, guild_id)
    stores.unavailable.pop(guild_id)
    stores.guild_shard.pop(guild_id)
    if stores.messages.enabled:
        for message in map(records.message_of, stores.messages.values()):
            # ids checked when it was cached (`messages._checked`); read as fields, which
            # does not normalise the whole message (`Payload.unnormalised`)
            if message.guild_id == guild_id:
                stores.messages.pop(message.id)
    return result


def _role(data: Mapping[str, Any]) -> tuple[int, int, Role]:
    guild_id = ids.key(data["guild_id"])
    role = data["role"]
    return guild_id, ids.key(role["id"]), Role({**role, "guild_id": guild_id})


def guild_role_create(stores: Stores, data: Mapping[str, Any], shard_id: int) -> Role:
    """GUILD_ROLE_CREATE: the new role (with `guild_id`)."""
    guild_id, role_id, role = _role(data)
    stores.roles.put(guild_id, role_id, role)
    return role


def guild_role_update(stores: Stores, data: Mapping[str, Any], shard_id: int) -> Update:
    """GUILD_ROLE_UPDATE: Update(old role or None, new role)."""
    guild_id, role_id, role = _role(data)
    old = stores.roles.get(guild_id, role_id)
    stores.roles.put(guild_id, role_id, role)
    return Update(old, role)


def guild_role_delete(stores: Stores, data: Mapping[str, Any], shard_id: int) -> Role:
    """GUILD_ROLE_DELETE: the old role, or `Role({id, guild_id})` if it was not cached."""
    guild_id = ids.key(data["guild_id"])
    role_id = ids.key(data["role_id"])
    old = stores.roles.pop(guild_id, role_id)
    return old if old is not None else Role({"id": role_id, "guild_id": guild_id})


def _expressions_update(
    stores: Stores,
    store: GroupedStore[Any],
    data: Mapping[str, Any],
    key: str,
    cls: type[Payload],
) -> Update:
    guild_id = ids.key(data["guild_id"])
    known = store.enabled and (store.count(guild_id) or stores.guilds.get(guild_id) is not None)
    old = tuple(item for _, item in store.items(guild_id)) if known else None
    items = data.get(key) or ()
    _put_group(store, guild_id, items, cls)
    new = tuple(cls({**item, "guild_id": guild_id}) for item in items)
    return Update(old, new)


def guild_emojis_update(stores: Stores, data: Mapping[str, Any], shard_id: int) -> Update:
    """GUILD_EMOJIS_UPDATE (the full list): Update(old tuple or None, new tuple of Emoji)."""
    return _expressions_update(stores, stores.emojis, data, "emojis", Emoji)


def guild_stickers_update(stores: Stores, data: Mapping[str, Any], shard_id: int) -> Update:
    """GUILD_STICKERS_UPDATE: Update(old tuple or None, new tuple of Sticker)."""
    return _expressions_update(stores, stores.stickers, data, "stickers", Sticker)
