"""Compact records for the big stores: users, members and presences as `bytes`.

Why: a guild member as plain dicts from `json.loads` takes about 800 bytes; the target is 300
with its user included. A record is one immutable `bytes` value (msgpack of the known fields
in a fixed order, then a dict of any other non-null field, usually none), and readers can never
see half of one. The member and user stores keep records side by side in packed blocks
(`bot.cache.packed`: about 12 bytes of key and offset besides the record), not as objects of
their own. Ids are the store keys, not in the record; timestamps in Discord's usual form are
kept as msgpack timestamps (a `datetime`, packed in C), avatar hashes as 16 raw bytes: a storm
member of the bench is 15 bytes, its user 28. Reading rebuilds the mapping the payload types
wrap (snowflakes as int).

A user record starts with 4 bytes: how many cached memberships refer to the user (the low 31
bits) and whether it is pinned (the top bit: the bot's own user), so a user is dropped when its
last membership goes and is shared by every guild that has it.
"""

from __future__ import annotations

import re
import struct
import threading
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from operator import itemgetter
from typing import Any

import msgspec

from bot.cache import ids
from bot.gateway.normalise import normalise_json
from bot.payloads import Message

__all__ = [
    "PINNED",
    "member_dict",
    "message_of",
    "pack_member",
    "pack_message",
    "pack_presence",
    "pack_time",
    "pack_user",
    "presence_dict",
    "unpack_time",
    "user_dict",
    "user_refs",
    "with_refs",
]

_encode = msgspec.msgpack.Encoder().encode
_decode = msgspec.msgpack.Decoder().decode
_encode_into = msgspec.msgpack.Encoder().encode_into
_buffers = threading.local()
_BUFFER_START = 4096
_BUFFER_KEPT = 1 << 16  # a writer thread keeps a buffer this big at most between messages


_REFS = struct.Struct("<I")
PINNED = 0x8000_0000
_ONE_REF = _REFS.pack(1)  # a user new to the cache: most of a storm's
_MICROS = struct.Struct("<q")
_ZERO_FRACTION = 1  # the Ext code of a timestamp written with `.000000`
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
_HASH = re.compile(r"(a_)?[0-9a-f]{32}")
_fromisoformat = datetime.fromisoformat

_MEMBER_FIELDS = (
    "joined_at",
    "premium_since",
    "avatar",
    "communication_disabled_until",
    "roles",
    "nick",
    "flags",
    "deaf",
    "mute",
    "pending",
)
_USER_FIELDS = ("username", "discriminator", "global_name", "avatar", "public_flags")
# One C call reads them all when all are there, as in the storm's members (10 `get` calls cost
# 60% more); a KeyError sends the call to a `get` each.
_member_fields: Callable[[Mapping[str, Any]], tuple[Any, ...]] = itemgetter(*_MEMBER_FIELDS)
_user_fields: Callable[[Mapping[str, Any]], tuple[Any, ...]] = itemgetter(*_USER_FIELDS)


_USER_KNOWN = frozenset(
    {"id", "username", "discriminator", "global_name", "avatar", "bot", "public_flags"}
)
_MEMBER_KNOWN = frozenset(
    {
        "user",
        "guild_id",
        "roles",
        "nick",
        "joined_at",
        "deaf",
        "mute",
        "pending",
        "premium_since",
        "flags",
        "avatar",
        "communication_disabled_until",
    }
)
_PRESENCE_KNOWN = frozenset({"user", "guild_id", "status", "client_status", "activities", "game"})
_DEAF, _MUTE, _PENDING = 1, 2, 4
_JOINED_FRACTION = 8  # joined_at had a zero fraction written out (`pack_time`'s Ext, in a bit)


def _moment(value: Any) -> datetime | None:
    """The moment an ISO timestamp in Discord's usual form names (UTC as `+00:00`, with six
    digits of fraction or none: the forms `isoformat` gives back), or None for anything else."""
    if type(value) is not str:
        return None
    size = len(value)
    # fromisoformat also reads other ISO 8601 forms (week dates...): only this one round-trips.
    # value[4:20:3] is the characters at 4, 7, 10, 13, 16 and 19: one slice, not six subscripts
    # (a storm's 100,000 joined_at: 320 -> 264 ns each).
    if (size == 32 and value[4:20:3] == "--T::." and value[26:] == "+00:00") or (
        size == 25 and value[4:17:3] == "--T::" and value[19:] == "+00:00"
    ):
        try:
            return _fromisoformat(value)
        except ValueError:
            return None
    return None


