"""The cluster backend's pure parts: Redis keys, Lua scripts, event streams, shard leases with
fencing, identify pacing and REST limits shared across nodes (docs/cluster.md).

No threads here: the actors in `actors/cluster_groups.py` run the loops. Every Redis error is
translated to `ClusterUnavailable` at `bot.cluster.errors.translated`.
"""

from __future__ import annotations

from bot.cluster.codec import Entry, decode_data, encode_data
from bot.cluster.errors import ClusterError, ClusterUnavailable, FencedOut
from bot.cluster.keys import Keys
from bot.cluster.leases import Checkpoint, Lease, ShardLeases
from bot.cluster.pacing import ClusterIdentify, IdentifyAnswer
from bot.cluster.rest_limits import ClusterRestLimits
from bot.cluster.streams import Delivery, EventPublisher, GroupReader, Lag

__all__ = [
    "Checkpoint",
    "ClusterError",
    "ClusterIdentify",
    "ClusterRestLimits",
    "ClusterUnavailable",
    "Delivery",
    "Entry",
    "EventPublisher",
    "FencedOut",
    "GroupReader",
    "IdentifyAnswer",
    "Keys",
    "Lag",
    "Lease",
    "ShardLeases",
    "decode_data",
    "encode_data",
]
