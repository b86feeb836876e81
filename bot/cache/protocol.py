"""The store interfaces the cache is written against, so another backend (Redis) can stand
behind them (docs/style.md, principle 5). Keys are ints (snowflakes); values are opaque to the
store.

Thread contract of every implementation: one writer (the CacheActor) and any number of readers
on other threads. A reader never sees a half-written value and never gets an exception because
of a concurrent write; `items`, `keys` and `values` return snapshots, never live views.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Protocol, TypeVar

__all__ = ["BatchKeyValueStore", "GroupedStore", "KeyValueStore"]

V = TypeVar("V")


class KeyValueStore(Protocol[V]):
    """A map from an int key to a value (guilds by id, users by id, messages by id...)."""

    enabled: bool

    def get(self, key: int) -> V | None:
        """The value under `key`, or None."""
        ...

    def put(self, key: int, value: V) -> None:
        """Sets `key` to `value` (a bounded store may evict its oldest entry)."""
        ...

    def pop(self, key: int) -> V | None:
        """Removes `key`; returns what it held, or None."""
        ...

    def keys(self) -> list[int]:
        """A snapshot of the keys, oldest first."""
        ...

    def values(self) -> list[V]:
        """A snapshot of the values, oldest first."""
        ...

    def __len__(self) -> int: ...

    def clear(self) -> None:
        """Removes everything."""
        ...


class BatchKeyValueStore(KeyValueStore[V], Protocol[V]):
    """A `KeyValueStore` that also reads and writes many keys at once (the packed users store:
    a GUILD_CREATE's users are one batch, not a write per user). Optional: the cache checks
    for `get_many` and writes key by key without it."""

    def get_many(self, keys: Iterable[int]) -> dict[int, V]:
        """The values of those `keys` the store holds."""
        ...

    def update_many(self, items: Mapping[int, V], known: Mapping[int, V] | None = None) -> None:
        """Sets many keys at once. `known`: what `get_many` gave for these keys just before,
        if the caller has it (the store need not look them up again)."""
        ...


class GroupedStore(Protocol[V]):
    """A map from (group, key) to a value: members and presences by (guild, user), channels
    and roles by (guild, id). A whole group can be read or dropped at once."""

    enabled: bool

    def get(self, group: int, key: int) -> V | None:
        """The value under (group, key), or None."""
        ...

    def put(self, group: int, key: int, value: V) -> None:
        """Sets (group, key) to `value`."""
        ...

    def put_many(self, group: int, items: Iterable[tuple[int, V]]) -> None:
        """Sets many keys of one group (a GUILD_CREATE or a members chunk)."""
        ...

    def pop(self, group: int, key: int) -> V | None:
        """Removes (group, key); returns what it held, or None. An emptied group goes away."""
        ...

    def pop_group(self, group: int) -> dict[int, V]:
        """Removes a whole group; returns what it held."""
        ...

    def items(self, group: int) -> list[tuple[int, V]]:
        """A snapshot of one group's (key, value) pairs."""
        ...

    def count(self, group: int) -> int:
        """How many keys one group holds."""
        ...

    def groups(self) -> list[int]:
        """A snapshot of the groups."""
        ...

    def total(self) -> int:
        """How many values all groups hold together."""
        ...

    def clear(self) -> None:
        """Removes everything."""
        ...
