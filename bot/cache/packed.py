"""Packed stores for the big caches (members, users): records in a few large blocks.

Why: a member kept as an int key, a `bytes` record and a dict slot costs about 130 bytes of
small objects, twice with its user. Worse, those small objects are made while the 2,000-member
GUILD_CREATE frame they come from is still alive, so they land in the same pymalloc arenas as
its decode garbage; an arena is given back only once all of it is free, so a few long-lived
records pin whole arenas of freed garbage (what `top` shows is far above what the store holds).

A `Block` holds many records in three objects: the sorted keys (`array('Q')`), the end offset of
each record (`array('I')`) and all records joined into one `bytes`. Objects above 512 bytes
are allocated by malloc, not pymalloc, so a block sits in no arena of decode garbage. A lookup
is a bisect; reading a record slices a new `bytes` off the blob.

Later single writes (GUILD_MEMBER_ADD/UPDATE/REMOVE, a user's reference count) go to an overlay
dict (key -> record, or None where a block's key was removed), which is folded into a new
block once it grows past an eighth of the block (`compact`): an amortised constant cost per
write, and the overlay stays small.

Readers on other threads take no lock: a block is immutable, a group's (or the table's) state is
swapped in one assignment when rebuilt, and the overlay changes one key per dict operation
(atomic under the GIL, as in `bot.cache.memory`). A reader holding an old state reads a whole,
older, view of it; every record it gets is a whole `bytes`.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections.abc import Iterable, Mapping
from itertools import accumulate, chain, pairwise, repeat
from operator import add
from typing import Any

__all__ = ["Block", "PackedGroups", "PackedKeys"]

_ABSENT: Any = object()
_MIN_OVERLAY = 64  # an overlay below this many keys is never folded: not worth a rebuild


def _offsets(values: Iterable[int], top: int) -> array[int]:
    return array("I" if top < 1 << 32 else "Q", values)


class Block:
    """Records under sorted unique int keys, in three large objects (see the module doc)."""

    __slots__ = ("blob", "ends", "ids")

    def __init__(self, ids: array[int], ends: array[int], blob: bytes) -> None:
        self.ids = ids
        self.ends = ends
        self.blob = blob

    @classmethod
    def of(cls, records: Mapping[int, bytes], keys: list[int] | None = None) -> Block:
        """A block of `records`, or of those under `keys` (sorted, a subset of its keys).
        Made from the lists of keys and records: no tuple per record."""
        if keys is None:
            keys = sorted(records)
        if not keys:
            return EMPTY
        recs = list(map(records.__getitem__, keys))
        blob = b"".join(recs)
        return cls(array("Q", keys), _offsets(accumulate(map(len, recs)), len(blob)), blob)

    def __len__(self) -> int:
        return len(self.ids)

    def find(self, key: int) -> int:
        """The index of `key`, or -1."""
        ids = self.ids
        index = bisect_left(ids, key)
        return index if index < len(ids) and ids[index] == key else -1

    def get(self, key: int) -> bytes | None:
        index = self.find(key)
        if index < 0:
            return None
        return self.blob[self.ends[index - 1] if index else 0 : self.ends[index]]

    def records(self) -> list[bytes]:
        """Every record, in key order."""
        ends = self.ends
        starts = [0, *ends[:-1]] if ends else []
        return list(map(self.blob.__getitem__, map(slice, starts, ends)))

    def pairs(self) -> list[tuple[int, bytes]]:
        return list(zip(self.ids, self.records(), strict=True))


EMPTY = Block(array("Q"), array("I"), b"")


def merge(blocks: list[Block], overlay: dict[int, bytes | None] | None = None) -> Block:
    """One block of `blocks` (disjoint keys) with `overlay` laid over them (None removes).

    Blocks whose key ranges do not interleave are joined as they are (a memcpy each);
    otherwise every record is sliced out and sorted again."""
    blocks = [block for block in blocks if len(block)]
    if not overlay:
        if not blocks:
            return EMPTY
        if len(blocks) == 1:
            return blocks[0]
        blocks.sort(key=lambda block: block.ids[0])
        if all(a.ids[-1] < b.ids[0] for a, b in pairwise(blocks)):
            return _join(blocks)
    table: dict[int, bytes] = {}
    for block in blocks:
        table.update(zip(block.ids, block.records(), strict=True))
    for key, value in (overlay or {}).items():
        if value is None:
            table.pop(key, None)
        else:
            table[key] = value
    return Block.of(table)


def _join(blocks: list[Block]) -> Block:
    ids = array("Q")
    ends: list[int] = []
    base = 0
    for block in blocks:
        ids += block.ids
        ends += map(add, block.ends, repeat(base)) if base else block.ends
        base += len(block.blob)
    return Block(ids, _offsets(ends, base), b"".join(block.blob for block in blocks))


# -- grouped: members (guild -> user id -> record) ----------------------------------------------


class _Group:
    """One group's state: a block, the overlay over it, and how many keys they hold together."""

    __slots__ = ("block", "count", "overlay")

    def __init__(self, block: Block, overlay: dict[int, bytes | None], count: int) -> None:
        self.block = block
        self.overlay = overlay
        self.count = count

    def get(self, key: int) -> bytes | None:
        value = self.overlay.get(key, _ABSENT)
        return self.block.get(key) if value is _ABSENT else value

    def items(self) -> list[tuple[int, bytes]]:
        return _laid_over(self.block.pairs(), self.overlay.copy())


