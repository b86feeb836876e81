"""From the config to parts of a bot's tree: plain functions, no actor started."""

from __future__ import annotations

import structlog

from actors.consumer import Consumer
from actors.shard_supervisor import ShardOptions
from bot import log as bot_log
from bot.app.cluster import cluster_connect_gate
from bot.app.tree import IDENTIFY_QUEUE, TreeState, start_producer
from bot.cache.config import CacheConfig as StoreSwitches
from bot.config import Config

__all__ = ["configure_logging", "shard_options", "store_switches", "with_ordering"]


def store_switches(config: Config) -> StoreSwitches:
    """The cache's stores as `[cache]` switches them (a message limit of 0 turns messages off)."""
    cache = config.cache
    return StoreSwitches(
        guilds=cache.guilds,
        channels=cache.channels,
        roles=cache.roles,
        emojis=cache.emojis,
        stickers=cache.stickers,
        members=cache.members,
        users=cache.users,
        presences=cache.presences,
        voice_states=cache.voice_states,
        messages=cache.messages and cache.message_limit > 0,
        message_limit=max(cache.message_limit, 1),
    )


def with_ordering(consumer: type[Consumer], ordering: str) -> type[Consumer]:
    """The consumer class with `[consumers] ordering` applied, unless it chose its own."""
    if ordering == "none" or consumer.order_by is not None:
        return consumer
    return type(
        consumer.__name__, (consumer,), {"order_by": ordering, "__module__": consumer.__module__}
    )


def configure_logging(config: Config) -> bool:
    """Applies `[log]` (level, format) when a bot starts, unless structlog was configured
    already (by the CLI, the runner's status screen, or the application itself, whose choice
    wins). True if it configured it."""
    if structlog.is_configured():
        return False
    bot_log.configure(level=config.log.level, format=config.log.format)
    return True


def shard_options(
    config: Config, state: TreeState, token: str, total: int, gateway_url: str
) -> ShardOptions:
    """What every shard of a bot's tree shares, from `[bot]` and `[gateway]`."""
    gateway = config.gateway
    names = state.names
    return ShardOptions(
        token=token,
        intents=config.bot.intent_flags,
        shard_count=total,
        producer_start=lambda shard_id, _names: start_producer(state, shard_id, _names),
        gateway_url=gateway_url,
        encoding=gateway.encoding,
        compression=gateway.compression,
        large_threshold=gateway.large_threshold,
        presence=gateway.presence.to_payload(),
        identify_queue=lambda: names.whereis(IDENTIFY_QUEUE),
        names=names,
        scheduler=state.scheduler,
        connect_gate=cluster_connect_gate(state.cluster),
    )
