"""The packed stores (members, users): lookups in blocks, the overlay and its folding, the runs
of the users store, undo through the journal, and readers on another thread during folds."""

from __future__ import annotations

import random
import threading
from typing import Any

import pytest

from bot.cache import Stores, apply, release
from bot.cache.journal import Journal
from bot.cache.members import guild_members_chunk
from bot.cache.packed import Block, PackedGroups, PackedKeys, merge


def value(key: int, version: int = 0) -> bytes:
    """A record that names its key and version: a torn or misplaced read cannot pass for it."""
    return b"%d:%d:" % (key, version) + bytes(key % 23)


# -- Block --------------------------------------------------------------------------------


def test_a_block_finds_every_key_and_nothing_else() -> None:
    rng = random.Random(1)
    keys = [*{rng.getrandbits(64) for _ in range(300)}, 0, 2**64 - 1]
    block = Block.of({key: value(key) for key in keys})
    assert list(block.ids) == sorted(keys) and len(block) == len(keys)
    for key in keys:
        assert block.get(key) == value(key)
    for missing in (1, 2**64 - 2, *(key + 1 for key in keys[:50])):
        assert missing in keys or block.get(missing) is None
    assert block.pairs() == [(key, value(key)) for key in sorted(keys)]


def test_merge_joins_disjoint_ranges_and_sorts_interleaved_ones() -> None:
    low = Block.of({key: value(key) for key in range(10, 20)})
    high = Block.of({key: value(key) for key in range(30, 40)})
    mixed = Block.of({key: value(key) for key in range(21, 60, 2)})
    joined = merge([high, low])
    assert list(joined.ids) == [*range(10, 20), *range(30, 40)]
    assert all(joined.get(key) == value(key) for key in joined.ids)
    every = merge([low, high, Block.of({key: value(key) for key in range(41, 60, 2)})])
    assert list(every.ids) == sorted([*range(10, 20), *range(30, 40), *range(41, 60, 2)])
    # an overlay replaces (a new version) and removes (None)
    folded = merge([mixed], {21: value(21, 1), 23: None, 100: value(100)})
    assert folded.get(21) == value(21, 1) and folded.get(23) is None
    assert folded.get(100) == value(100) and len(folded) == len(mixed)


# -- PackedGroups -------------------------------------------------------------------------


def test_grouped_contract_on_records() -> None:
    store = PackedGroups()
    store.put(1, 10, b"a")
    store.put_many(1, [(11, b"b"), (12, b"c")])
    store.put_many(2, [(10, b"x")])
    assert store.count(1) == 3 and store.total() == 4
    assert sorted(store.groups()) == [1, 2]
    assert dict(store.items(1)) == {10: b"a", 11: b"b", 12: b"c"}
    assert store.pop(2, 10) == b"x" and store.groups() == [1]  # emptied group goes away
    assert store.pop_group(1) == {10: b"a", 11: b"b", 12: b"c"}
    assert store.pop_group(1) == {} and store.total() == 0


def test_a_new_group_is_one_block_and_later_writes_go_to_its_overlay() -> None:
    store = PackedGroups()
    store.put_many(7, [(key, value(key)) for key in range(1000, 0, -1)])
    state = store._groups[7]
    assert len(state.block) == 1000 and state.overlay == {}
    store.put(7, 5, value(5, 1))  # replaced
    store.put(7, 5000, value(5000))  # added
    assert store.pop(7, 6) == value(6)  # removed from the block: a tombstone
    assert store.pop(7, 6) is None and store.get(7, 6) is None
    assert state.overlay == {5: value(5, 1), 5000: value(5000), 6: None}
    assert store.get(7, 5) == value(5, 1) and store.get(7, 5000) == value(5000)
    assert store.count(7) == 1000
    assert store.pop(7, 5000) == value(5000) and 5000 not in state.overlay  # only overlaid
    store.put(7, 6, value(6, 2))  # a removed key comes back
    assert store.get(7, 6) == value(6, 2) and store.count(7) == 1000
    expected = {key: value(key) for key in range(1, 1001)} | {5: value(5, 1), 6: value(6, 2)}
    assert dict(store.items(7)) == expected


