"""What must hold of the cache after any event, good or bad: for the fuzz and bad-payload tests.

- every key is a snowflake (an int in 0..2**64-1), in every store and group;
- every cached member's user is cached, and each user's reference count equals the guilds
  whose members hold it (the bot's own user is pinned and may have none);
- every channel is found by id in `channel_guild` under its own guild, and nothing else is;
- everything reads back through the query API without an error.

`snapshot(stores)` gives everything the stores hold (the message store in its order, which
decides what it evicts; the order of the other stores is no contract), to check that a
rejected event changed nothing.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import fields
from itertools import chain
from typing import Any

from bot.cache import Cache, Stores, records
from bot.cache.ids import MAX_SNOWFLAKE

_SAMPLE = Stores.in_memory()
_NAMES = [  # the stores (not the config, nor a lock or anything else a Stores may carry)
    field.name
    for field in fields(Stores)
    if field.init and hasattr(getattr(_SAMPLE, field.name), "put")
]
_GROUPED = frozenset(name for name in _NAMES if hasattr(getattr(_SAMPLE, name), "put_many"))


def snapshot(stores: Stores) -> dict[str, Any]:
    """Every store's content: `{key: value}` (or `{group: {key: value}}`), messages in order."""
    result: dict[str, Any] = {}
    for name in _NAMES:
        store = getattr(stores, name)
        if name in _GROUPED:
            result[name] = {group: dict(store.items(group)) for group in store.groups()}
        elif name == "messages":  # its order decides what it evicts next
            result[name] = list(zip(store.keys(), store.values(), strict=True))
        else:
            result[name] = dict(zip(store.keys(), store.values(), strict=True))
    return result


def _snowflakes(keys: Any) -> bool:
    keys = list(keys)
    return set(map(type, keys)) <= {int} and (
        not keys or (min(keys) >= 0 and max(keys) <= MAX_SNOWFLAKE)
    )


def check(stores: Stores, content: dict[str, Any] | None = None, *, read_back: bool = True) -> None:
    """Raises AssertionError naming the first invariant that does not hold (`content`: the
    stores' `snapshot` if already taken; `read_back`: read everything through `Cache` too)."""
    if content is None:
        content = snapshot(stores)
    for name, value in content.items():
        if name in _GROUPED:
            assert all(value.values()), f"{name}: an empty group"
            assert _snowflakes(chain(value, *value.values())), name
        elif name != "meta":
            keys = [key for key, _ in value] if name == "messages" else value
            assert _snowflakes(keys), name
    users = content["users"]
    holders = Counter(chain.from_iterable(content["members"].values()))
    if stores.users.enabled and stores.members.enabled:
        assert holders.keys() <= users.keys(), "a member without a user"
        # the reference word: memberships in the low 31 bits, the top bit for the bot's user
        refs = {user_id: int.from_bytes(record[:4], "little") for user_id, record in users.items()}
        counts = {user_id: word & ~records.PINNED for user_id, word in refs.items()}
        assert counts == {user_id: holders.get(user_id, 0) for user_id in users}, "user refs"
        assert all(counts[u] or refs[u] & records.PINNED for u in users), "a user held by nothing"
    channel_guild = content["channel_guild"]
    channels = content["channels"]
    if stores.channels.enabled:
        located = {cid: gid for gid, items in channels.items() for cid in items}
        assert channel_guild == located, "channel_guild does not match the channels"
    for guild_id, guild in content["guilds"].items():
        assert guild.id == guild_id, (guild_id, guild.raw.get("id"))
    if read_back:  # every record decodes, every payload field the query API reads converts
        _reads_back(Cache(stores))
        for user_id, record in users.items():
            records.user_dict(user_id, record)


def _reads_back(cache: Cache) -> None:
    for guild_id in cache.guild_ids():
        cache.get_guild(guild_id)
        cache.channels_of(guild_id)
        cache.threads_of(guild_id)
        cache.members_of(guild_id)
        cache.presences_of(guild_id)
        cache.voice_states_of(guild_id)
    cache.unavailable_guilds()
    cache.messages()
    cache.me()
