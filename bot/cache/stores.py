"""`Stores`: every cache store in one value, made by the tree and handed to each (re)start of
the CacheActor, so a crash of the actor never loses the cache."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from bot.cache.config import CacheConfig
from bot.cache.memory import BoundedDictStore, DictStore, GroupedDictStore
from bot.cache.null import NullGroupedStore, NullStore
from bot.cache.packed import PackedGroups, PackedKeys
from bot.cache.protocol import GroupedStore, KeyValueStore
from bot.payloads import Channel, Emoji, Guild, Role, Sticker, VoiceState

__all__ = ["Stores"]


@dataclass(slots=True)
class Stores:
    """The cache's stores. Values are immutable: payloads whose raw mapping is never mutated
    once stored, or packed `bytes` records (members, users, presences: see `records`).

    Groups are guild ids; DM channels are in group 0.
    """

    config: CacheConfig
    guilds: KeyValueStore[Guild]  # guild without members/channels/roles/... (own stores)
    unavailable: KeyValueStore[bool]  # ids of guilds in an outage or not yet sent since READY
    guild_shard: KeyValueStore[int]
    channel_guild: KeyValueStore[int]  # channel or thread id -> guild id (0 for DMs)
    channels: GroupedStore[Channel]  # guild -> channel or thread id -> Channel
    roles: GroupedStore[Role]
    emojis: GroupedStore[Emoji]
    stickers: GroupedStore[Sticker]
    # The three big stores are packed blocks in memory (bot.cache.packed), not a dict per guild.
    members: GroupedStore[bytes]  # guild -> user id -> packed member record
    users: KeyValueStore[bytes]  # user id -> packed user record with its reference count
    presences: GroupedStore[bytes]  # guild -> user id -> packed presence record
    voice_states: GroupedStore[VoiceState]
    messages: KeyValueStore[Any]  # message id -> packed message (bytes; see records.pack_message)
    meta: KeyValueStore[Any]  # small facts: the bot's own user id under key 0
    write_lock: threading.Lock = field(
        default_factory=threading.Lock, init=False, repr=False, compare=False
    )
    """Held by whoever writes (a producer's `write_cache`, the CacheActor): one writer at a time."""
    journal: Any = field(default=None, init=False, repr=False, compare=False)
    """The `bot.cache.journal.Journal` the cache's writer keeps over these stores."""

    @classmethod
    def in_memory(cls, config: CacheConfig | None = None) -> Stores:
        """In-memory stores; a component that is off gets a null store that keeps nothing."""
        config = config or CacheConfig()

        def kv(on: bool) -> Any:
            return DictStore() if on else NullStore()

        def grouped(on: bool) -> Any:
            return GroupedDictStore() if on else NullGroupedStore()

        messages: Any = BoundedDictStore(config.message_limit) if config.messages else NullStore()
        return cls(
            config=config,
            guilds=kv(config.guilds),
            unavailable=DictStore(),
            guild_shard=kv(config.guild_shard),
            channel_guild=kv(config.channel_guild or config.channels),
            channels=grouped(config.channels),
            roles=grouped(config.roles),
            emojis=grouped(config.emojis),
            stickers=grouped(config.stickers),
            members=PackedGroups() if config.members else NullGroupedStore(),
            users=PackedKeys() if config.users else NullStore(),
            presences=PackedGroups() if config.presences else NullGroupedStore(),
            voice_states=grouped(config.voice_states),
            messages=messages,
            meta=DictStore(),
        )

    def clear(self) -> None:
        """Empties every store (a fresh IDENTIFY of every shard, say)."""
        for store in (
            self.guilds,
            self.unavailable,
            self.guild_shard,
            self.channel_guild,
            self.channels,
            self.roles,
            self.emojis,
            self.stickers,
            self.members,
            self.users,
            self.presences,
            self.voice_states,
            self.messages,
            self.meta,
        ):
            store.clear()
