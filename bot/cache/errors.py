"""Errors of the cache package (one root)."""

from __future__ import annotations

__all__ = ["CacheError", "MalformedPayload"]


class CacheError(Exception):
    """Root of every error the cache raises."""


class MalformedPayload(CacheError):
    """A payload lacks what the cache needs to apply it (the event still reaches consumers)."""

    def __init__(self, event: str, reason: str) -> None:
        super().__init__(f"{event}: {reason}")
        self.event = event
        self.reason = reason