def test_the_overlay_is_folded_into_a_new_block_once_it_outgrows_an_eighth() -> None:
    store = PackedGroups()
    store.put_many(1, [(key, value(key)) for key in range(2000)])
    expected = {key: value(key) for key in range(2000)}
    first = store._groups[1]
    for key in range(0, 2000, 8):  # 250 updates: 2000 >> 3 is the limit
        store.put(1, key, value(key, 1))
        expected[key] = value(key, 1)
    assert store._groups[1] is first and len(first.overlay) == 250
    store.pop(1, 1)
    del expected[1]
    folded = store._groups[1]
    assert folded is not first and folded.overlay == {} and len(folded.block) == 1999
    assert dict(store.items(1)) == expected and store.count(1) == 1999


def test_a_big_batch_into_an_existing_group_rebuilds_it_at_once() -> None:
    store = PackedGroups()
    store.put_many(1, [(key, value(key)) for key in range(100)])
    store.put_many(1, [(key, value(key, 1)) for key in range(50, 1050)])  # a members chunk
    state = store._groups[1]
    assert state.overlay == {} and len(state.block) == 1050 and store.count(1) == 1050
    assert store.get(1, 10) == value(10) and store.get(1, 60) == value(60, 1)


# -- PackedKeys ---------------------------------------------------------------------------


def test_key_value_contract_on_records() -> None:
    store = PackedKeys()
    store.put(1, b"a")
    store.put(2, b"b")
    store.put(1, b"c")
    assert store.get(1) == b"c" and store.keys() == [1, 2] and store.values() == [b"c", b"b"]
    assert store.pop(1) == b"c" and store.pop(1) is None and len(store) == 1
    snapshot = store.keys()
    store.put(3, b"d")
    assert snapshot == [2]
    store.clear()
    assert len(store) == 0 and store.get(2) is None


def test_batches_become_runs_merged_like_a_binary_counter() -> None:
    store = PackedKeys()
    rng = random.Random(2)
    expected: dict[int, bytes] = {}
    for batch in range(12):
        keys = rng.sample(range(2**40), 100)  # interleaved with every other batch's keys
        if batch % 3 == 0:
            keys = [key + (batch + 1) * 2**41 for key in keys]  # a range of its own
        items = {key: value(key, batch) for key in keys}
        store.update_many(items)
        expected.update(items)
        sizes = [len(run) for run in store._table.runs]
        assert sizes == sorted(sizes, reverse=True) and len(sizes) <= 4  # log2(1200 / 100)
    assert len(store) == 1200 and store.get_many(expected) == expected
    assert dict(store.items()) == expected
    assert all(store.get(key) == record for key, record in expected.items())


def test_update_many_overlays_known_keys_and_get_many_skips_unknown_ones() -> None:
    store = PackedKeys()
    store.update_many({key: value(key) for key in range(100)})
    assert store.pop(5) == value(5) and store._table.overlay == {5: None}
    store.update_many({5: value(5, 1), 6: value(6, 1), 500: value(500)})
    table = store._table
    assert table.overlay == {5: value(5, 1), 6: value(6, 1)}  # known or removed: overlaid
    assert [len(run) for run in table.runs] == [100, 1]  # the new key: a run of its own
    assert store.get_many([5, 6, 7, 500, 10**6]) == {
        5: value(5, 1),
        6: value(6, 1),
        7: value(7),
        500: value(500),
    }
    assert len(store) == 101


def test_the_users_overlay_is_folded_into_one_run() -> None:
    store = PackedKeys()
    store.update_many({key: value(key) for key in range(0, 2000, 2)})
    store.update_many({key: value(key) for key in range(1, 2000, 2)})
    for key in range(0, 251):
        store.put(key, value(key, 1))
    table = store._table
    assert len(table.runs) == 1 and table.overlay == {}  # 251 > 2000 >> 3: folded
    assert all(store.get(key) == value(key, 1 if key < 251 else 0) for key in range(2000))


