"""Which shards to run, as a pure function of the config value and Discord's recommendation.

`bot.shards` in the config is "auto", a count, a range `{first, last, total}`, an explicit list,
or `{ids, total}` (parsed by `bot.config.shards`). `shard_set` turns it, with the recommended
count from `GET /gateway/bot`, into the ids this process runs and the total every IDENTIFY
carries. `shard_for_guild` is Discord's routing formula.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.config.shards import ShardSpec, parse_shards

__all__ = ["ShardSet", "shard_for_guild", "shard_set"]


@dataclass(frozen=True, slots=True)
class ShardSet:
    """The shard ids a process runs, and the total shard count they share."""

    ids: tuple[int, ...]
    total: int

    def __post_init__(self) -> None:
        if self.total < 1 or any(not 0 <= i < self.total for i in self.ids):
            raise ValueError(f"shard ids {self.ids} do not fit a total of {self.total}")


def shard_set(value: ShardSpec | Any, recommended: int | None = None) -> ShardSet:
    """The shard set for a `bot.shards` value (or parsed `ShardSpec`).

    `recommended` (the `shards` of `GET /gateway/bot`) is needed for "auto" and for a list
    without a total; ValueError when it is needed and missing.
    """
    spec = value if isinstance(value, ShardSpec) else parse_shards(value)
    if spec.total is None and recommended is None:
        raise ValueError(f"shards = {spec.to_toml_value()!r} needs GET /gateway/bot's count")
    ids, total = spec.resolve(recommended if recommended is not None else 1)
    return ShardSet(tuple(ids), total)


def shard_for_guild(guild_id: int, total: int) -> int:
    """The shard Discord sends a guild's events to: `(guild_id >> 22) % total`."""
    return (guild_id >> 22) % total
