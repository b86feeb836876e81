"""Which shards to run, and which shard a guild's events come on.

Shard sets are defined once, in `bot.config.shards`: `bot.shards` in the config is "auto", a
count, a range `{first, last, total}`, an explicit list, or `{ids, total}`, parsed into a
`ShardSpec` whose `resolve(recommended)` gives the `ShardSet` (ids this process runs, total
every IDENTIFY carries). `shard_set` does both steps for a raw config value; `shard_for_guild`
is Discord's routing formula.
"""

from __future__ import annotations

from typing import Any

from bot.config.shards import ShardSet, ShardSpec, parse_shards

__all__ = ["ShardSet", "shard_for_guild", "shard_set"]


def shard_set(value: ShardSpec | Any, recommended: int | None = None) -> ShardSet:
    """The shard set for a `bot.shards` value (or parsed `ShardSpec`).

    `recommended` (the `shards` of `GET /gateway/bot`) is needed for "auto" and for a list
    without a total; ShardSpecError (a ValueError) when it is needed and missing.
    """
    spec = value if isinstance(value, ShardSpec) else parse_shards(value)
    return spec.resolve(recommended)


def shard_for_guild(guild_id: int, total: int) -> int:
    """The shard Discord sends a guild's events to: `(guild_id >> 22) % total`."""
    return (guild_id >> 22) % total
