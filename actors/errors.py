"""The errors of Shardline's actors: one root, each error with the fields that explain it."""

from __future__ import annotations

__all__ = ["ActorsError", "RegistryUnavailable"]


class ActorsError(Exception):
    """Root of every error raised by `actors`."""


class RegistryUnavailable(ActorsError):
    """The GroupRegistry actor is not running (stopped, or restarting past `timeout`)."""

    def __init__(self, operation: str) -> None:
        super().__init__(f"group registry unavailable: operation={operation}")
        self.operation = operation
