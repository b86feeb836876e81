"""In-memory stores: plain dicts, one writer, lock-free readers.

These hold the small stores (guilds, channels, roles, messages...). Members, users and
presences, the big ones, are packed into blocks instead (`bot.cache.packed`).

Why this is safe for readers on other threads without a lock (CPython with the GIL): a single
`dict.get`, `dict[k] = v`, `dict.pop` or `dict.copy`/`list(dict.items())` on int keys runs in
C without releasing the GIL and without calling Python code, so it is atomic. Values are
immutable (bytes, tuples, payloads whose raw mapping is never mutated once stored), so a
reader that got a value holds a whole one. Readers iterate snapshots, never the live dict.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Generic, TypeVar

__all__ = ["BoundedDictStore", "DictStore", "GroupedDictStore"]

V = TypeVar("V")


class DictStore(Generic[V]):
    """A `KeyValueStore` on one dict."""

    __slots__ = ("_data", "enabled")

    def __init__(self) -> None:
        self.enabled = True
        self._data: dict[int, V] = {}

    def get(self, key: int) -> V | None:
        return self._data.get(key)

    def put(self, key: int, value: V) -> None:
        self._data[key] = value

    def pop(self, key: int) -> V | None:
        return self._data.pop(key, None)

    def keys(self) -> list[int]:
        return list(self._data)

    def values(self) -> list[V]:
        return list(self._data.values())

    def __len__(self) -> int:
        return len(self._data)

    def clear(self) -> None:
        self._data.clear()


class BoundedDictStore(DictStore[V]):
    """A `KeyValueStore` that keeps at most `limit` entries, evicting the oldest insert.

    Replacing an existing key keeps its place (an edited message is not 'newer').
    """

    __slots__ = ("limit",)

    def __init__(self, limit: int) -> None:
        super().__init__()
        if limit < 1:
            raise ValueError(f"limit must be at least 1, got {limit}")
        self.limit = limit

    def put(self, key: int, value: V) -> None:
        data = self._data
        if key not in data and len(data) >= self.limit:
            del data[next(iter(data))]
        data[key] = value

    def snapshot(self) -> dict[int, V]:
        """A copy of the entries in their order (to undo a failed event exactly)."""
        return self._data.copy()

    def restore(self, snapshot: dict[int, V]) -> None:
        """Makes `snapshot` (from `snapshot()`, not used again) the store's entries."""
        self._data = snapshot


class GroupedDictStore(Generic[V]):
    """A `GroupedStore` as a dict of dicts; a group is created on first put, dropped when empty."""

    __slots__ = ("_groups", "enabled")

    def __init__(self) -> None:
        self.enabled = True
        self._groups: dict[int, dict[int, V]] = {}

    def get(self, group: int, key: int) -> V | None:
        members = self._groups.get(group)
        return None if members is None else members.get(key)

    def put(self, group: int, key: int, value: V) -> None:
        members = self._groups.get(group)
        if members is None:
            self._groups[group] = {key: value}
        else:
            members[key] = value

    def put_many(self, group: int, items: Iterable[tuple[int, V]]) -> None:
        members = self._groups.get(group)
        if members is None:
            # Built whole, then published in one assignment; an empty group is not made.
            fresh = dict(items)
            if fresh:
                self._groups[group] = fresh
        else:
            members.update(items)

    def pop(self, group: int, key: int) -> V | None:
        members = self._groups.get(group)
        if members is None:
            return None
        value = members.pop(key, None)
        if not members:
            self._groups.pop(group, None)
        return value

    def pop_group(self, group: int) -> dict[int, V]:
        return self._groups.pop(group, None) or {}

    def items(self, group: int) -> list[tuple[int, V]]:
        members = self._groups.get(group)
        return [] if members is None else list(members.items())

    def count(self, group: int) -> int:
        members = self._groups.get(group)
        return 0 if members is None else len(members)

    def groups(self) -> list[int]:
        return list(self._groups)

    def total(self) -> int:
        return sum(len(members) for members in list(self._groups.values()))

    def clear(self) -> None:
        self._groups.clear()
