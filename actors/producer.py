"""`ProducerActor`: one per shard; writes each dispatch to the cache, then fans it out.

For each `Dispatch` its shard asks it with (`producer.ask(Dispatch(...), block=False)`):
1. `apply(name, data, shard_id)` gives what consumers get as `Applied(name, data)`: the
   CacheActor's answer to `ApplyEvent` (see `ask_cache`; GUILD_CREATE may come back renamed
   GUILD_AVAILABLE or GUILD_UNAVAILABLE), or the payload object alone where there is no cache.
2. `Event(name, data, shard)` goes to every member of the group `"consumers"` through the
   groups backend, in this actor's thread. A consumer with all of its `max_workers` slots taken
   makes that call wait (see `actors.consumer`).
3. The ask is answered: the reply tells the shard it may read the next frame, and the seq it
   carried is acknowledged.

So the whole path holds at most one dispatch per shard between the socket and the consumers'
slots: no queue on it grows without bound.

If `apply` raises (the cache crashed on a payload, or is gone past its timeout), the error is
logged (`producer.apply_failed`) and the consumers get the payload as it came (as its payload
type from `bot.events.CATALOGUE` when it is a mapping): an event is never dropped.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from typing import Any, ClassVar, cast

import structlog
from pykka import ActorRef

import supervisors
from actors.errors import CacheUnavailable
from actors.groups import CONSUMERS, Groups
from actors.messages import ApplyEvent, Dispatch
from bot.cache import Applied
from bot.events import CATALOGUE, Event, ShardInfo

__all__ = [
    "CACHE_TIMEOUT",
    "Apply",
    "ProducerActor",
    "ask_cache",
    "passthrough",
    "raw",
    "uncached",
]

log = structlog.get_logger(__name__)

CACHE_TIMEOUT = 10.0
"""Seconds the producer waits for the cache to apply one event (a storm's GUILD_CREATE is big)."""

Apply = Callable[[str, Any, int], Applied]
"""`apply(name, data, shard_id) -> Applied(name, data)`: what consumers get, under which name."""


def uncached(name: str, data: Any) -> Any:
    """The data consumers get without the cache: its payload type when the catalogue has one."""
    spec = CATALOGUE.get(name)
    if spec is None or spec.payload is None or not isinstance(data, Mapping):
        return data
    return spec.payload(data)


def passthrough(name: str, data: Any, shard_id: int) -> Applied:
    """The `apply` of a bot without a cache: the payload object, nothing stored."""
    return Applied(name, uncached(name, data))


def raw(name: str, data: Any, shard_id: int) -> Applied:
    """An `apply` that hands the decoded data on untouched (tests, benchmarks)."""
    return Applied(name, data)


def ask_cache(
    resolve: Callable[[], ActorRef[Any] | None], *, timeout: float = CACHE_TIMEOUT
) -> Apply:
    """An `apply` that asks the CacheActor `resolve()` finds (a `Names` lookup) for each event.

    Looked up per event, so a restarted cache is found under its name.
    """

    def apply(name: str, data: Any, shard_id: int) -> Applied:
        cache = resolve()
        if cache is None:
            raise CacheUnavailable(name, shard_id)
        result = cache.ask(ApplyEvent(name, data, shard_id), block=True, timeout=timeout)
        return cast(Applied, result)

    return apply


class ProducerActor(supervisors.Actor):
    """Turns its shard's dispatches into events for the consumers' group, one at a time."""

    inbox_size: ClassVar[int | None] = 8
    """Its shard has one dispatch in flight at a time; the rest of the room is for slack."""

    def __init__(
        self,
        shard_id: int,
        groups: Groups,
        *,
        apply: Apply = passthrough,
        shard: ShardInfo | None = None,
        group: Hashable = CONSUMERS,
    ) -> None:
        super().__init__()
        self.shard_id = shard_id
        self.groups = groups
        self.apply = apply
        self.shard = shard if shard is not None else ShardInfo(shard_id)
        self.group = group
        # A cluster backend that checkpoints the seq with each publish (actors/lease_keeper.py).
        self._dispatch_seq = getattr(groups, "dispatch_seq", None)
        self.last_seq: int | None = None
        """The seq of the last dispatch handed to every consumer (acknowledged to the shard)."""

    @classmethod
    def child_spec(
        cls,
        shard_id: int,
        groups: Groups,
        *,
        id: Hashable | None = None,
        apply: Apply = passthrough,
        shard: ShardInfo | None = None,
    ) -> supervisors.ChildSpec:
        """The spec of shard `shard_id`'s producer (id: `("producer", shard_id)`)."""
        return supervisors.ChildSpec(
            ("producer", shard_id) if id is None else id,
            lambda: cls.start(shard_id, groups, apply=apply, shard=shard),
        )

    def on_receive(self, message: Any) -> Any:
        if type(message) is Dispatch:
            self.produce(message)
            return None
        log.warning("producer.unknown_message", shard=self.shard_id, message=type(message).__name__)
        return None

    def produce(self, dispatch: Dispatch) -> int:
        """Applies one dispatch to the cache and hands the result to every consumer.

        Returns the number of members reached; returns only once each has taken the event.
        """
        try:
            name, data = self.apply(dispatch.name, dispatch.data, self.shard_id)
        except Exception:
            log.exception(
                "producer.apply_failed",
                shard=self.shard_id,
                seq=dispatch.seq,
                event_name=dispatch.name,
            )
            name, data = dispatch.name, uncached(dispatch.name, dispatch.data)
        event = Event(name, data, self.shard)
        if self._dispatch_seq is not None:
            reached = self._dispatch_seq(self.group, event, dispatch.seq)
        else:
            reached = self.groups.dispatch(self.group, event)
        if dispatch.seq is not None:
            self.last_seq = dispatch.seq
        return reached
