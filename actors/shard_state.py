"""`ShardState`: what one shard keeps across restarts of its actor (docs/architecture.md, 3).

The shard tree makes one per shard and hands it to every (re)start of the `ShardActor`: the
Discord session (id, acknowledged seq, resume URL) so a restarted shard resumes and loses no
event, the fatal error that stopped the shard for good (if any), and the live latency.
"""

from __future__ import annotations

from collections.abc import Callable

import structlog

from bot.gateway.session import GatewaySession
from bot.gateway.session_state import ShardSession

__all__ = ["ShardState"]

log = structlog.get_logger(__name__)


class ShardState:
    """What one shard keeps across restarts of its actor; the tree makes it once per shard."""

    def __init__(
        self,
        shard_id: int,
        shard_count: int,
        on_fatal: Callable[[int, BaseException], object] | None = None,
    ) -> None:
        self.shard_id = shard_id
        self.session = ShardSession(shard_id, shard_count)
        self.fatal_error: BaseException | None = None
        self.gateway: GatewaySession | None = None  # the running actor's, for latency
        self.on_fatal = on_fatal
        """Called (from the shard's thread; it must not block) with the shard id and the error
        when the shard stops for good: the tree uses it to end the whole bot."""

    def stopped_for_good(self, error: BaseException) -> None:
        """Records why the shard stopped for good and tells `on_fatal` (its errors are logged)."""
        self.fatal_error = error
        if self.on_fatal is None:
            return
        try:
            self.on_fatal(self.shard_id, error)
        except Exception:
            log.exception("shard.on_fatal_failed", shard=self.shard_id)

    @property
    def latency(self) -> float | None:
        """The last heartbeat round trip in seconds (None before the first ACK)."""
        gateway = self.gateway
        return gateway.latency if gateway is not None else None
