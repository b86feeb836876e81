"""Shardline's configuration: `load_config()` reads config.toml into typed, frozen objects.

```python
from bot.config import load_config
config = load_config("config.toml")        # or a mapping, or None for the defaults
config.gateway.encoding, config.bot.intent_flags, config.token  # Secret | None
```

Sections: `[bot]`, `[gateway]` (with `[gateway.presence]`), `[cache]`, `[consumers]`, `[rest]`,
`[log]`, `[cluster]`, `[simulator]`; each key is documented in `docs/config.md` and shown with its
default in the repository's `config.toml`. Every error is a `ConfigError` naming the file (or
environment variable), the dotted key and what was expected.
"""

from __future__ import annotations

from bot.config.errors import (
    ConfigError,
    ConfigErrors,
    ConfigFileError,
    ConsumerError,
    InvalidValueError,
    MissingTokenError,
    UnknownKeyError,
)
from bot.config.loader import ENV_PREFIX, load_config, log_warnings
from bot.config.schema import (
    Activity,
    BotConfig,
    CacheConfig,
    ClusterConfig,
    CommandsConfig,
    Config,
    ConfigWarning,
    ConsumersConfig,
    GatewayConfig,
    LogConfig,
    Presence,
    RestConfig,
    RuntimeConfig,
    SimulatorConfig,
)
from bot.config.secret import Secret, TokenSource
from bot.config.shards import ShardSpec

__all__ = [
    "ENV_PREFIX",
    "Activity",
    "BotConfig",
    "CacheConfig",
    "ClusterConfig",
    "CommandsConfig",
    "Config",
    "ConfigError",
    "ConfigErrors",
    "ConfigFileError",
    "ConfigWarning",
    "ConsumerError",
    "ConsumersConfig",
    "GatewayConfig",
    "InvalidValueError",
    "LogConfig",
    "MissingTokenError",
    "Presence",
    "RestConfig",
    "RuntimeConfig",
    "Secret",
    "ShardSpec",
    "SimulatorConfig",
    "TokenSource",
    "UnknownKeyError",
    "load_config",
    "log_warnings",
]