def _laid_over(
    pairs: list[tuple[int, bytes]], overlay: dict[int, bytes | None]
) -> list[tuple[int, bytes]]:
    """A block's `pairs` with `overlay` (a copy: readers may run while the writer changes it)
    laid over them: its keys replace theirs, None removes."""
    if not overlay:
        return pairs
    kept = [pair for pair in pairs if pair[0] not in overlay]
    return kept + [(key, value) for key, value in overlay.items() if value is not None]


class PackedGroups:
    """A `GroupedStore[bytes]`: each group one `Block` plus a small overlay (module doc).

    A group's items come in key order, then its overlay's newer keys."""

    __slots__ = ("_groups", "enabled")

    def __init__(self) -> None:
        self.enabled = True
        self._groups: dict[int, _Group] = {}

    def get(self, group: int, key: int) -> bytes | None:
        state = self._groups.get(group)
        return None if state is None else state.get(key)

    def put(self, group: int, key: int, value: bytes) -> None:
        state = self._groups.get(group)
        if state is None:
            self._groups[group] = _Group(EMPTY, {key: value}, 1)
            return
        if state.get(key) is None:
            state.count += 1
        state.overlay[key] = value
        self._fold(group, state)

    def put_many(self, group: int, items: Iterable[tuple[int, bytes]]) -> None:
        fresh = dict(items)
        if not fresh:
            return
        state = self._groups.get(group)
        if state is None:
            # Built whole, then published in one assignment.
            block = Block.of(fresh)
            self._groups[group] = _Group(block, {}, len(block))
        elif len(fresh) + len(state.overlay) > _limit(len(state.block)):
            overlay: dict[int, bytes | None] = {**state.overlay, **fresh}
            block = merge([state.block], overlay)
            self._groups[group] = _Group(block, {}, len(block))
        else:
            for key, value in fresh.items():
                self.put(group, key, value)

    def pop(self, group: int, key: int) -> bytes | None:
        state = self._groups.get(group)
        if state is None:
            return None
        value = state.get(key)
        if value is None:
            return None
        if state.count <= 1:
            self._groups.pop(group, None)
            return value
        if state.block.find(key) >= 0:
            state.overlay[key] = None
        else:
            del state.overlay[key]
        state.count -= 1
        self._fold(group, state)
        return value

    def pop_group(self, group: int) -> dict[int, bytes]:
        state = self._groups.pop(group, None)
        return {} if state is None else dict(state.items())

    def items(self, group: int) -> list[tuple[int, bytes]]:
        state = self._groups.get(group)
        return [] if state is None else state.items()

    def count(self, group: int) -> int:
        state = self._groups.get(group)
        return 0 if state is None else state.count

    def groups(self) -> list[int]:
        return list(self._groups)

    def total(self) -> int:
        return sum(state.count for state in list(self._groups.values()))

    def clear(self) -> None:
        self._groups.clear()

    def snapshot_group(self, group: int) -> Any:
        """The group's state as it is now (for the journal to undo an event exactly)."""
        state = self._groups.get(group)
        return None if state is None else _Group(state.block, state.overlay.copy(), state.count)

    def restore_group(self, group: int, snapshot: Any) -> None:
        """Makes `snapshot` (from `snapshot_group`, not used again) the group's state."""
        if snapshot is None:
            self._groups.pop(group, None)
        else:
            self._groups[group] = snapshot

    def _fold(self, group: int, state: _Group) -> None:
        if len(state.overlay) > _limit(len(state.block)):
            block = merge([state.block], state.overlay)
            self._groups[group] = _Group(block, {}, len(block))


