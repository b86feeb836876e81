"""The config as typed, frozen objects: one dataclass per `config.toml` section, and `Config`.

Every default here is the one `config.toml` at the repository root shows (a test holds them
equal key by key); `docs/config.md` explains each key.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass, field
from typing import Any, Literal, NamedTuple

from bot.config import intents as intent_table
from bot.config.fields import setting
from bot.config.parsers import (
    parse_consumers,
    parse_gateway_url,
    parse_guild_ids,
    parse_http_url,
    parse_intents,
    parse_key_prefix,
    parse_node_name,
    parse_redis_url,
    parse_shards_value,
    parse_token,
)
from bot.config.secret import Secret, TokenSource
from bot.config.shards import ShardSpec


def default_node_name() -> str:
    """`HOST-PID`: unique on a machine, readable in `python -m bot cluster status`."""
    return f"{socket.gethostname()}-{os.getpid()}"


__all__ = [
    "Activity",
    "BotConfig",
    "CacheConfig",
    "ClusterConfig",
    "CommandsConfig",
    "Config",
    "ConfigWarning",
    "ConsumersConfig",
    "GatewayConfig",
    "LogConfig",
    "Presence",
    "RestConfig",
    "RuntimeConfig",
    "SimulatorConfig",
]

Encoding = Literal["etf", "json"]
Compression = Literal["zlib-stream", "zstd-stream", "none"]
Status = Literal["online", "dnd", "idle", "invisible", "offline"]
ActivityType = Literal["playing", "streaming", "listening", "watching", "custom", "competing"]
Ordering = Literal["none", "channel", "guild"]
LogLevel = Literal["debug", "info", "warning", "error", "critical"]
LogFormat = Literal["auto", "console", "json"]
RuntimeGc = Literal["tuned", "default"]
ClusterBackend = Literal["local", "redis"]
ShardAssignment = Literal["static", "leases"]

# Gateway spec section 5 (IDENTIFY): large_threshold is 50 to 250, default 50.
LARGE_THRESHOLD_MIN = 50
LARGE_THRESHOLD_MAX = 250
# Gateway spec section 16 (Presence): activity types 0 Playing ... 5 Competing.
ACTIVITY_TYPES: dict[str, int] = {
    "playing": 0,
    "streaming": 1,
    "listening": 2,
    "watching": 3,
    "custom": 4,
    "competing": 5,
}
# Gateway spec section 18 (developers/topics/rate-limits.mdx): 50 requests/s per bot, global.
DISCORD_GLOBAL_LIMIT = 50
DISCORD_API_BASE = "https://discord.com/api/v10"
# Issue 4: the message cache keeps the last 1000 messages per bot by default.
MESSAGE_LIMIT = 1000
# Real HELLO captures show 41250 ms (gateway spec section 4).
HEARTBEAT_INTERVAL_MS = 41250
# The simulator's default: short, so `make run` shows heartbeat latencies within seconds.
SIMULATOR_HEARTBEAT_INTERVAL_MS = 2000


DEFAULT_TOKEN = TokenSource("env", "DISCORD_TOKEN")
DEFAULT_SHARDS = ShardSpec("auto")


class ConfigWarning(NamedTuple):
    """Something valid that the user should know (logged at load as `event` with `fields`)."""

    event: str
    level: Literal["info", "warning"]
    fields: dict[str, Any]


@dataclass(frozen=True, slots=True)
class BotConfig:
    """`[bot]`: the token, the intents, which shards this process runs, and the consumers."""

    # RUF009: setting() is a dataclasses.field() wrapper, not a call evaluated per instance.
    token: TokenSource = setting(DEFAULT_TOKEN, parse=parse_token)  # noqa: RUF009
    intents: tuple[str, ...] = setting(("nonprivileged", "message_content"), parse=parse_intents)
    shards: ShardSpec = setting(DEFAULT_SHARDS, parse=parse_shards_value)  # noqa: RUF009
    consumers: tuple[str, ...] = setting(("bot.app.demo:PingConsumer",), parse=parse_consumers)

    @property
    def intent_flags(self) -> int:
        """The IDENTIFY `intents` bitfield."""
        return intent_table.intent_flags(self.intents)

    @property
    def privileged_intents(self) -> tuple[str, ...]:
        """The privileged intents asked for (they need enabling in the Developer Portal)."""
        return intent_table.privileged_in(self.intent_flags)


@dataclass(frozen=True, slots=True)
class Activity:
    """`[gateway.presence.activity]`: the activity shown under the bot's name."""

    name: str
    type: ActivityType = "playing"
    url: str | None = None  # streaming only: a Twitch or YouTube URL
    state: str | None = None  # custom status text

    def to_payload(self) -> dict[str, Any]:
        """The activity object of an IDENTIFY / op 3 presence."""
        payload: dict[str, Any] = {"name": self.name, "type": ACTIVITY_TYPES[self.type]}
        if self.url is not None:
            payload["url"] = self.url
        if self.state is not None:
            payload["state"] = self.state
        return payload


