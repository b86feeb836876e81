"""All or nothing for one event: stores that write through and note how to undo each write.

Why an undo journal: an event's handler writes several stores (GUILD_CREATE: the guild, its
roles, channels, members, users...) and a bad element can fail it halfway. Checking every
payload shape before writing would repeat each handler's logic; instead every write of the
event goes through these wrappers, which note what the key held before, and a failed event
is undone in reverse order. What a successful event costs is one read and one list append per
write.

`Journal(stores)` is made once per `Stores`; `journal.stores` is a `Stores` over the wrappers,
handed to the handlers. Between `begin()` and `commit()` / `rollback()` one event runs; only
the cache's one writer uses it.

The packed stores (`bot.cache.packed`) take a batch as one step: a GUILD_CREATE's members are
a new group (undone by dropping it), a batch into a known group or the users' batch saves the
state first (its blocks are immutable: what is copied is the small overlay).

Order: a rolled-back pop or eviction puts the value back as the newest entry of a plain store
(its `keys()` order is not a contract); the bounded message store, whose order decides what
is evicted next, is restored to its exact order.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import fields
from functools import partial
from typing import Any, Generic, TypeVar

from bot.cache.memory import BoundedDictStore
from bot.cache.packed import PackedGroups, PackedKeys
from bot.cache.protocol import GroupedStore, KeyValueStore
from bot.cache.stores import Stores

__all__ = ["Journal", "StoreFailed", "journal_of"]


class StoreFailed(Exception):
    """A store itself failed a write (a bug, a lost Redis connection): not the payload's fault.

    `error` is what the store raised; `apply` undoes the event and raises `error` again.
    """

    def __init__(self, error: Exception) -> None:
        super().__init__(f"store write failed: {type(error).__name__}")
        self.error = error


V = TypeVar("V")
Undo = Callable[[], Any]


class _Log:
    """The undo steps of the running event (and bounded stores already saved whole)."""

    __slots__ = ("saved", "steps")

    def __init__(self) -> None:
        self.steps: list[Undo] = []
        self.saved: set[int] = set()


class _JournaledValues(Generic[V]):
    """A `KeyValueStore` that writes through to `store` and logs how to undo each write."""

    __slots__ = ("_log", "_store", "enabled")

    def __init__(self, store: KeyValueStore[V], log: _Log) -> None:
        self._store = store
        self._log = log
        self.enabled = store.enabled

    def get(self, key: int) -> V | None:
        return self._store.get(key)

    def put(self, key: int, value: V) -> None:
        store = self._store
        if self.enabled:
            old = store.get(key)
            if old is None:
                self._log.steps.append(partial(store.pop, key))
            else:
                self._log.steps.append(partial(store.put, key, old))
        try:
            store.put(key, value)
        except Exception as exc:
            raise StoreFailed(exc) from exc

    def pop(self, key: int) -> V | None:
        store = self._store
        try:
            old = store.pop(key)
        except Exception as exc:
            raise StoreFailed(exc) from exc
        if old is not None:
            self._log.steps.append(partial(store.put, key, old))
        return old

    def keys(self) -> list[int]:
        return self._store.keys()

    def values(self) -> list[V]:
        return self._store.values()

    def __len__(self) -> int:
        return len(self._store)

    def clear(self) -> None:
        store = self._store
        saved = list(zip(store.keys(), store.values(), strict=True))
        self._log.steps.append(partial(_put_all, store, saved))
        try:
            store.clear()
        except Exception as exc:
            raise StoreFailed(exc) from exc


class _JournaledBounded(_JournaledValues[V]):
    """The bounded message store: saved whole (with its order) before its first change in an
    event that may evict or pop, since order decides what it evicts next."""

    __slots__ = ()

    def _save(self) -> None:
        log = self._log
        if id(self) in log.saved:
            return
        log.saved.add(id(self))
        store = self._store
        assert isinstance(store, BoundedDictStore)
        snapshot = store.snapshot()
        log.steps.append(partial(store.restore, snapshot))

    def put(self, key: int, value: V) -> None:
        store = self._store
        assert isinstance(store, BoundedDictStore)
        if store.get(key) is None and len(store) >= store.limit:
            self._save()
        super().put(key, value)

    def pop(self, key: int) -> V | None:
        if self._store.get(key) is not None:
            self._save()
        return super().pop(key)


class _JournaledPackedKeys(_JournaledValues[bytes]):
    """The packed users store: a batch write saves the store's state first (its runs are
    immutable: the copy is of the small overlay only), one undo step for the batch."""

    __slots__ = ()

    def get_many(self, keys: Iterable[int]) -> dict[int, bytes]:
        store = self._store
        assert isinstance(store, PackedKeys)
        return store.get_many(keys)

    def update_many(
        self, items: Mapping[int, bytes], known: Mapping[int, bytes] | None = None
    ) -> None:
        store = self._store
        assert isinstance(store, PackedKeys)
        if not items:
            return
        self._log.steps.append(partial(store.restore, store.snapshot()))
        try:
            store.update_many(items, known)
        except Exception as exc:
            raise StoreFailed(exc) from exc


class _JournaledGroups(Generic[V]):
    """A `GroupedStore` that writes through to `store` and logs how to undo each write."""

    __slots__ = ("_log", "_store", "enabled")

    def __init__(self, store: GroupedStore[V], log: _Log) -> None:
        self._store = store
        self._log = log
        self.enabled = store.enabled

    def get(self, group: int, key: int) -> V | None:
        return self._store.get(group, key)

    def put(self, group: int, key: int, value: V) -> None:
        store = self._store
        if self.enabled:
            old = store.get(group, key)
            if old is None:
                self._log.steps.append(partial(store.pop, group, key))
            else:
                self._log.steps.append(partial(store.put, group, key, old))
        try:
            store.put(group, key, value)
        except Exception as exc:
            raise StoreFailed(exc) from exc

    def put_many(self, group: int, items: Iterable[tuple[int, V]]) -> None:
        store = self._store
        if not self.enabled:
            return
        fresh = dict(items)  # a dict, not a list of tuples: nothing per item for the gc
        if not fresh:
            return
        if not store.count(group):
            self._log.steps.append(partial(store.pop_group, group))
        elif isinstance(store, PackedGroups):  # its group saved whole: no lookup per key
            self._log.steps.append(partial(store.restore_group, group, store.snapshot_group(group)))
        else:
            get = store.get
            before = [(key, get(group, key)) for key in fresh]
            self._log.steps.append(partial(_put_back, store, group, before))
        try:
            store.put_many(group, fresh.items())
        except Exception as exc:
            raise StoreFailed(exc) from exc

    def pop(self, group: int, key: int) -> V | None:
        store = self._store
        try:
            old = store.pop(group, key)
        except Exception as exc:
            raise StoreFailed(exc) from exc
        if old is not None:
            self._log.steps.append(partial(store.put, group, key, old))
        return old

    def pop_group(self, group: int) -> dict[int, V]:
        store = self._store
        try:
            old = store.pop_group(group)
        except Exception as exc:
            raise StoreFailed(exc) from exc
        if old:
            self._log.steps.append(partial(store.put_many, group, list(old.items())))
        return old

    def items(self, group: int) -> list[tuple[int, V]]:
        return self._store.items(group)

    def count(self, group: int) -> int:
        return self._store.count(group)

    def groups(self) -> list[int]:
        return self._store.groups()

    def total(self) -> int:
        return self._store.total()

    def clear(self) -> None:
        store = self._store
        saved = [(group, store.items(group)) for group in store.groups()]
        self._log.steps.append(partial(_put_groups, store, saved))
        try:
            store.clear()
        except Exception as exc:
            raise StoreFailed(exc) from exc


def _put_all(store: KeyValueStore[V], saved: list[tuple[int, V]]) -> None:
    for key, value in saved:
        store.put(key, value)


def _put_groups(store: GroupedStore[V], saved: list[tuple[int, list[tuple[int, V]]]]) -> None:
    for group, items in saved:
        store.put_many(group, items)


def _put_back(store: GroupedStore[V], group: int, before: list[tuple[int, V | None]]) -> None:
    for key, old in reversed(before):
        if old is None:
            store.pop(group, key)
        else:
            store.put(group, key, old)


class Journal:
    """Undo for the writes of one event at a time over `stores` (see the module doc)."""

    __slots__ = ("_log", "base", "parts", "stores")

    def __init__(self, stores: Stores) -> None:
        self.base = stores
        self.parts = _parts(stores)
        self._log = _Log()
        wrapped: dict[str, Any] = {}
        for field, store in zip(_FIELDS, self.parts, strict=True):
            if not _is_store(store):  # the config, a lock: what is not written goes as it is
                wrapped[field.name] = store
            elif isinstance(store, BoundedDictStore):
                wrapped[field.name] = _JournaledBounded(store, self._log)
            elif hasattr(store, "put_many"):
                wrapped[field.name] = _JournaledGroups(store, self._log)
            elif isinstance(store, PackedKeys):
                wrapped[field.name] = _JournaledPackedKeys(store, self._log)
            else:
                wrapped[field.name] = _JournaledValues(store, self._log)
        self.stores = Stores(**wrapped)

    def begin(self) -> None:
        """Starts an event: forgets the steps of the last one."""
        self._log.steps.clear()
        self._log.saved.clear()

    def commit(self) -> None:
        """Keeps what the event wrote."""
        self.begin()

    def rollback(self) -> int:
        """Undoes every write since `begin()`, newest first; returns how many were undone."""
        steps = self._log.steps
        count = len(steps)
        for step in reversed(steps):
            step()
        self.begin()
        return count


_FIELDS = tuple(field for field in fields(Stores) if field.init)


def _is_store(value: Any) -> bool:
    """A KeyValueStore or GroupedStore (by what the journal calls on it)."""
    return hasattr(value, "enabled") and hasattr(value, "put") and hasattr(value, "pop")


def _parts(stores: Stores) -> tuple[Any, ...]:
    return tuple(getattr(stores, field.name) for field in _FIELDS)


def journal_of(stores: Stores) -> Journal:
    """The Journal over `stores`, made on first use and kept on them (made again if a store
    of theirs was replaced since)."""
    journal: Journal | None = stores.journal
    if journal is None or not all(
        a is b for a, b in zip(journal.parts, _parts(stores), strict=True)
    ):
        journal = stores.journal = Journal(stores)
    return journal
