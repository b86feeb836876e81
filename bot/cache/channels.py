"""Applying channel and thread events. Channels live in groups by guild id (0 for DMs)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from bot.cache import ids
from bot.cache.stores import Stores
from bot.events import Update
from bot.payloads import (
    THREAD_TYPES,
    Channel,
    ChannelPinsUpdate,
    ThreadListSync,
    ThreadMember,
    ThreadMembersUpdate,
)

__all__ = [
    "DM_GROUP",
    "add_channels",
    "channel_create",
    "channel_delete",
    "channel_pins_update",
    "channel_update",
    "drop_guild_channels",
    "thread_list_sync",
    "thread_member_update",
    "thread_members_update",
    "thread_update",
]

# The group of channels without a guild (DMs, group DMs).
DM_GROUP = 0


def _group(data: Mapping[str, Any]) -> int:
    guild_id = ids.optional_key(data.get("guild_id"))
    return DM_GROUP if guild_id is None else guild_id


def _put(stores: Stores, group: int, channel: Channel) -> None:
    channel_id = ids.key(channel.raw.get("id"))
    kind = channel.raw.get("type")
    if kind is not None and type(kind) is not int:
        # the read side sorts channels from threads by it (`Cache.channels_of`)
        raise TypeError(f"channel type of type {type(kind).__name__}")
    ids.optional_key(channel.raw.get("parent_id"))  # later deletes and syncs compare it
    previous = stores.channel_guild.get(channel_id)
    if previous is not None and previous != group:  # never two copies of one channel
        stores.channels.pop(previous, channel_id)
    stores.channels.put(group, channel_id, channel)
    stores.channel_guild.put(channel_id, group)


def add_channels(stores: Stores, guild_id: int, channels: Iterable[Mapping[str, Any]]) -> None:
    """Caches a guild's channels or threads; GUILD_CREATE's lack `guild_id`: it is set here."""
    for raw in channels:
        if raw.get("id") is None:
            continue
        _put(stores, guild_id, Channel({**raw, "guild_id": guild_id}))


def drop_guild_channels(stores: Stores, guild_id: int) -> None:
    """Forgets a guild's channels and threads."""
    for channel_id in stores.channels.pop_group(guild_id):
        stores.channel_guild.pop(channel_id)


def _locate(stores: Stores, data: Mapping[str, Any]) -> tuple[int, int, Channel | None]:
    channel_id = ids.key(data["id"])
    # Where the cache put it wins over the payload's guild_id (absent on DM channels).
    group_id = stores.channel_guild.get(channel_id)
    if group_id is None:
        group_id = _group(data)
    return group_id, channel_id, stores.channels.get(group_id, channel_id)


def channel_create(stores: Stores, data: Mapping[str, Any], shard_id: int) -> Channel:
    """CHANNEL_CREATE and THREAD_CREATE: the new channel."""
    channel = Channel(data)
    _put(stores, _group(data), channel)
    return channel


def channel_update(stores: Stores, data: Mapping[str, Any], shard_id: int) -> Update:
    """CHANNEL_UPDATE: Update(old channel or None, new channel)."""
    group, _, old = _locate(stores, data)
    new = Channel(data)
    _put(stores, group, new)
    return Update(old, new)


def thread_update(stores: Stores, data: Mapping[str, Any], shard_id: int) -> Update:
    """THREAD_UPDATE: Update(old thread or None, new); fields THREAD_CREATE gave (the bot's
    thread `member`) are kept."""
    group, _, old = _locate(stores, data)
    new = Channel({**old.raw, **data}) if old is not None else Channel(data)
    _put(stores, group, new)
    return Update(old, new)


def channel_delete(stores: Stores, data: Mapping[str, Any], shard_id: int) -> Channel:
    """CHANNEL_DELETE and THREAD_DELETE: the old channel, or the payload's if not cached.
    A deleted channel's threads go with it."""
    group, channel_id, old = _locate(stores, data)
    stores.channels.pop(group, channel_id)
    stores.channel_guild.pop(channel_id)
    if data.get("type") not in THREAD_TYPES:
        for thread_id, thread in stores.channels.items(group):
            if thread.raw.get("parent_id") is not None and thread.parent_id == channel_id:
                stores.channels.pop(group, thread_id)
                stores.channel_guild.pop(thread_id)
    return old if old is not None else Channel(data)


def channel_pins_update(
    stores: Stores, data: Mapping[str, Any], shard_id: int
) -> ChannelPinsUpdate:
    """CHANNEL_PINS_UPDATE: sets the cached channel's `last_pin_timestamp`."""
    channel_id = ids.key(data["channel_id"])
    group = stores.channel_guild.get(channel_id)
    old = stores.channels.get(group, channel_id) if group is not None else None
    if old is not None and group is not None:
        raw = {**old.raw, "last_pin_timestamp": data.get("last_pin_timestamp")}
        stores.channels.put(group, channel_id, Channel(raw))
    return ChannelPinsUpdate(data)


def thread_list_sync(stores: Stores, data: Mapping[str, Any], shard_id: int) -> ThreadListSync:
    """THREAD_LIST_SYNC: the guild's threads under the synced channels (all of them when
    `channel_ids` is absent) are replaced by the ones sent."""
    guild_id = ids.key(data["guild_id"])
    parents = {ids.key(c) for c in data["channel_ids"]} if data.get("channel_ids") else None
    for thread_id, thread in stores.channels.items(guild_id):
        if thread.is_thread and (parents is None or thread.parent_id in parents):
            stores.channels.pop(guild_id, thread_id)
            stores.channel_guild.pop(thread_id)
    members = {ids.key(m["id"]): m for m in data.get("members") or () if m.get("id") is not None}
    for raw in data.get("threads") or ():
        thread_id = ids.key(raw["id"])
        member = members.get(thread_id)
        fields = {**raw, "guild_id": guild_id}
        if member is not None:
            fields["member"] = member
        _put(stores, guild_id, Channel(fields))
    return ThreadListSync(data)


def thread_member_update(stores: Stores, data: Mapping[str, Any], shard_id: int) -> ThreadMember:
    """THREAD_MEMBER_UPDATE (the bot's own thread membership): kept on the cached thread."""
    thread_id = ids.optional_key(data.get("id"))
    group = stores.channel_guild.get(thread_id) if thread_id is not None else None
    if thread_id is not None and group is not None:
        old = stores.channels.get(group, thread_id)
        if old is not None:
            stores.channels.put(group, thread_id, Channel({**old.raw, "member": data}))
    return ThreadMember(data)


def thread_members_update(
    stores: Stores, data: Mapping[str, Any], shard_id: int
) -> ThreadMembersUpdate:
    """THREAD_MEMBERS_UPDATE: the cached thread's `member_count` follows."""
    thread_id = ids.key(data["id"])
    group = ids.key(data["guild_id"])
    old = stores.channels.get(group, thread_id)
    if old is not None and "member_count" in data:
        raw = {**old.raw, "member_count": data["member_count"]}
        stores.channels.put(group, thread_id, Channel(raw))
    return ThreadMembersUpdate(data)
