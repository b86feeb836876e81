"""The errors of Shardline's actors: one root, each error with the fields that explain it."""

from __future__ import annotations

__all__ = ["ActorsError", "CacheUnavailable", "RegistryUnavailable"]


class ActorsError(Exception):
    """Root of every error raised by `actors`."""


class RegistryUnavailable(ActorsError):
    """The GroupRegistry actor is not running (stopped, or restarting past `timeout`)."""

    def __init__(self, operation: str) -> None:
        super().__init__(f"group registry unavailable: operation={operation}")
        self.operation = operation


class CacheUnavailable(ActorsError):
    """A producer found no CacheActor running to apply an event."""

    def __init__(self, event_name: str, shard_id: int) -> None:
        super().__init__(f"cache unavailable: event_name={event_name} shard={shard_id}")
        self.event_name = event_name
        self.shard_id = shard_id
