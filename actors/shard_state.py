"""`ShardState`: what one shard keeps across restarts of its actor (docs/architecture.md, 3).

The shard tree makes one per shard and hands it to every (re)start of the `ShardActor`: the
Discord session (id, acknowledged seq, resume URL) so a restarted shard resumes and loses no
event, the fatal error that stopped the shard for good (if any), and the live latency.
"""

from __future__ import annotations

from bot.gateway.session import GatewaySession
from bot.gateway.session_state import ShardSession

__all__ = ["ShardState"]


class ShardState:
    """What one shard keeps across restarts of its actor; the tree makes it once per shard."""

    def __init__(self, shard_id: int, shard_count: int) -> None:
        self.session = ShardSession(shard_id, shard_count)
        self.fatal_error: BaseException | None = None
        self.gateway: GatewaySession | None = None  # the running actor's, for latency

    @property
    def latency(self) -> float | None:
        """The last heartbeat round trip in seconds (None before the first ACK)."""
        gateway = self.gateway
        return gateway.latency if gateway is not None else None