def test_snapshot_and_restore_undo_a_batch() -> None:
    store = PackedKeys()
    store.update_many({key: value(key) for key in range(10)})
    store.put(3, value(3, 1))
    saved = store.snapshot()
    store.update_many({key: value(key, 2) for key in range(5, 15)})
    store.pop(0)
    store.restore(saved)
    assert dict(store.items()) == {key: value(key, 1 if key == 3 else 0) for key in range(10)}


# -- through the cache ----------------------------------------------------------------------


def member(user_id: int, nick: str = "n") -> dict[str, Any]:
    return {"user": {"id": user_id, "username": f"u{user_id}"}, "nick": nick, "roles": []}


def guild_create(guild_id: int, members: list[Any]) -> dict[str, Any]:
    return {"id": guild_id, "name": "g", "members": members}


def test_a_bad_member_in_a_second_guild_create_leaves_every_store_as_it_was() -> None:
    stores = Stores.in_memory()
    apply(stores, "GUILD_CREATE", guild_create(1, [member(u) for u in range(10, 200)]), 0)
    apply(stores, "GUILD_CREATE", guild_create(2, [member(u) for u in range(100, 300)]), 0)
    stores.members.put(1, 10, stores.members.get(1, 10) or b"")  # an overlay to save too

    def content() -> tuple[dict[int, bytes], ...]:  # the order of the items is no contract
        return tuple(
            dict(items) for items in (*map(stores.members.items, (1, 2)), stores.users.items())
        )

    before = content()
    bad = [member(u, "again") for u in range(150, 400)]
    bad[120]["roles"] = ["not a snowflake"]
    apply(stores, "GUILD_CREATE", guild_create(2, bad), 0)
    assert content() == before and len(before[1]) == 200


def test_a_members_chunk_is_undone_as_one_step_per_store() -> None:
    stores = Stores.in_memory()
    apply(stores, "GUILD_CREATE", guild_create(1, [member(u) for u in range(10, 20)]), 0)
    journal = Journal(stores)
    journal.begin()
    chunk = {"guild_id": 1, "members": [member(u) for u in range(15, 500)]}
    guild_members_chunk(journal.stores, chunk, 0)
    assert stores.members.count(1) == 490 and len(stores.users) == 490
    assert journal.rollback() == 2  # the users' batch and the members' group
    assert stores.members.count(1) == 10 and len(stores.users) == 10


# -- readers on another thread --------------------------------------------------------------


@pytest.mark.parametrize("store_kind", ["groups", "keys"])
def test_a_reader_never_sees_a_torn_or_missing_record_while_the_writer_folds(
    store_kind: str,
) -> None:
    keys = list(range(1, 3001, 3))
    groups = PackedGroups()
    users = PackedKeys()
    groups.put_many(1, [(key, value(key)) for key in keys])
    users.update_many({key: value(key) for key in keys})

    def read(key: int) -> bytes | None:
        return groups.get(1, key) if store_kind == "groups" else users.get(key)

    started, done = threading.Event(), threading.Event()
    failures: list[str] = []
    reads = [0]

    def reader() -> None:
        started.set()
        while not done.is_set():
            for key in keys[::7]:
                record = read(key)
                reads[0] += 1
                if record is None or not record.startswith(b"%d:" % key):
                    failures.append(f"{key}: {record!r}")
                    return
                version = int(record.split(b":")[1])
                if record != value(key, version):
                    failures.append(f"{key}: torn {record!r}")
                    return

    thread = threading.Thread(target=reader)
    thread.start()
    assert started.wait(10)
    try:
        for version in range(1, 40):  # every key rewritten: many folds, each a new block
            for key in keys:
                if store_kind == "groups":
                    groups.put(1, key, value(key, version))
                else:
                    users.put(key, value(key, version))
            if store_kind == "keys" and version % 5 == 0:
                users.update_many({key: value(key, version) for key in keys[:200]})
            if failures:
                break
    finally:
        done.set()
        thread.join(10)
    assert not failures, failures[:3]
    assert reads[0] > 0


# -- free memory back after the storm ---------------------------------------------------------


