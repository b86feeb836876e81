"""Messages between Shardline's actors: immutable and typed."""

from __future__ import annotations

from typing import Any, NamedTuple


class Dispatch(NamedTuple):
    """A gateway DISPATCH handed by a shard to its producer; the reply means 'ready for more'."""

    shard_id: int
    seq: int | None
    name: str
    data: Any