def _limit(keys: int) -> int:
    """How many keys an overlay over `keys` packed ones may hold before it is folded."""
    return max(_MIN_OVERLAY, keys >> 3)


# -- keyed: users (user id -> record) ---------------------------------------------------------


class _Table:
    """The users' state: runs (blocks with disjoint keys), the overlay, the key count."""

    __slots__ = ("count", "overlay", "runs")

    def __init__(self, runs: tuple[Block, ...], overlay: dict[int, bytes | None], count: int):
        self.runs = runs
        self.overlay = overlay
        self.count = count

    def get(self, key: int) -> bytes | None:
        value = self.overlay.get(key, _ABSENT)
        if value is not _ABSENT:
            return value
        for run in self.runs:
            found = run.get(key)
            if found is not None:
                return found
        return None

    def in_runs(self, key: int) -> bool:
        return any(run.find(key) >= 0 for run in self.runs)


_MIN_SLOTS = 1 << 20
"""A filter's least size: 128 KiB of bits, room for 65,536 keys. From 65,536 slots (8 KiB) it
was rebuilt at 4,096, 8,192, 16,384 and 32,768 keys, each time from every key in a Python loop:
60,000 keys hashed again by the 17th guild of a storm of 2,000-member guilds, 8% of the cache's
instructions over 20 such guilds (36,600 to 33,600 a member, callgrind)."""


class _Filter:
    """Which keys the runs may hold: one bit per slot of a hashed key, about 16 slots a key.

    A clear bit means the key is in no run, which is the answer for nearly every user of a
    GUILD_CREATE storm, tested without a bisect per run; a set bit (the key, or one of the
    about 6% it shares a slot with) sends the key to the exact lookup. Removed keys keep their
    bit until the next rebuild: a stale bit costs a lookup, nothing else. Only the writer uses
    it (`update_many`), so it changes in place.

    A key's slot is the key modulo a prime number of slots: one division of a 64-bit int by a
    one-digit one (CPython's digits are 30 bits), which spreads snowflakes (whose low bits are
    a counter) as well as Fibonacci hashing did with three operations on a 128-bit product."""

    __slots__ = ("bits", "slots")

    def __init__(self, keys: Iterable[int] = (), count: int = 0) -> None:
        # Room for twice the keys at most (rounded up as a power of two, then to a prime): a
        # filter rebuilt from every key is paid for by as many new ones, not by each batch.
        self.slots = _prime_at_least(max(_MIN_SLOTS, 1 << (count << 4).bit_length()))
        self.bits = bytearray((self.slots + 7) >> 3)
        self.add(keys)

    def add(self, keys: Iterable[int]) -> None:
        bits, slots = self.bits, self.slots
        for key in keys:
            slot = key % slots
            bits[slot >> 3] |= 1 << (slot & 7)

    def may_hold(self, key: int) -> bool:
        slot = key % self.slots
        return bool(self.bits[slot >> 3] & (1 << (slot & 7)))

    def roomy(self, count: int) -> bool:
        """Whether it still has about 16 slots a key for `count` keys."""
        return self.slots >= count << 4


def _prime_at_least(number: int) -> int:
    """The least prime >= `number` (trial division: a filter is rebuilt rarely, and its size
    stays below 2**32, so a few thousand divisions at most per candidate)."""
    candidate = max(number, 2)
    while not _is_prime(candidate):
        candidate += 1
    return candidate


def _is_prime(number: int) -> bool:
    if number < 2 or number % 2 == 0:
        return number == 2
    divisor = 3
    while divisor * divisor <= number:
        if number % divisor == 0:
            return False
        divisor += 2
    return True


