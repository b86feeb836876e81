"""What `Bot.shards` shows: one `ShardStatus` per shard, read from the kept shard states and the
cache without a round trip through any actor."""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

from actors.shard_state import ShardState
from bot.cache import Cache

__all__ = ["ShardStatus", "shard_statuses"]


class ShardStatus(NamedTuple):
    """One shard as `bot.shards` shows it."""

    id: int
    state: str
    latency: float | None
    guilds: int
    seq: int | None
    fatal_error: str | None


def shard_statuses(cache: Cache, shard_states: Mapping[int, ShardState]) -> list[ShardStatus]:
    """Each shard by id: its state ("failed" once stopped for good), latency, guilds in the
    cache and last acknowledged sequence."""
    guilds_by_shard: dict[int, int] = {}
    for guild_id in cache.guild_ids():
        shard = cache.shard_of(guild_id)
        if shard is not None:
            guilds_by_shard[shard] = guilds_by_shard.get(shard, 0) + 1
    result = []
    for shard_id, kept in sorted(shard_states.items()):
        gateway = kept.gateway
        state = gateway.status.name.lower() if gateway is not None else "stopped"
        fatal = kept.fatal_error
        result.append(
            ShardStatus(
                shard_id,
                "failed" if fatal is not None else state,
                kept.latency,
                guilds_by_shard.get(shard_id, 0),
                kept.session.seq,
                str(fatal) if fatal is not None else None,
            )
        )
    return result