def pack_time(value: Any) -> Any:
    """An ISO timestamp as a `datetime` when that round-trips exactly (msgpack writes it as a
    10-byte timestamp, in C; a zero fraction written out, `.000000`, which `isoformat` would
    drop, becomes a msgpack Ext of int microseconds), else unchanged."""
    moment = _moment(value)
    if moment is None:
        return value
    if moment.microsecond == 0 and len(value) == 32:
        return msgspec.msgpack.Ext(_ZERO_FRACTION, _MICROS.pack((moment - _EPOCH) // _MICROSECOND))
    return moment


def unpack_time(value: Any) -> Any:
    """The ISO timestamp `pack_time` was given."""
    if type(value) is datetime:
        return value.isoformat()
    if type(value) is msgspec.msgpack.Ext and value.code == _ZERO_FRACTION:
        micros = _MICROS.unpack(value.data)[0]
        return (_EPOCH + timedelta(microseconds=micros)).isoformat(timespec="microseconds")
    return value


def _pack_hash(value: Any) -> Any:
    if type(value) is str and _HASH.fullmatch(value):
        if value.startswith("a_"):
            return b"\x01" + bytes.fromhex(value[2:])
        return bytes.fromhex(value)
    return value


def _unpack_hash(value: Any) -> Any:
    if type(value) is bytes:
        return "a_" + value[1:].hex() if len(value) == 17 else value.hex()
    return value


def _extras(data: Mapping[str, Any], known: frozenset[str]) -> dict[str, Any] | None:
    if known.issuperset(data):  # the usual case, in C (a set's own lookups: faster than keys() <=)
        return None
    extras = {k: v for k, v in data.items() if v is not None and k not in known}
    # A member of a GUILD_CREATE comes as parsed (`normalise.LAZY_EVENTS`): what is kept of
    # its other fields (avatar decorations, say) is normalised here; usually there is nothing.
    return normalise_json(extras) if extras else None


# users -----------------------------------------------------------------------------------


def pack_user(user: Mapping[str, Any], refs: int = 0) -> bytes:
    """A user record (`refs`: memberships referring to it, plus `PINNED` for the bot)."""
    try:
        username, discriminator, global_name, avatar, public_flags = _user_fields(user)
        # The five there, and "id": six keys are those six, seven with "bot" (no extras).
        size = len(user)
        plain = (size == 6 or (size == 7 and "bot" in user)) and "id" in user
    except KeyError:
        username, discriminator, global_name, avatar, public_flags = map(user.get, _USER_FIELDS)
        plain = False
    body = _encode(
        [
            username,
            discriminator,
            global_name,
            avatar if avatar is None else _pack_hash(avatar),
            bool(user.get("bot")),
            public_flags,
            None if plain or _USER_KNOWN.issuperset(user) else _extras(user, _USER_KNOWN),
        ]
    )
    return (_ONE_REF if refs == 1 else _REFS.pack(refs)) + body


def user_refs(record: bytes) -> int:
    """The reference word of a user record."""
    return int(_REFS.unpack_from(record)[0])


def with_refs(record: bytes, refs: int) -> bytes:
    """The same user record with another reference word."""
    return _REFS.pack(refs) + record[4:]


def user_dict(user_id: int, record: bytes) -> dict[str, Any]:
    """The user mapping a record holds."""
    username, discriminator, global_name, avatar, is_bot, public_flags, extras = _decode(record[4:])
    user: dict[str, Any] = {
        "id": user_id,
        "username": username,
        "discriminator": discriminator,
        "avatar": _unpack_hash(avatar),
    }
    if global_name is not None:
        user["global_name"] = global_name
    if is_bot:
        user["bot"] = True
    if public_flags is not None:
        user["public_flags"] = public_flags
    if extras:
        user.update(extras)
    return user


# members ---------------------------------------------------------------------------------


def pack_member(member: Mapping[str, Any]) -> bytes:
    """A member record (without its user, which lives in the user store).

    Written for the storm (100,000 calls): the fields are read in one call, and a field that
    is null costs no call."""
    try:
        joined, premium, avatar, timeout, roles, nick, flags, deaf, mute, pending = _member_fields(
            member
        )
        # The ten there and "user": a member of eleven keys has no others (a storm's members).
        plain = len(member) == 11 and "user" in member
    except KeyError:
        joined, premium, avatar, timeout, roles, nick, flags, deaf, mute, pending = map(
            member.get, _MEMBER_FIELDS
        )
        plain = False
    bits = (_DEAF if deaf else 0) | (_MUTE if mute else 0) | (_PENDING if pending else 0)
    if joined is not None:  # every member has one: its zero fraction goes in a bit, not an Ext
        moment = _moment(joined)
        if moment is not None:
            if moment.microsecond == 0 and len(joined) == 32:
                bits |= _JOINED_FRACTION
            joined = moment
    return _encode(
        [
            joined,
            list(map(ids.key, roles)) if roles else [],
            nick,
            bits,
            premium if premium is None else pack_time(premium),
            flags,
            avatar if avatar is None else _pack_hash(avatar),
            timeout if timeout is None else pack_time(timeout),
            None if plain or _MEMBER_KNOWN.issuperset(member) else _extras(member, _MEMBER_KNOWN),
        ]
    )


def member_dict(guild_id: int, user: Mapping[str, Any], record: bytes) -> dict[str, Any]:
    """The member mapping a record holds, with `user` and `guild_id` set."""
    joined, roles, nick, bits, premium_since, flags, avatar, timeout, extras = _decode(record)
    member: dict[str, Any] = {
        "user": user,
        "guild_id": guild_id,
        "roles": roles,
        "joined_at": (
            joined.isoformat(timespec="microseconds")
            if bits & _JOINED_FRACTION
            else unpack_time(joined)
        ),
        "deaf": bool(bits & _DEAF),
        "mute": bool(bits & _MUTE),
    }
    if nick is not None:
        member["nick"] = nick
    if bits & _PENDING:
        member["pending"] = True
    if premium_since is not None:
        member["premium_since"] = unpack_time(premium_since)
    if flags is not None:
        member["flags"] = flags
    if avatar is not None:
        member["avatar"] = _unpack_hash(avatar)
    if timeout is not None:
        member["communication_disabled_until"] = unpack_time(timeout)
    if extras:
        member.update(extras)
    return member


# presences -------------------------------------------------------------------------------


def pack_presence(presence: Mapping[str, Any]) -> bytes:
    """A presence record (status, client status, activities; v6 `game` kept as is)."""
    return _encode(
        [
            presence.get("status"),
            presence.get("client_status"),
            presence.get("activities"),
            presence.get("game"),
            _extras(presence, _PRESENCE_KNOWN),
        ]
    )


def presence_dict(guild_id: int, user: Mapping[str, Any], record: bytes) -> dict[str, Any]:
    """The presence mapping a record holds, with `user` and `guild_id` set."""
    status, client_status, activities, game, extras = _decode(record)
    presence: dict[str, Any] = {"user": user, "guild_id": guild_id, "status": status}
    if client_status is not None:
        presence["client_status"] = client_status
    if activities is not None:
        presence["activities"] = activities
    if game is not None:
        presence["game"] = game
    if extras:
        presence.update(extras)
    return presence


# messages --------------------------------------------------------------------------------


def pack_message(message: Any) -> Any:
    """A cached message as one `bytes` (msgpack of its mapping as it is, normalised or not:
    `Message.unnormalised` on reading makes either whole): about a sixth of the dicts it was
    decoded into, and nothing for the garbage collector to walk. A payload msgpack cannot hold
    (an int past 64 bits in a field the cache does not check, nesting past its depth) is kept
    as the `Message` it is."""
    # Encoded in this thread's reusable buffer and copied out at its exact size. Why not
    # `_encode`: it grows its output by doubling, then shrinks it to size. Past 512 bytes
    # (most messages) each step is a glibc `realloc` in the writer thread's arena: the doubled
    # buffer does not fit the holes evicted messages leave, so every message took fresh pages
    # from the top of the arena (a page fault each, cleared by the kernel) and RSS grew with
    # the messages seen, not the messages kept. One exact-size copy fits those holes: RSS per
    # cached message 905 -> 665 B, page clearing 6.7% -> 1.2% of the process's CPU
    # (bench/bench_peers.py, perf).
    try:
        buffer = _buffers.buffer
    except AttributeError:
        buffer = _buffers.buffer = bytearray(_BUFFER_START)
    try:
        _encode_into(message.unsettled, buffer)
    except (OverflowError, TypeError, ValueError, RecursionError):
        return message
    record = bytes(buffer)
    if len(record) > _BUFFER_KEPT:  # a huge message: its buffer is not kept for the next ones
        _buffers.buffer = bytearray(_BUFFER_START)
    return record


def message_of(record: Any) -> Any:
    """The `Message` a record of the message store holds (None stays None)."""
    if type(record) is bytes:
        return Message.unnormalised(_decode(record))
    return record
