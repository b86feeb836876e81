"""The errors of Shardline's actors: one root, each error with the fields that explain it."""

from __future__ import annotations

__all__ = [
    "ActorsError",
    "CacheUnavailable",
    "DispatchAbandoned",
    "InsecureGatewayUrl",
    "MembersRequestLost",
    "RegistryUnavailable",
    "SendQueueFull",
    "ShardNotConnected",
    "ShardStoppedForGood",
]


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


class DispatchAbandoned(ActorsError):
    """The thread handing an event to the consumers is stopping (a shard's reader, whose shard
    stops): it gave up waiting for a consumer's slot. The event was not acknowledged, so the
    shard's RESUME replays it; a consumer that had already taken it gets it twice."""

    def __init__(self) -> None:
        super().__init__("dispatch abandoned: its reader is stopping")


class InsecureGatewayUrl(ActorsError, ValueError):
    """A gateway URL the shard refuses: only wss:// (TLS verified), or ws:// to loopback."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"refusing gateway url {url!r}: {reason}")
        self.url = url
        self.reason = reason


class SendQueueFull(ActorsError):
    """A shard already holds `limit` gateway commands waiting for the send limit."""

    def __init__(self, shard_id: int, limit: int) -> None:
        super().__init__(f"shard {shard_id} has {limit} gateway commands queued already")
        self.shard_id = shard_id
        self.limit = limit


class ShardNotConnected(ActorsError):
    """A command was given to a shard that has stopped for good (a fatal close code, or stop)."""

    def __init__(self, shard_id: int) -> None:
        super().__init__(f"shard {shard_id} is stopped")
        self.shard_id = shard_id


class ShardStoppedForGood(ActorsError):
    """A shard stopped and will not reconnect (a fatal close code: a bad token, intents the
    application may not use...): the bot's tree ends with it, since the config must change."""

    def __init__(self, shard_id: int, error: BaseException) -> None:
        super().__init__(f"shard {shard_id} stopped for good: {error}")
        self.shard_id = shard_id
        self.error = error
        self.code: int | None = getattr(error, "code", None)


class MembersRequestLost(ActorsError):
    """A Request Guild Members whose chunks will not all come: the connection closed before
    (`reason="connection lost"`), or newer requests pushed it out (`reason="too many pending"`).
    Asking again is safe."""

    def __init__(self, shard_id: int, nonce: str, reason: str) -> None:
        super().__init__(f"member request {nonce} on shard {shard_id} lost: {reason}")
        self.shard_id = shard_id
        self.nonce = nonce
        self.reason = reason
