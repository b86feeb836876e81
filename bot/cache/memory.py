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

from array import array
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

    Why a plain dict and a log of keys: evicting the first key of a dict leaves a hole at the
    front of its entry table that `next(iter(d))` walks over until the next resize (at a
    limit of 100,000, tens of us per eviction), and an `OrderedDict`, which pops its first key
    at once, is a container the garbage collector walks entry by entry on every full
    collection (15 ms at 100,000), where a dict of ints to bytes is not tracked at all. So the
    insertion order lives in `_log`, an `array` of keys (not tracked either): a key popped
    before its turn leaves its entry in the log, counted in `_stale`, and the eviction skips it.
    """

    __slots__ = ("_head", "_log", "_stale", "limit")

    def __init__(self, limit: int) -> None:
        super().__init__()
        if limit < 1:
            raise ValueError(f"limit must be at least 1, got {limit}")
        self.limit = limit
        self._log = array("Q")  # keys in insertion order, from `_head` on
        self._head = 0
        self._stale: dict[int, int] = {}  # key -> entries of the log older than its live one

    def put(self, key: int, value: V) -> None:
        data = self._data
        if key not in data:
            if len(data) >= self.limit:
                self._evict()
            self._log.append(key)
        data[key] = value

    def _evict(self) -> None:
        log, stale = self._log, self._stale
        while True:
            key = log[self._head]
            self._head += 1
            count = stale.get(key)
            if count is None:
                break
            if count == 1:
                del stale[key]
            else:
                stale[key] = count - 1
        del self._data[key]
        if self._head >= 4096 and self._head * 2 >= len(log):
            del log[: self._head]  # one memmove, every so many evictions
            self._head = 0

    def pop(self, key: int) -> V | None:
        value = self._data.pop(key, None)
        if value is not None:
            self._stale[key] = self._stale.get(key, 0) + 1
        return value

    def clear(self) -> None:
        self._data.clear()
        self._log = array("Q")
        self._head = 0
        self._stale.clear()

    def snapshot(self) -> tuple[dict[int, V], array[int], dict[int, int]]:
        """A copy of the entries and their order (to undo a failed event exactly)."""
        return self._data.copy(), self._log[self._head :], self._stale.copy()

    def restore(self, snapshot: tuple[dict[int, V], array[int], dict[int, int]]) -> None:
        """Makes `snapshot` (from `snapshot()`, not used again) the store's entries."""
        self._data, self._log, self._stale = snapshot
        self._head = 0  # the snapshot's log starts at its head


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
