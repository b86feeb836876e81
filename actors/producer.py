"""`ProducerActor`: one per shard; writes each dispatch to the cache, then fans it out.

Where its work runs. Its shard's reader hands it dispatches through an
`actors.handoff.Handoff` (the shard tells it `Attach(handoff)`):
- **inline** (the default, and what a bot runs): the producer makes the pipe run each dispatch
  in the reader's own thread (`Handoff.run_inline`): the reader writes the cache and hands the
  event to the consumers itself, then reads on. As Nostrum writes its cache in the shard's own
  process: one thread hand-off per event (reader to a consumer's pool) instead of two, and no
  wake-up of this actor's thread at all. A reader that must wait (a consumer with every slot
  taken, a consumer's restart, a full cluster queue) waits there, told paused
  (`actors.subscription.dispatch_wait`): its session takes no heartbeat ACK left unread for
  a zombie, and the wait ends with `DispatchAbandoned` when the shard stops. The workers of
  the events of one read of the socket start together, when the reader is about to read
  again or to wait (`supervisors.hold_turns`).
- **not inline** (`inline=False`): on each `Drain` this actor takes every dispatch waiting in
  the pipe and runs them in its own thread, in order, then drains again until the pipe is
  empty (the path before issue 9's last round; `bench/bench_pipeline.py --stage handoff`).

In both, each dispatch is acknowledged (`done(seq)`: the number the shard's session RESUMEs
from) once every consumer has it, and a `Dispatch` asked directly (tests, tools) goes the same
way alone, the reply meaning "taken". For each dispatch:
1. `apply(name, data, shard_id)` gives what consumers get as `Applied(name, data)`: the cache
   write under the stores' write lock (`write_cache`: one writer at a time across the shards;
   GUILD_CREATE may come back renamed GUILD_AVAILABLE or GUILD_UNAVAILABLE), an ask to the
   CacheActor (`ask_cache`), or the payload object alone where there is no cache.
2. `Event(name, data, shard)` goes to every member of the group `"consumers"` through the
   groups backend. A consumer with all of its `max_workers` slots taken makes that call wait
   (see `actors.consumer`).
3. Once every member has it, its seq is acknowledged to the shard's session.

So the whole path holds at most the pipe's capacity per shard between the socket and the
consumers (inline: the one dispatch the reader is handing on): no queue on it grows without
bound.

If `apply` raises (the cache crashed on a payload, or is gone past its timeout), the error is
logged (`producer.apply_failed`) and the consumers get the payload as it came (as its payload
type from `bot.events.CATALOGUE` when it is a mapping): an event is never dropped. Anything
else that raises inline (a bug in a groups backend) fails the reader, so the shard crashes and
is restarted, and its RESUME replays what was not acknowledged, as a crash of this actor's
thread does when not inline.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from functools import partial
from typing import Any, ClassVar, cast

import structlog
from pykka import ActorRef

import supervisors
from actors.errors import CacheUnavailable
from actors.groups import CONSUMERS, Groups
from actors.handoff import Drain, Handoff
from actors.messages import ApplyEvent, Attach, Dispatch
from actors.subscription import current
from bot.cache import Applied, Stores
from bot.cache import apply as cache_apply
from bot.events import Event, ShardInfo, payload_of
from bot.gateway.normalise import LAZY_EVENTS, normalise_json

__all__ = [
    "CACHE_TIMEOUT",
    "Apply",
    "ProducerActor",
    "ask_cache",
    "passthrough",
    "raw",
    "uncached",
    "write_cache",
]

log = structlog.get_logger(__name__)

CACHE_TIMEOUT = 10.0
"""Seconds the producer waits for the cache to apply one event (a storm's GUILD_CREATE is big)."""

_new_event = partial(tuple.__new__, Event)
"""`Event(name, data, shard)` made in C from a tuple: a NamedTuple's `__new__` is Python code,
a call on every event."""

Apply = Callable[[str, Any, int], Applied]
"""`apply(name, data, shard_id) -> Applied(name, data)`: what consumers get, under which name."""


def uncached(name: str, data: Any) -> Any:
    """The data consumers get without the cache: its payload type when the catalogue has one."""
    return payload_of(name, data)


def passthrough(name: str, data: Any, shard_id: int) -> Applied:
    """The `apply` of a bot without a cache: the payload object, nothing stored."""
    return Applied(name, uncached(name, data))


def raw(name: str, data: Any, shard_id: int) -> Applied:
    """An `apply` that hands the decoded data on as a normalised mapping, not a payload (tests,
    benchmarks): a dispatch the reader left as parsed (`LAZY_EVENTS`) is normalised here."""
    if name in LAZY_EVENTS:
        normalise_json(data)
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


def write_cache(stores: Stores) -> Apply:
    """An `apply` that writes the cache in the calling (producer's) thread, under the stores'
    write lock: one writer at a time across every shard's producer and the CacheActor, no
    message per event. Readers stay lock-free (see `bot.cache.memory`)."""
    lock = stores.write_lock

    def apply(name: str, data: Any, shard_id: int) -> Applied:
        with lock:
            return cache_apply(stores, name, data, shard_id)

    return apply


class ProducerActor(supervisors.Actor):
    """Turns its shard's dispatches into events for the consumers' group, one at a time (in
    its shard's reader when `inline`, see the module docstring)."""

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
        inline: bool = True,
    ) -> None:
        super().__init__()
        self.inline = inline
        """Run each dispatch in its shard's reader (True, the default), or in this actor's
        thread, drained from the pipe in batches (False)."""
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
        inline: bool = True,
    ) -> supervisors.ChildSpec:
        """The spec of shard `shard_id`'s producer (id: `("producer", shard_id)`)."""
        return supervisors.ChildSpec(
            ("producer", shard_id) if id is None else id,
            lambda: cls.start(shard_id, groups, apply=apply, shard=shard, inline=inline),
        )

    def on_receive(self, message: Any) -> Any:
        kind = type(message)
        if kind is Drain:
            self._drain(message)
            return None
        if kind is Dispatch:
            self.produce(message)
            return None
        if kind is Attach:
            self._attach(message.handoff)
            return None
        log.warning("producer.unknown_message", shard=self.shard_id, message=type(message).__name__)
        return None

    _handoff: Handoff | None = None

    def _attach(self, handoff: Handoff) -> None:
        """A (re)started shard's pipe replaces the one before (whatever that held is never
        acknowledged, so the shard's RESUME replays it)."""
        old, self._handoff = self._handoff, handoff
        if old is not None and old is not handoff:
            old.close()
        if self.inline:
            produce, done = self.produce, handoff.done

            def hand_on(dispatch: Dispatch) -> None:  # in the shard's reader
                produce(dispatch)
                done(dispatch.seq)

            handoff.run_inline(hand_on)

    def _drain(self, drain: Drain) -> None:
        """Takes one batch from the pipe and hands it on; tells itself to drain again while more
        waits (so a stop queued meanwhile is not kept waiting behind a flood)."""
        handoff = drain.handoff
        if handoff is not self._handoff:
            handoff.take()  # a pipe of a shard that is gone: let it go idle
            return
        batch = handoff.take()
        if not batch:
            return
        produce, done = self.produce, handoff.done
        for index, dispatch in enumerate(batch):
            if handoff.closed:
                return  # its shard is gone: the rest is never acknowledged, a RESUME replays it
            produce(dispatch)
            done(dispatch.seq)  # per event: a crash replays at most the one being handed on
            batch[index] = None  # let it go now, not with the batch (a storm's are megabytes)
        self.actor_ref.tell(drain)

    def on_stop(self) -> None:
        if self._handoff is not None:
            self._handoff.close()

    def on_failure(self, *_exc_info: Any) -> None:
        self.on_stop()

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
        current.seq = dispatch.seq  # for the log of an event a subscription must drop
        event = _new_event((name, data, self.shard))
        if self._dispatch_seq is not None:
            reached = self._dispatch_seq(self.group, event, dispatch.seq)
        else:
            reached = self.groups.dispatch(self.group, event)
        if dispatch.seq is not None:
            self.last_seq = dispatch.seq
        return reached
