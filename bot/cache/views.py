"""Rich payloads built from the stores on read (the stores hold slim or packed records)."""

from __future__ import annotations

from typing import Any

from bot.cache import records
from bot.cache.stores import Stores
from bot.payloads import Guild, Member, Presence, User

__all__ = [
    "GUILD_OWNED",
    "guild_view",
    "member_view",
    "presence_view",
    "user_mapping",
    "user_view",
]

# GUILD_CREATE keys kept in their own stores, not in the stored guild.
GUILD_OWNED = frozenset(
    {
        "members",
        "presences",
        "channels",
        "threads",
        "voice_states",
        "roles",
        "emojis",
        "stickers",
    }
)


def guild_view(stores: Stores, guild_id: int) -> Guild | None:
    """The cached guild with its roles, emojis and stickers (None if not cached)."""
    slim = stores.guilds.get(guild_id)
    if slim is None:
        return None
    raw: dict[str, Any] = dict(slim.raw)
    if stores.roles.enabled:
        raw["roles"] = [role.raw for _, role in stores.roles.items(guild_id)]
    if stores.emojis.enabled:
        raw["emojis"] = [emoji.raw for _, emoji in stores.emojis.items(guild_id)]
    if stores.stickers.enabled:
        raw["stickers"] = [sticker.raw for _, sticker in stores.stickers.items(guild_id)]
    return Guild(raw)


def user_mapping(stores: Stores, user_id: int) -> dict[str, Any]:
    """The cached user as a mapping, or `{"id": user_id}` when the users store lacks it."""
    record = stores.users.get(user_id)
    if record is None:
        return {"id": user_id}
    return records.user_dict(user_id, record)


def user_view(stores: Stores, user_id: int) -> User | None:
    """The cached user, or None."""
    record = stores.users.get(user_id)
    return None if record is None else User(records.user_dict(user_id, record))


def member_view(
    stores: Stores, guild_id: int, user_id: int, record: bytes | None = None
) -> Member | None:
    """The cached member with its user (partial `{id}` if the users store is off)."""
    if record is None:
        record = stores.members.get(guild_id, user_id)
        if record is None:
            return None
    return Member(records.member_dict(guild_id, user_mapping(stores, user_id), record))


def presence_view(
    stores: Stores, guild_id: int, user_id: int, record: bytes | None = None
) -> Presence | None:
    """The cached presence with the cached user (partial `{id}` if not cached)."""
    if record is None:
        record = stores.presences.get(guild_id, user_id)
        if record is None:
            return None
    return Presence(records.presence_dict(guild_id, user_mapping(stores, user_id), record))