class PackedKeys:
    """A `KeyValueStore[bytes]` in runs of packed blocks plus an overlay (module doc).

    `update_many` adds a batch (a GUILD_CREATE's users) at once: the keys new to the store
    become a new run, merged with the last run while it is no smaller (as a binary counter
    carries), so a store of n keys has at most log2(n / batch) runs and each record is
    copied log2(n / batch) times in all. Which keys of a batch are known is asked of a bit
    filter first (`_Filter`, 2 bytes a key), then of the runs. The overlay is folded into one
    run once it holds more than an eighth of the keys. Keys and values come in key order per
    run, then the overlay's."""

    __slots__ = ("_filter", "_table", "enabled")

    def __init__(self) -> None:
        self.enabled = True
        self._table = _Table((), {}, 0)
        self._filter = _Filter()

    def get(self, key: int) -> bytes | None:
        return self._table.get(key)

    def get_many(self, keys: Iterable[int]) -> dict[int, bytes]:
        """The records of those `keys` the store holds (a lookup in the runs only for the
        keys the filter may hold)."""
        table = self._table
        overlay = table.overlay
        bits, slots = self._filter.bits, self._filter.slots  # `_Filter.may_hold`, inlined
        found: dict[int, bytes] = {}
        for key in keys:
            value = overlay.get(key, _ABSENT)
            if value is _ABSENT:
                slot = key % slots
                if bits[slot >> 3] & (1 << (slot & 7)):
                    record = table.get(key)
                    if record is not None:
                        found[key] = record
            elif value is not None:
                found[key] = value
        return found

    def put(self, key: int, value: bytes) -> None:
        table = self._table
        if table.get(key) is None:
            table.count += 1
        table.overlay[key] = value
        self._fold()

    def update_many(
        self, items: Mapping[int, bytes], known: Mapping[int, bytes] | None = None
    ) -> None:
        """Sets many keys at once. `known`: what `get_many` gave for these keys just before
        (the caller read them to merge; the store is not looked up a second time)."""
        if not items:
            return
        table = self._table
        if known is None:
            known = self.get_many(items)
        overlay = table.overlay
        new: list[int] = []
        for key, value in items.items():
            if key in known or key in overlay:
                if key not in known:  # a removed key of a run comes back
                    table.count += 1
                overlay[key] = value
            else:
                new.append(key)
        if new:
            new.sort()
            count = table.count + len(new)
            if self._filter.roomy(count):
                self._filter.add(new)
            else:
                self._filter = _Filter(chain(new, *(run.ids for run in table.runs)), count)
            runs = [*table.runs, Block.of(items, new)]
            while len(runs) > 1 and len(runs[-1]) >= len(runs[-2]):
                runs[-2:] = [merge(runs[-2:])]
            self._table = _Table(tuple(runs), overlay, count)
        self._fold()

    def pop(self, key: int) -> bytes | None:
        table = self._table
        value = table.get(key)
        if value is None:
            return None
        if table.in_runs(key):
            table.overlay[key] = None
        else:
            del table.overlay[key]
        table.count -= 1
        self._fold()
        return value

    def keys(self) -> list[int]:
        return [key for key, _ in self._items()]

    def values(self) -> list[bytes]:
        return [value for _, value in self._items()]

    def items(self) -> list[tuple[int, bytes]]:
        return self._items()

    def __len__(self) -> int:
        return self._table.count

    def clear(self) -> None:
        self._table = _Table((), {}, 0)
        self._filter = _Filter()

    def snapshot(self) -> Any:
        """The store's state as it is now (for the journal to undo an event exactly)."""
        table = self._table
        # The filter only gains bits until a fold makes a new one: the one of now has a bit
        # for every key of these runs whatever happens after.
        return _Table(table.runs, table.overlay.copy(), table.count), self._filter

    def restore(self, snapshot: Any) -> None:
        """Makes `snapshot` (from `snapshot()`, not used again) the store's state."""
        self._table, self._filter = snapshot

    def _items(self) -> list[tuple[int, bytes]]:
        table = self._table
        overlay = table.overlay.copy()
        pairs: list[tuple[int, bytes]] = []
        for run in table.runs:
            pairs += run.pairs()
        return _laid_over(pairs, overlay)

    def _fold(self) -> None:
        table = self._table
        if len(table.overlay) > _limit(table.count):
            block = merge(list(table.runs), table.overlay)
            self._table = _Table((block,) if len(block) else (), {}, len(block))
            self._filter = _Filter(block.ids, len(block))  # without the removed keys' bits