@dataclass(frozen=True, slots=True)
class Presence:
    """`[gateway.presence]`: the presence sent with IDENTIFY."""

    status: Status = "online"
    afk: bool = False
    activity: Activity | None = None

    def to_payload(self) -> dict[str, Any]:
        """The Update Presence object (gateway spec section 5)."""
        activities = [self.activity.to_payload()] if self.activity is not None else []
        return {"since": None, "activities": activities, "status": self.status, "afk": self.afk}


@dataclass(frozen=True, slots=True)
class GatewayConfig:
    """`[gateway]`: where and how the shards connect."""

    url: str = setting("local", parse=parse_gateway_url)
    encoding: Encoding = "json"
    compression: Compression = "zlib-stream"
    large_threshold: int = setting(50, minimum=LARGE_THRESHOLD_MIN, maximum=LARGE_THRESHOLD_MAX)
    presence: Presence = Presence()


@dataclass(frozen=True, slots=True)
class CacheConfig:
    """`[cache]`: each component on or off (off spends no memory), and the message limit."""

    guilds: bool = True
    channels: bool = True
    roles: bool = True
    emojis: bool = True
    stickers: bool = True
    members: bool = True
    users: bool = True
    presences: bool = True
    voice_states: bool = True
    messages: bool = True
    message_limit: int = setting(MESSAGE_LIMIT, minimum=0)


@dataclass(frozen=True, slots=True)
class ConsumersConfig:
    """`[consumers]`: workers in flight per consumer, ordering, and the shutdown wait."""

    max_workers: int = setting(100, minimum=1, maximum=100_000)
    ordering: Ordering = "none"
    shutdown_timeout: float = setting(5.0, minimum=0)


@dataclass(frozen=True, slots=True)
class CommandsConfig:
    """`[commands]`: whether the bot registers its application commands at start, and where."""

    sync: bool = True
    # Empty: global commands. Guild ids: the commands go to these guilds only (instantly there,
    # for development); the global ones are left as they are.
    guilds: tuple[int, ...] = setting((), parse=parse_guild_ids)


@dataclass(frozen=True, slots=True)
class RestConfig:
    """`[rest]`: the REST client's base URL, rate limits and timeouts (seconds)."""

    base_url: str = setting(DISCORD_API_BASE, parse=parse_http_url)
    global_limit: int = setting(DISCORD_GLOBAL_LIMIT, minimum=1)
    max_ratelimit_wait: float = setting(60.0, minimum=0)
    timeout: float = setting(10.0, minimum=0.1)


@dataclass(frozen=True, slots=True)
class LogConfig:
    """`[log]`: level and format of the structured log lines (see `bot.log.configure`)."""

    level: LogLevel = "info"
    format: LogFormat = "auto"


@dataclass(frozen=True, slots=True)
class RuntimeConfig:
    """`[runtime]`: what a bot started with `Bot.start()`/`run()` does to its Python process.

    `gc = "tuned"` (`bot.app.runtime.tune_gc`) freezes what the process holds once the tree
    is up (modules, classes, actors: never garbage, walked by every full collection) and
    collects the youngest generation less often; "default" leaves the process's garbage
    collector as it found it (an application that embeds the bot, or tunes it itself)."""

    gc: RuntimeGc = "tuned"


