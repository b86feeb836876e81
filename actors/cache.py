"""`CacheActor`: the only writer of the cache stores.

It answers `ApplyEvent(name, data, shard_id)` (an ask from a shard's producer) with
`bot.cache.Applied(name, data)`: what consumers get, under the name they get it (GUILD_CREATE
may come back as GUILD_AVAILABLE or GUILD_UNAVAILABLE). The work is the pure
`bot.cache.apply`; this actor only serialises the writes.

The stores are made by the tree, outside this actor, and handed to every (re)start: a crash
costs a restart, never the cache (as Nostrum's ETS tables outlive their writer). Readers do
not go through the actor: they use `bot.cache.Cache(stores)` from any thread.

Failure contract: no payload crashes it: `apply` undoes the event's writes, logs
`cache.payload_rejected` and passes the data on (docs/cache.md, "Bad payloads"). A store that
fails a write itself has the event undone and its error goes back to the asking producer and
crashes this actor; its supervisor restarts it with the same stores.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

import structlog

import supervisors
from actors.messages import ApplyEvent
from bot.cache import Applied, Cache, Stores, apply

__all__ = ["Applied", "CacheActor", "cache_child_spec"]

log = structlog.get_logger(__name__)


class CacheActor(supervisors.Actor):
    """Applies gateway events to the stores it is given, one at a time."""

    def __init__(self, stores: Stores) -> None:
        super().__init__()
        self.stores = stores

    def on_start(self) -> None:
        log.debug(
            "cache.started",
            guilds=len(self.stores.guilds),
            users=len(self.stores.users),
            messages=len(self.stores.messages),
        )

    def on_receive(self, message: Any) -> Any:
        if type(message) is ApplyEvent:
            return apply(self.stores, message.name, message.data, message.shard_id)
        log.warning("cache.unknown_message", message=type(message).__name__)
        return None

    def read_side(self) -> Cache:
        """The query API over this actor's stores (the same object the bot exposes)."""
        return Cache(self.stores)


def cache_child_spec(stores: Stores, id: Hashable = "cache") -> supervisors.ChildSpec:
    """The child spec of a CacheActor over `stores` (the same stores at every restart)."""
    return supervisors.ChildSpec(id=id, start=lambda: CacheActor.start(stores))