def test_free_memory_is_given_back_once_the_ready_s_last_guild_has_come(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[int] = []
    monkeypatch.setattr(release, "_TRIM", calls.append)
    stores = Stores.in_memory()
    apply(stores, "READY", {"guilds": [{"id": 1, "unavailable": True}, {"id": 2}]}, 0)
    apply(stores, "GUILD_CREATE", guild_create(1, [member(10)]), 0)
    assert calls == []  # guild 2 is still to come
    apply(stores, "GUILD_CREATE", guild_create(2, [member(11)]), 0)
    assert calls == [0]
    apply(stores, "GUILD_CREATE", guild_create(3, [member(12)]), 0)  # joined later: no storm
    assert calls == [0]


def test_release_does_nothing_without_malloc_trim(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(release, "_TRIM", None)
    assert release.release_free_memory() is False


def test_a_rolled_back_fold_keeps_every_restored_key_findable() -> None:
    # the fold rebuilds the filter without the removed keys; the undo brings them back
    store = PackedKeys()
    store.update_many({key: value(key) for key in range(1000)})
    saved = store.snapshot()
    for key in range(1000):
        store.pop(key)
        if not store._table.overlay:  # the tombstones outgrew an eighth: folded
            break
    assert len(store._table.runs) == 1 and len(store) == 1000 - key - 1
    store.restore(saved)
    assert store.get_many(range(1000)) == {key: value(key) for key in range(1000)}
    store.update_many({5: value(5, 1)})  # known: overlaid, not a second copy in a new run
    assert store._table.overlay == {5: value(5, 1)} and len(store) == 1000


def test_the_filter_grows_with_the_keys_and_answers_for_all_of_them() -> None:
    store = PackedKeys()
    rng = random.Random(3)
    expected: dict[int, bytes] = {}
    for _ in range(10):
        batch = {rng.getrandbits(64): b"x" for _ in range(3000)}
        store.update_many(batch)
        expected.update(batch)
    assert store._filter.slots >= 16 * len(expected)
    assert store.get_many(expected) == expected
    unknown = [rng.getrandbits(64) for _ in range(3000)]
    assert store.get_many(unknown) == {key: b"x" for key in unknown if key in expected}


def test_the_filter_spreads_snowflakes_whose_low_bits_are_a_counter() -> None:
    # Snowflakes: a millisecond timestamp above 22 bits of worker, process and a counter. Users
    # made close together, or one id per millisecond, must not share slots more than random
    # keys do: a shared slot costs an exact lookup, and a clear one is the filter's point.
    from bot.cache.packed import _Filter, _is_prime

    base = 1_100_000_000_000 << 22
    batches = {
        "counter": [base + n for n in range(20_000)],
        "per ms": [base + (n << 22) for n in range(20_000)],
        "per ms, worker 1": [base + (n << 22) + (1 << 17) for n in range(20_000)],
    }
    for name, keys in batches.items():
        added, probes = keys[::2], keys[1::2]
        kept = _Filter(added, len(added))
        assert _is_prime(kept.slots) and kept.slots >= 16 * len(added)
        assert all(kept.may_hold(key) for key in added), name  # never a false "absent"
        shared = sum(kept.may_hold(key) for key in probes) / len(probes)
        assert shared < 0.1, (name, shared)  # random keys: about 6%


def test_the_filter_is_rebuilt_a_few_times_in_a_storm_not_once_a_guild() -> None:
    # Each rebuild hashes every key of the store again: once per GUILD_CREATE, a storm's cost
    # would grow with the square of its users.
    store = PackedKeys()
    filters = []  # kept alive: a freed filter's id() may be the next one's
    for guild in range(50):
        store.update_many({(guild << 32) + n: b"u" for n in range(2_000)})
        if store._filter not in filters:
            filters.append(store._filter)
    assert len(store) == 100_000
    assert len(filters) <= 6  # one per doubling of the keys past the first 4,096


def test_the_filter_is_not_rebuilt_for_the_first_65536_keys() -> None:
    # Each rebuild hashes every key again in a Python loop: a small store pays none.
    store = PackedKeys()
    first = store._filter
    for guild in range(32):
        store.update_many({(guild << 32) + n: b"u" for n in range(2_048)})
    assert len(store) == 65_536 and store._filter is first
    store.update_many({(99 << 32) + n: b"u" for n in range(2_048)})
    assert store._filter is not first and store._filter.roomy(len(store))
