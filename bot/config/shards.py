"""Which shards a process runs (`bot.shards`): "auto", a count, a range, or an explicit list.

| config value                         | ids            | total                  |
|--------------------------------------|----------------|------------------------|
| `"auto"`                             | all of `total` | Discord's recommended  |
| `4`                                  | 0..3           | 4                      |
| `{ first = 0, last = 3, total = 8 }` | 0..3           | 8                      |
| `[0, 2, 5]`                          | 0, 2, 5        | Discord's recommended  |
| `{ ids = [0, 2, 5], total = 8 }`     | 0, 2, 5        | 8                      |

Discord's recommended count is the `shards` field of `GET /gateway/bot` (gateway spec section 9);
`ShardSpec.resolve(recommended)` gives the final `ShardSet(ids, total)` once it is known. This
module is the one definition of shard sets: `bot.gateway.shards` re-exports `ShardSet` and adds
Discord's routing formula.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, NamedTuple

__all__ = ["ShardKind", "ShardSet", "ShardSpec", "ShardSpecError", "parse_shards"]

ShardKind = Literal["auto", "count", "range", "list"]

EXPECTED = (
    '"auto", a shard count (an integer >= 1), a range { first, last, total }, '
    "an array of shard ids, or { ids = [...], total = N }"
)


class ShardSpecError(ValueError):
    """A shard set that cannot be: `expected` and `got` feed the ConfigError."""

    def __init__(self, expected: str, got: str | None = None) -> None:
        super().__init__(expected)
        self.expected = expected
        self.got = got


class ShardSet(NamedTuple):
    """The shard ids a process runs, and the total shard count every IDENTIFY carries.

    Made by `ShardSpec.resolve`, which checks that every id is below `total`; a tuple, so
    `ids, total = spec.resolve(recommended)` works.
    """

    ids: tuple[int, ...]
    total: int


@dataclass(frozen=True, slots=True)
class ShardSpec:
    """The shard set: `ids` (None: every shard of `total`) and `total` (None: recommended)."""

    kind: ShardKind = "auto"
    ids: tuple[int, ...] | None = None
    total: int | None = None

    def resolve(self, recommended: int | None) -> ShardSet:
        """The shard ids to run and the total, given Discord's recommended count.

        `recommended` (the `shards` of `GET /gateway/bot`) may be None when the set has its own
        total; ShardSpecError when it is needed and missing, or when an id does not fit.
        """
        total = self.total if self.total is not None else recommended
        if total is None:
            raise ShardSpecError(
                "the recommended shard count of GET /gateway/bot", repr(self.to_toml_value())
            )
        if total < 1:
            raise ShardSpecError("a total shard count >= 1", str(total))
        ids = self.ids if self.ids is not None else tuple(range(total))
        too_big = [shard_id for shard_id in ids if shard_id >= total]
        if too_big:
            raise ShardSpecError(f"shard ids below the total of {total}", str(too_big))
        return ShardSet(ids, total)

    def to_toml_value(self) -> Any:
        """The config value that gives this set back (for `check-config`)."""
        if self.kind == "auto":
            return "auto"
        if self.kind == "count":
            return self.total
        assert self.ids is not None
        if self.kind == "range":
            return {"first": self.ids[0], "last": self.ids[-1], "total": self.total}
        if self.total is None:
            return list(self.ids)
        return {"ids": list(self.ids), "total": self.total}


def _int(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ShardSpecError(f"{what} as an integer", repr(value))
    if value < 0:
        raise ShardSpecError(f"{what} >= 0", str(value))
    return value


def _ids(values: Any) -> tuple[int, ...]:
    if not isinstance(values, list) or not values:
        raise ShardSpecError("a non-empty array of shard ids", repr(values))
    ids = tuple(_int(value, "each shard id") for value in values)
    if len(set(ids)) != len(ids):
        raise ShardSpecError("distinct shard ids", repr(list(ids)))
    return tuple(sorted(ids))


def _total(value: Any, ids: tuple[int, ...]) -> int:
    total = _int(value, "total")
    if total < 1:
        raise ShardSpecError("total >= 1", str(total))
    if ids[-1] >= total:
        raise ShardSpecError(f"shard ids below total ({total})", str(ids[-1]))
    return total


def parse_shards(value: Any) -> ShardSpec:
    """Reads a `bot.shards` config value; ShardSpecError says what was wrong."""
    if value == "auto":
        return ShardSpec()
    if isinstance(value, int) and not isinstance(value, bool):
        if value < 1:
            raise ShardSpecError("a shard count >= 1", str(value))
        return ShardSpec("count", tuple(range(value)), value)
    if isinstance(value, list):
        return ShardSpec("list", _ids(value), None)
    if isinstance(value, Mapping):
        keys = set(value)
        if keys == {"first", "last", "total"}:
            first = _int(value["first"], "first")
            last = _int(value["last"], "last")
            if last < first:
                raise ShardSpecError("first <= last", f"first = {first}, last = {last}")
            ids = tuple(range(first, last + 1))
            return ShardSpec("range", ids, _total(value["total"], ids))
        if keys == {"ids", "total"}:
            ids = _ids(value["ids"])
            return ShardSpec("list", ids, _total(value["total"], ids))
        raise ShardSpecError(
            "a table with keys first, last, total (or ids, total)",
            "keys " + ", ".join(sorted(str(key) for key in keys)),
        )
    raise ShardSpecError(EXPECTED, repr(value))
