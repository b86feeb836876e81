"""Every Redis key the cluster backend uses, named in one place under the bot's `key_prefix`.

Two bots (or two test runs) on one Redis use two prefixes and share nothing.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass

__all__ = ["Keys"]


@dataclass(frozen=True, slots=True)
class Keys:
    """The key names of one bot (`prefix` is `[cluster] key_prefix`)."""

    prefix: str

    def stream(self, group: Hashable) -> str:
        """The stream the events dispatched to process group `group` are added to."""
        return f"{self.prefix}:stream:{group}"

    def dead_letters(self, group: Hashable) -> str:
        """Where an event of `group` goes after `max_deliveries` deliveries."""
        return f"{self.prefix}:dead:{group}"

    def sole_reader(self, group: Hashable, redis_group: str) -> str:
        """The node that alone reads an ordered shared consumer group (expiring)."""
        return f"{self.prefix}:reader:{group}:{redis_group}"

    def lease(self, shard: int) -> str:
        """`NODE EPOCH` of the shard's owner, expiring with the lease."""
        return f"{self.prefix}:lease:{shard}"

    def epoch(self, shard: int) -> str:
        """The shard's fencing-token counter: every new lease takes the next number."""
        return f"{self.prefix}:epoch:{shard}"

    def checkpoint(self, shard: int) -> str:
        """The shard's session (hash: session_id, seq, resume_gateway_url, epoch, node)."""
        return f"{self.prefix}:checkpoint:{shard}"

    def shard_count(self) -> str:
        """The number of shards the leases cover."""
        return f"{self.prefix}:shard_count"

    def node(self, name: str) -> str:
        """A node's heartbeat (hash, expiring): started, shards, pid."""
        return f"{self.prefix}:node:{name}"

    def nodes(self) -> str:
        """The set of node names seen (a name whose heartbeat expired is a dead node)."""
        return f"{self.prefix}:nodes"

    def identify_window(self, bucket: int) -> str:
        """Held for 5 s after an IDENTIFY of rate-limit bucket `bucket` (shard % concurrency)."""
        return f"{self.prefix}:identify:{bucket}"

    def session_starts(self) -> str:
        """The shared `session_start_limit.remaining` counter (expires at its reset)."""
        return f"{self.prefix}:session_starts"

    def rest_bucket(self, bucket: str) -> str:
        """A REST bucket's state (hash: remaining, reset_at)."""
        return f"{self.prefix}:rest:bucket:{bucket}"

    def rest_probe(self, bucket: str) -> str:
        """Held (briefly) by the node whose request learns an unknown REST bucket."""
        return f"{self.prefix}:rest:probe:{bucket}"

    def rest_global(self) -> str:
        """The global REST limit: requests in the current second, and a pause after a 429."""
        return f"{self.prefix}:rest:global"

    def pattern(self) -> str:
        """A SCAN pattern matching every key of this prefix."""
        return f"{self.prefix}:*"