@dataclass(frozen=True, slots=True)
class ClusterConfig:
    """`[cluster]`: one bot over several processes (nodes) through Redis (docs/cluster.md)."""

    backend: ClusterBackend = "local"
    redis_url: str = setting("redis://127.0.0.1:6379/0", parse=parse_redis_url)
    # "": the host name and the process id (`node_name`).
    node: str = setting("", parse=parse_node_name)
    shards: ShardAssignment = "static"
    key_prefix: str = setting("shardline", parse=parse_key_prefix)
    broadcast: tuple[str, ...] = setting((), parse=parse_consumers)
    lease_ttl: float = setting(5.0, minimum=1.0, maximum=60.0)
    handler_timeout: float = setting(30.0, minimum=0.1)
    max_deliveries: int = setting(5, minimum=1, maximum=1000)
    stream_maxlen: int = setting(100_000, minimum=100)

    @property
    def node_name(self) -> str:
        """This node's name: `node`, or `HOST-PID` when it is empty."""
        return self.node or default_node_name()


@dataclass(frozen=True, slots=True)
class SimulatorConfig:
    """`[simulator]`: the generated session of the built-in simulator (`gateway.url = "local"`)."""

    guilds: int = setting(10, minimum=0, maximum=10_000)
    members_per_guild: int = setting(100, minimum=0, maximum=100_000)
    messages: int = setting(2000, minimum=0)
    # Discord sends 41250 ms; the demo's shorter interval shows a latency within seconds.
    heartbeat_interval_ms: int = setting(SIMULATOR_HEARTBEAT_INTERVAL_MS, minimum=100)
    reconnect: bool = True
    shards: int = setting(2, minimum=1, maximum=1_000)
    # IDENTIFYs allowed per 5 s window (shards share a window by shard_id % it); 0: `shards`.
    max_concurrency: int = setting(0, minimum=0, maximum=1_000)
    pace: float = setting(1.0, minimum=0)
    gateway_port: int = setting(0, minimum=0, maximum=65535)
    rest_port: int = setting(0, minimum=0, maximum=65535)


def _internal(default: Any) -> Any:
    return field(default=default, compare=False, metadata={"internal": True})


@dataclass(frozen=True, slots=True)
class Config:
    """The whole configuration; `load_config` builds it, `to_toml()` prints it back."""

    bot: BotConfig = BotConfig()
    gateway: GatewayConfig = GatewayConfig()
    cache: CacheConfig = CacheConfig()
    consumers: ConsumersConfig = ConsumersConfig()
    commands: CommandsConfig = CommandsConfig()
    rest: RestConfig = RestConfig()
    log: LogConfig = LogConfig()
    runtime: RuntimeConfig = RuntimeConfig()
    cluster: ClusterConfig = ClusterConfig()
    simulator: SimulatorConfig = SimulatorConfig()
    # Where it was read from ("<defaults>", "<mapping>", or the file's path), which keys the
    # environment set (dotted key -> variable name), and what the loader warned about.
    source: str = _internal("<defaults>")
    overrides: tuple[tuple[str, str], ...] = _internal(())
    warnings: tuple[ConfigWarning, ...] = _internal(())

    @property
    def token(self) -> Secret | None:
        """The token, or None (allowed only for `gateway.url = "local"`)."""
        return self.bot.token.secret

    @property
    def is_local(self) -> bool:
        """True when the bot runs against the built-in simulator."""
        return self.gateway.url == "local"

    def consumer_classes(self) -> tuple[type, ...]:
        """Imports `bot.consumers`; ConsumerError (or ConfigErrors) for any that fails."""
        from bot.config.consumers import import_consumers

        return import_consumers(self)

    def to_dict(self) -> dict[str, Any]:
        """The config as TOML-ready data, token redacted (a reference like env:NAME stays)."""
        from bot.config.dump import to_dict

        return to_dict(self)

    def to_toml(self) -> str:
        """The config as TOML text, token redacted: what `check-config` prints."""
        from bot.config.dump import to_toml

        return to_toml(self)
