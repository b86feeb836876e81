"""The cache: pure stores and the pure `apply` function that updates them.

- `Stores.in_memory(CacheConfig(...))`: the stores, made once by the tree and handed to every
  (re)start of the CacheActor, so a crash never loses them.
- `apply(stores, name, data, shard_id) -> Applied(name, data)`: applies one event and returns
  what consumers get (only the CacheActor calls it).
- `Cache(stores)`: the read side (`get_guild`, `get_member`, ...), safe from any thread.
- `KeyValueStore`, `GroupedStore`: the store Protocols a Redis backend would implement.
"""

from __future__ import annotations

from bot.cache.apply import Applied, apply
from bot.cache.config import DEFAULT_MESSAGE_LIMIT, CacheConfig
from bot.cache.errors import CacheError, MalformedPayload
from bot.cache.protocol import GroupedStore, KeyValueStore
from bot.cache.query import Cache
from bot.cache.stores import Stores

__all__ = [
    "DEFAULT_MESSAGE_LIMIT",
    "Applied",
    "Cache",
    "CacheConfig",
    "CacheError",
    "GroupedStore",
    "KeyValueStore",
    "MalformedPayload",
    "Stores",
    "apply",
]
