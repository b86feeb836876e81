"""The store contract every backend passes (in-memory here; Redis later runs the same suite)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from bot.cache.memory import BoundedDictStore, DictStore, GroupedDictStore
from bot.cache.null import NullGroupedStore, NullStore
from bot.cache.protocol import GroupedStore, KeyValueStore

KV_BACKENDS: dict[str, Callable[[], KeyValueStore[Any]]] = {
    "dict": DictStore,
    "bounded": lambda: BoundedDictStore(100),
}
GROUPED_BACKENDS: dict[str, Callable[[], GroupedStore[Any]]] = {"dict": GroupedDictStore}


@pytest.fixture(params=list(KV_BACKENDS))
def kv(request: pytest.FixtureRequest) -> KeyValueStore[Any]:
    return KV_BACKENDS[request.param]()


@pytest.fixture(params=list(GROUPED_BACKENDS))
def grouped(request: pytest.FixtureRequest) -> GroupedStore[Any]:
    return GROUPED_BACKENDS[request.param]()


def test_key_value_contract(kv: KeyValueStore[Any]) -> None:
    assert kv.enabled and kv.get(1) is None and len(kv) == 0
    kv.put(1, "a")
    kv.put(2, "b")
    kv.put(1, "c")
    assert kv.get(1) == "c" and kv.keys() == [1, 2] and kv.values() == ["c", "b"]
    assert kv.pop(1) == "c" and kv.pop(1) is None and len(kv) == 1
    snapshot = kv.keys()
    kv.put(3, "d")
    assert snapshot == [2]  # a snapshot, not a live view
    kv.clear()
    assert len(kv) == 0


def test_grouped_contract(grouped: GroupedStore[Any]) -> None:
    assert grouped.enabled and grouped.get(1, 1) is None
    grouped.put(1, 10, "a")
    grouped.put_many(1, [(11, "b"), (12, "c")])
    grouped.put_many(2, [(10, "x")])
    assert grouped.count(1) == 3 and grouped.total() == 4
    assert sorted(grouped.groups()) == [1, 2]
    assert dict(grouped.items(1)) == {10: "a", 11: "b", 12: "c"}
    assert grouped.pop(2, 10) == "x" and grouped.groups() == [1]  # emptied group goes away
    assert grouped.pop_group(1) == {10: "a", 11: "b", 12: "c"}
    assert grouped.pop_group(1) == {} and grouped.total() == 0


def test_bounded_store_evicts_the_oldest_insert() -> None:
    store: BoundedDictStore[str] = BoundedDictStore(2)
    store.put(1, "a")
    store.put(2, "b")
    store.put(1, "a2")  # a replace keeps its place
    store.put(3, "c")
    assert store.keys() == [2, 3]
    with pytest.raises(ValueError):
        BoundedDictStore(0)


def test_null_stores_keep_nothing() -> None:
    kv: KeyValueStore[Any] = NullStore()
    grouped: GroupedStore[Any] = NullGroupedStore()
    kv.put(1, "a")
    grouped.put(1, 1, "a")
    grouped.put_many(1, [(2, "b")])
    assert not kv.enabled and kv.get(1) is None and len(kv) == 0 and kv.keys() == []
    assert not grouped.enabled and grouped.get(1, 1) is None and grouped.total() == 0
