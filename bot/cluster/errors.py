"""The cluster backend's errors: one root, with fields; Redis's own errors are translated here."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

import redis

__all__ = ["ClusterError", "ClusterUnavailable", "FencedOut", "translated"]

T = TypeVar("T")


class ClusterError(Exception):
    """Root of the cluster backend's errors."""


class ClusterUnavailable(ClusterError):
    """Redis could not be reached (or answered with an error) during `operation`."""

    def __init__(self, operation: str, reason: str) -> None:
        super().__init__(f"redis unavailable during {operation}: {reason}")
        self.operation = operation
        self.reason = reason


class FencedOut(ClusterError):
    """A write for `shard` was refused: this node's lease (epoch `epoch`) is no longer current."""

    def __init__(self, shard: int, node: str, epoch: int) -> None:
        super().__init__(f"shard {shard}: lease epoch {epoch} of node {node} is not current")
        self.shard = shard
        self.node = node
        self.epoch = epoch


@contextmanager
def translated(operation: str) -> Iterator[None]:
    """Turns redis-py's connection and server errors into `ClusterUnavailable` (the one boundary).

    The message carries the error's class only: a redis URL with a password must not reach a log.
    A `redis.ResponseError` (the server answered, refusing: a script's FENCED, BUSYGROUP) passes
    through for the caller to read.
    """
    try:
        yield
    except redis.ResponseError:
        raise
    except redis.RedisError as exc:
        raise ClusterUnavailable(operation, type(exc).__name__) from exc


def call(operation: str, function: Callable[[], T]) -> T:
    """`function()` with its Redis errors translated (see `translated`)."""
    with translated(operation):
        return function()
