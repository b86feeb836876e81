"""`SessionConfig`: what one shard's IDENTIFY sends and where it connects."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .codecs import Encoding
from .compression import Compression
from .limits import LARGE_THRESHOLD_DEFAULT, LARGE_THRESHOLD_MAX, LARGE_THRESHOLD_MIN

__all__ = ["DEFAULT_GATEWAY_URL", "SessionConfig"]

# developers/events/gateway.mdx (Get Gateway): the URL GET /gateway returns.
DEFAULT_GATEWAY_URL = "wss://gateway.discord.gg/"


@dataclass(frozen=True)
class SessionConfig:
    """What IDENTIFY sends and where to connect. The token is never shown in a repr."""

    token: str = field(repr=False)
    intents: int
    shard_id: int = 0
    shard_count: int = 1
    gateway_url: str = DEFAULT_GATEWAY_URL
    encoding: Encoding = Encoding.JSON
    compression: Compression = Compression.ZLIB_STREAM
    large_threshold: int = LARGE_THRESHOLD_DEFAULT
    presence: Mapping[str, Any] | None = None
    properties: Mapping[str, str] = field(
        default_factory=lambda: {"os": sys.platform, "browser": "shardline", "device": "shardline"}
    )

    def __post_init__(self) -> None:
        if not LARGE_THRESHOLD_MIN <= self.large_threshold <= LARGE_THRESHOLD_MAX:
            raise ValueError(
                f"large_threshold must be {LARGE_THRESHOLD_MIN} to {LARGE_THRESHOLD_MAX}"
            )
        if not 0 <= self.shard_id < self.shard_count:
            raise ValueError("shard_id must be at least 0 and below shard_count")
