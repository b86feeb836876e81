"""The store contract every backend passes (in-memory here; Redis later runs the same suite)."""

from __future__ import annotations

import gc
import random
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


def test_bounded_store_skips_keys_popped_before_their_turn() -> None:
    store: BoundedDictStore[bytes] = BoundedDictStore(3)
    for key in (1, 2, 3):
        store.put(key, b"%d" % key)
    assert store.pop(2) == b"2" and store.pop(2) is None
    store.put(2, b"again")  # newest now: its first insert must not evict it
    store.put(4, b"4")
    assert store.keys() == [3, 2, 4]
    store.put(5, b"5")
    store.put(6, b"6")
    assert store.keys() == [4, 5, 6] and store.get(2) is None


def test_bounded_store_matches_a_reference_over_random_operations() -> None:
    rng = random.Random(7)
    store: BoundedDictStore[int] = BoundedDictStore(50)
    reference: dict[int, int] = {}
    for step in range(50_000):
        key = rng.randrange(200)
        if rng.random() < 0.2:
            assert store.pop(key) == reference.pop(key, None)
            continue
        if key not in reference and len(reference) >= 50:
            del reference[next(iter(reference))]
        reference[key] = step
        store.put(key, step)
        if step % 997 == 0:
            saved = store.snapshot()
            store.put(10_000 + step, 0)
            store.restore(saved)
        assert len(store) == len(reference)
    assert store.keys() == list(reference) and store.values() == list(reference.values())


def test_a_full_bounded_store_of_bytes_is_not_walked_by_the_garbage_collector() -> None:
    # gc walks every tracked container on each full collection: a store of 100,000 messages
    # in an OrderedDict added 15 ms to each
    store: BoundedDictStore[bytes] = BoundedDictStore(1_000)
    for key in range(5_000):
        store.put(key, b"message")
    store.pop(4_999)
    assert not gc.is_tracked(store._data) and not gc.is_tracked(store._stale)
    assert len(gc.get_referents(store._log)) <= 1  # an array of C integers: nothing to visit


def test_null_stores_keep_nothing() -> None:
    kv: KeyValueStore[Any] = NullStore()
    grouped: GroupedStore[Any] = NullGroupedStore()
    kv.put(1, "a")
    grouped.put(1, 1, "a")
    grouped.put_many(1, [(2, "b")])
    assert not kv.enabled and kv.get(1) is None and len(kv) == 0 and kv.keys() == []
    assert not grouped.enabled and grouped.get(1, 1) is None and grouped.total() == 0
