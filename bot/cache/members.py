"""Applying member, user, presence and voice events (and the bulk adds of GUILD_CREATE)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, cast

import structlog

from bot.cache import ids, records
from bot.cache.protocol import BatchKeyValueStore
from bot.cache.stores import Stores
from bot.cache.views import member_view, presence_view, user_view
from bot.events import Update
from bot.payloads import GuildMembersChunk, Member, Presence, User, VoiceState

__all__ = [
    "add_members",
    "add_presences",
    "add_voice_states",
    "drop_guild_people",
    "guild_member_add",
    "guild_member_remove",
    "guild_member_update",
    "guild_members_chunk",
    "pin_user",
    "presence_update",
    "user_update",
    "voice_state_update",
]

log = structlog.get_logger(__name__)

# A presence with this status is not kept: large guilds send only the others, and keeping
# offline ones would grow without bound (`gateway.mdx`, large_threshold).
OFFLINE = "offline"


def _merged(user_id: int, record: bytes | None, user: Mapping[str, Any], delta: int) -> Any:
    """The user record after `delta` more references and the given fields laid over the cached
    ones, or None if nothing changes."""
    if record is None:
        return records.pack_user(user, delta) if delta > 0 else None
    refs = max(records.user_refs(record) + delta, 0)
    if len(user) > 1:  # more than `id`: refresh the fields
        fields = user if "username" in user else {**records.user_dict(user_id, record), **user}
        return records.pack_user(fields, refs)
    if delta:
        return records.with_refs(record, refs)
    return None


def _merge_user(stores: Stores, user_id: int, user: Mapping[str, Any], delta: int) -> None:
    """Adds `delta` references to a user and lays the given fields over the cached ones."""
    users = stores.users
    if not users.enabled:
        return
    record = _merged(user_id, users.get(user_id), user, delta)
    if record is not None:
        users.put(user_id, record)


def _merge_users(
    stores: Stores, user_ids: list[int], users: list[Mapping[str, Any]], deltas: list[int]
) -> None:
    """`_merge_user` for each (user id, user, delta) in order, written as one batch where the
    users store takes batches (`PackedKeys`: one new run rather than a write per user)."""
    store = stores.users
    if not store.enabled or not user_ids:
        return
    if not hasattr(store, "get_many"):
        for user_id, user, delta in zip(user_ids, users, deltas, strict=True):
            _merge_user(stores, user_id, user, delta)
        return
    batched = cast(BatchKeyValueStore[bytes], store)
    known = batched.get_many(user_ids)
    changed: dict[int, bytes] = {}
    merged, pack_user = _merged, records.pack_user
    for user_id, user, delta in zip(user_ids, users, deltas, strict=True):
        # Its record so far: from earlier in this batch (a user listed twice), else the store's.
        record = changed.get(user_id) or known.get(user_id)
        if record is None:  # a user new to the cache: most of a storm's (`_merged`, inlined)
            if delta > 0:
                changed[user_id] = pack_user(user, delta)
            continue
        record = merged(user_id, record, user, delta)
        if record is not None:
            changed[user_id] = record
    batched.update_many(changed, known)


def _unreffed(record: bytes) -> bytes | None:
    """The user record with one reference less, or None when the user goes (its last
    membership, and not the bot's own user)."""
    refs = records.user_refs(record)
    if refs & ~records.PINNED <= 1 and not refs & records.PINNED:
        return None
    return records.with_refs(record, max(refs - 1, records.PINNED & refs))


def _unref_user(stores: Stores, user_id: int) -> None:
    users = stores.users
    record = users.get(user_id)
    if record is None:
        return
    kept = _unreffed(record)
    if kept is None:
        users.pop(user_id)
    else:
        users.put(user_id, kept)


def _unref_users(stores: Stores, user_ids: list[int]) -> None:
    """`_unref_user` for each of `user_ids` (distinct), as a batch where the store takes one."""
    users = stores.users
    if not hasattr(users, "get_many"):
        for user_id in user_ids:
            _unref_user(stores, user_id)
        return
    batched = cast(BatchKeyValueStore[bytes], users)
    changed: dict[int, bytes] = {}
    known = batched.get_many(user_ids)
    for user_id, record in known.items():
        kept = _unreffed(record)
        if kept is None:
            users.pop(user_id)
        else:
            changed[user_id] = kept
    batched.update_many(changed, known)


def pin_user(stores: Stores, user: Mapping[str, Any]) -> int:
    """Caches the bot's own user (READY, USER_UPDATE) so that it is never dropped."""
    user_id = ids.key(user["id"])
    stores.meta.put(0, user_id)
    record = stores.users.get(user_id)
    refs = records.user_refs(record) if record is not None else 0
    stores.users.put(user_id, records.pack_user(user, refs | records.PINNED))
    return user_id


def add_members(stores: Stores, guild_id: int, members: Iterable[Mapping[str, Any]]) -> None:
    """Caches members (GUILD_CREATE, chunks); each new membership refers to its user once.

    The members go to their store in one `put_many` and their users in one batch: a new
    guild's members become one packed block (`bot.cache.packed`). Parallel lists rather than
    a tuple per member: what stays alive during the call is a few objects, not thousands
    for the garbage collector to count and walk."""
    if not stores.members.enabled:
        return
    # A guild with no member cached (a GUILD_CREATE: its old members were just dropped)
    # needs no lookup per member.
    get = stores.members.get if stores.members.count(guild_id) else None
    pack = records.pack_member
    key = ids.key
    packed: dict[int, bytes] = {}
    user_ids: list[int] = []
    users: list[Mapping[str, Any]] = []
    deltas: list[int] = []
    skipped = 0
    safe = ids.SAFE_DIGITS
    for member in members:
        user: Mapping[str, Any] = member.get("user") or {}
        raw_id = user.get("id")
        # `ids.key`, without its call, for the usual id ("".isdigit() is False)
        if type(raw_id) is str and len(raw_id) <= safe and raw_id.isdigit() and raw_id.isascii():
            user_id = int(raw_id)
        elif raw_id is None:  # seen in a real v6 capture: a user without id
            skipped += 1
            continue
        else:
            user_id = key(raw_id)
        # a user listed twice is one membership: referred to once
        new = user_id not in packed and (get is None or get(guild_id, user_id) is None)
        user_ids.append(user_id)
        users.append(user)
        deltas.append(1 if new else 0)
        packed[user_id] = pack(member)
    _merge_users(stores, user_ids, users, deltas)
    stores.members.put_many(guild_id, packed.items())
    if skipped:
        log.debug("members_skipped", guild=guild_id, count=skipped, reason="no user id")


def add_presences(stores: Stores, guild_id: int, presences: Iterable[Mapping[str, Any]]) -> None:
    """Caches the non-offline presences of a guild."""
    if not stores.presences.enabled:
        return
    stores.presences.put_many(
        guild_id,
        [
            (ids.key(p["user"]["id"]), records.pack_presence(p))
            for p in presences
            if p.get("status") != OFFLINE and (p.get("user") or {}).get("id") is not None
        ],
    )


def add_voice_states(stores: Stores, guild_id: int, states: Iterable[Mapping[str, Any]]) -> None:
    """Caches voice states (GUILD_CREATE's lack `guild_id`: it is set here)."""
    if not stores.voice_states.enabled:
        return
    stores.voice_states.put_many(
        guild_id,
        [
            (ids.key(s["user_id"]), VoiceState({**s, "guild_id": guild_id}))
            for s in states
            if s.get("channel_id") is not None and s.get("user_id") is not None
        ],
    )


def drop_guild_people(stores: Stores, guild_id: int) -> None:
    """Forgets a guild's members (releasing their users), presences and voice states."""
    _unref_users(stores, list(stores.members.pop_group(guild_id)))
    stores.presences.pop_group(guild_id)
    stores.voice_states.pop_group(guild_id)


def _count(stores: Stores, guild_id: int, delta: int) -> None:
    guild = stores.guilds.get(guild_id)
    if guild is not None and "member_count" in guild.raw:
        raw = {**guild.raw, "member_count": max(int(guild.raw["member_count"]) + delta, 0)}
        stores.guilds.put(guild_id, type(guild)(raw))


def guild_member_add(stores: Stores, data: Mapping[str, Any], shard_id: int) -> Member:
    """GUILD_MEMBER_ADD: the new member (it may already be known: then it is refreshed)."""
    guild_id = ids.key(data["guild_id"])
    known = stores.members.get(guild_id, ids.key(data["user"]["id"])) is not None
    add_members(stores, guild_id, (data,))
    if not known:
        _count(stores, guild_id, 1)
    return Member(data)


def guild_member_update(stores: Stores, data: Mapping[str, Any], shard_id: int) -> Update:
    """GUILD_MEMBER_UPDATE: Update(old member or None, new member); the user is refreshed."""
    guild_id = ids.key(data["guild_id"])
    user_id = ids.key(data["user"]["id"])
    old = member_view(stores, guild_id, user_id)
    merged = {**old.raw, **data} if old is not None else dict(data)
    merged["guild_id"] = guild_id
    if old is not None or "joined_at" in data:
        add_members(stores, guild_id, (merged,))
    else:
        _merge_user(stores, user_id, data["user"], 0)
    return Update(old, Member(merged))


def guild_member_remove(stores: Stores, data: Mapping[str, Any], shard_id: int) -> Member:
    """GUILD_MEMBER_REMOVE: the old member, or a Member of `{guild_id, user}` if not cached."""
    guild_id = ids.key(data["guild_id"])
    user_id = ids.key(data["user"]["id"])
    old = member_view(stores, guild_id, user_id)
    if stores.members.pop(guild_id, user_id) is not None:
        _unref_user(stores, user_id)
        _count(stores, guild_id, -1)
    stores.presences.pop(guild_id, user_id)
    stores.voice_states.pop(guild_id, user_id)
    return old if old is not None else Member(data)


def guild_members_chunk(
    stores: Stores, data: Mapping[str, Any], shard_id: int
) -> GuildMembersChunk:
    """GUILD_MEMBERS_CHUNK: fills members and presences; consumers get the chunk."""
    guild_id = ids.key(data["guild_id"])
    add_members(stores, guild_id, data.get("members") or ())
    add_presences(stores, guild_id, data.get("presences") or ())
    return GuildMembersChunk(data)


def presence_update(stores: Stores, data: Mapping[str, Any], shard_id: int) -> Update:
    """PRESENCE_UPDATE: Update(old presence or None, new). `user` may be partial (only `id`
    is sure): the fields it carries refresh the cached user."""
    user = data.get("user") or {}
    user_id = ids.optional_key(user.get("id"))
    guild_id = ids.optional_key(data.get("guild_id"))
    if user_id is None:
        return Update(None, Presence(data))
    _merge_user(stores, user_id, user, 0)
    if guild_id is None:  # v6 friend presences carry no guild
        return Update(None, Presence(data))
    old = presence_view(stores, guild_id, user_id)
    if data.get("status") == OFFLINE:
        stores.presences.pop(guild_id, user_id)
    else:
        stores.presences.put(guild_id, user_id, records.pack_presence(data))
    return Update(old, Presence(data))


def user_update(stores: Stores, data: Mapping[str, Any], shard_id: int) -> Update:
    """USER_UPDATE (the bot's own user): Update(old user or None, new)."""
    user_id = ids.key(data["id"])
    old = user_view(stores, user_id)
    pin_user(stores, data)
    return Update(old, User(data))


def voice_state_update(stores: Stores, data: Mapping[str, Any], shard_id: int) -> Update:
    """VOICE_STATE_UPDATE: Update(old state or None, new); a null channel removes it."""
    guild_id = ids.optional_key(data.get("guild_id"))
    user_id = ids.key(data["user_id"])
    new = VoiceState(data)
    if guild_id is None:  # a DM call
        return Update(None, new)
    old = stores.voice_states.get(guild_id, user_id)
    if data.get("channel_id") is None:
        stores.voice_states.pop(guild_id, user_id)
    else:
        stores.voice_states.put(guild_id, user_id, new)
    return Update(old, new)
