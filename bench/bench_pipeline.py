"""Events per second through the event pipeline, whole and stage by stage.

    .venv/bin/python bench/bench_pipeline.py [--events N] [--stage NAME ...] [--cpu N]

Stages (each a function `stage(events) -> Timing`, registered in STAGES), in the order of the path:
- inflate:       `ZlibStreamInflater.feed` of each compressed frame (one connection's stream).
- decode:        `JsonCodec.decode` (orjson + normalise) of each inflated frame.
- producer_ask:  the shard -> producer handoff: a shard's round trip to the ProducerActor
                 (`ask(block=False)` then wait), with no consumer.
- cache_apply:   `bot.cache.apply` of each decoded MESSAGE_CREATE, in this thread (no actor).
- cache_ask:     the same through an ask to the real CacheActor from this thread (apply + hop).
- fanout:        `LocalGroups.dispatch` of one event to one member with a no-op deliver.
- worker_start:  `start_worker` of a no-op, until every one has run.
- consumer:      `Consumer.deliver` (filter, slot, worker) to a no-op `handle_event` (the
                 handle_event stage: slot, worker start, the handler, the slot back).
- pipeline:      the shard's side of the whole path: Dispatch ask per event -> producer ->
                 group -> consumer -> worker -> `handle_event`, one consumer, waiting for the
                 last handler. The target for frame -> handle_event is >= 10,000 MESSAGE_CREATE/s.
- pipeline_cache_ask: the same with the producer asking a cache actor that does nothing (the
                 cost of the cache hop without the cost of applying).
- pipeline_cache: the same through the real CacheActor (messages stored, payload objects made).
- pipeline_cache_inline: the same with `bot.cache.apply` called in the producer's thread under a
                 lock instead of an ask to the CacheActor (one thread hop less per event).
- frames:        THE WHOLE PATH: compressed frame -> inflate -> decode+normalise -> shard's
                 Dispatch ask -> producer -> CacheActor ask -> group -> consumer -> worker ->
                 `handle_event`, the reader pipelined as the ShardActor's (it decodes frame n+1
                 while the producer holds frame n). Target: >= 10,000 MESSAGE_CREATE/s.
- frames_nocache: the same without the cache (the producer's `passthrough` apply).

The MESSAGE_CREATE frames are the real ones of tests/data/payloads/ with fresh ids and text
(bench/pipeline_frames.py). `--cpu N` pins the process to CPU N ("one core").

Figures: events/s and us/event in wall-clock time; cpu us/event is the CPU time of every thread
of the process per event (the "one core" budget is 100 us/event for 10,000/s).
"""

from __future__ import annotations

import argparse
import functools
import os
import threading
import time
from collections.abc import Callable
from typing import Any, NamedTuple

import structlog
from pipeline_frames import compressed_stream, dispatch_of, message_frames

import supervisors
from actors.cache import CacheActor
from actors.consumer import Consumer
from actors.groups import CONSUMERS
from actors.messages import Dispatch
from actors.producer import Apply, ProducerActor, ask_cache, passthrough
from actors.registry import LocalGroups, start_local_groups
from actors.workers import start_worker
from bot.cache import Applied, Stores
from bot.cache import apply as cache_apply
from bot.events import Event, ShardInfo
from bot.gateway import Compression, JsonCodec, make_inflater

WAIT = 60.0


class Timing(NamedTuple):
    """Wall-clock and CPU seconds (every thread of the process) of one stage run."""

    wall: float
    cpu: float


def clock() -> Timing:
    return Timing(time.perf_counter(), time.process_time())


def since(start: Timing) -> Timing:
    return Timing(time.perf_counter() - start.wall, time.process_time() - start.cpu)


# A MESSAGE_CREATE as the gateway decodes it (str keys, int snowflakes).
MESSAGE: dict[str, Any] = {
    "id": 1055555555555555555,
    "channel_id": 1044444444444444444,
    "guild_id": 1033333333333333333,
    "author": {"id": 1022222222222222222, "username": "bench", "discriminator": "0"},
    "content": "hello world",
    "timestamp": "2024-01-01T00:00:00.000000+00:00",
    "edited_timestamp": None,
    "tts": False,
    "mention_everyone": False,
    "mentions": [],
    "mention_roles": [],
    "attachments": [],
    "embeds": [],
    "pinned": False,
    "type": 0,
}


class Countdown:
    """Counts handled events; `wait()` returns when the expected number has run."""

    def __init__(self, expected: int) -> None:
        self.left = expected
        self.lock = threading.Lock()
        self.done = threading.Event()

    def hit(self) -> None:
        with self.lock:
            self.left -= 1
            if self.left == 0:
                self.done.set()

    def wait(self) -> None:
        if not self.done.wait(WAIT):
            raise RuntimeError(f"only {self.left} events short of done after {WAIT} s")


class CountingConsumer(Consumer):
    """A consumer whose handler only counts."""

    events = frozenset({"MESSAGE_CREATE"})

    def __init__(self, groups: LocalGroups, countdown: Countdown) -> None:
        super().__init__(groups)
        self.countdown = countdown

    def handle_event(self, event: Event) -> None:
        self.countdown.hit()


def stage_fanout(events: int) -> Timing:
    groups, registry = start_local_groups()
    sink = start_local_groups()[1]  # any live actor stands as the member
    try:
        groups.join(CONSUMERS, sink, lambda event: None)
        event = Event("MESSAGE_CREATE", MESSAGE, ShardInfo(0))
        dispatch = groups.dispatch
        start = clock()
        for _ in range(events):
            dispatch(CONSUMERS, event)
        return since(start)
    finally:
        sink.stop()
        registry.stop()


def stage_worker_start(events: int) -> Timing:
    countdown = Countdown(events)
    hit = countdown.hit
    start_worker(hit)  # the pool exists before the clock starts
    countdown.left += 1
    start = clock()
    for _ in range(events):
        start_worker(hit)
    countdown.wait()
    return since(start)


def stage_consumer(events: int) -> Timing:
    groups, registry = start_local_groups()
    countdown = Countdown(events)
    consumer = CountingConsumer.start(groups, countdown)
    try:
        # The consumer's deliver as the group holds it, called the way a producer calls it.
        member = groups.membership.snapshot[CONSUMERS][0]
        event = Event("MESSAGE_CREATE", MESSAGE, ShardInfo(0))
        start = clock()
        for _ in range(events):
            member.deliver(event)
        countdown.wait()
        return since(start)
    finally:
        consumer.stop()
        registry.stop()


def stage_producer_ask(events: int) -> Timing:
    groups, registry = start_local_groups()
    producer = ProducerActor.start(0, groups)
    try:
        return _shard_loop(producer, events)
    finally:
        producer.stop()
        registry.stop()


def stage_pipeline(events: int, apply: Apply = passthrough) -> Timing:
    groups, registry = start_local_groups()
    countdown = Countdown(events)
    consumer = CountingConsumer.start(groups, countdown)
    producer = ProducerActor.start(0, groups, apply=apply)
    try:
        start = clock()
        _shard_loop(producer, events)
        countdown.wait()
        return since(start)
    finally:
        producer.stop()
        consumer.stop()
        registry.stop()


class EchoCache(supervisors.Actor):
    """Stands for the CacheActor: answers `ApplyEvent` with the data, at no cost of its own."""

    def on_receive(self, message: Any) -> Any:
        return Applied(message.name, message.data)


def stage_pipeline_cache_ask(events: int) -> Timing:
    cache = EchoCache.start()
    try:
        return stage_pipeline(events, apply=ask_cache(lambda: cache))
    finally:
        cache.stop()


def stage_pipeline_cache(events: int) -> Timing:
    cache = CacheActor.start(Stores.in_memory())
    try:
        return stage_pipeline(events, apply=ask_cache(lambda: cache))
    finally:
        cache.stop()


def stage_pipeline_cache_inline(events: int) -> Timing:
    """The real `bot.cache.apply` called in the producer's thread under a lock (no actor hop):
    a figure for deciding whether the cache write should stay an ask to the CacheActor."""
    stores = Stores.in_memory()
    lock = threading.Lock()

    def apply_inline(name: str, data: Any, shard_id: int) -> Applied:
        with lock:
            return cache_apply(stores, name, data, shard_id)

    return stage_pipeline(events, apply=apply_inline)


@functools.cache
def frames(events: int) -> list[bytes]:
    """The uncompressed MESSAGE_CREATE frames (made once per count)."""
    return message_frames(events)


@functools.cache
def compressed(events: int) -> list[bytes]:
    """The frames as one zlib-stream connection carries them."""
    return compressed_stream(frames(events))


@functools.cache
def decoded(events: int) -> list[tuple[int | None, str, Any]]:
    """(seq, name, data) of each frame, decoded and normalised as the shard hands them on."""
    decode = JsonCodec().decode
    return [dispatch_of(decode(frame)) for frame in frames(events)]


def stage_inflate(events: int) -> Timing:
    stream = compressed(events)
    feed = make_inflater(Compression.ZLIB_STREAM).feed
    start = clock()
    for frame in stream:
        feed(frame)
    return since(start)


def stage_decode(events: int) -> Timing:
    payloads = frames(events)
    decode = JsonCodec().decode
    start = clock()
    for payload in payloads:
        dispatch_of(decode(payload))
    return since(start)


def stage_cache_apply(events: int) -> Timing:
    stores = Stores.in_memory()
    dispatches = decoded(events)
    start = clock()
    for _seq, name, data in dispatches:
        cache_apply(stores, name, data, 0)
    return since(start)


def stage_cache_ask(events: int) -> Timing:
    cache = CacheActor.start(Stores.in_memory())
    dispatches = decoded(events)
    try:
        apply = ask_cache(lambda: cache)
        start = clock()
        for _seq, name, data in dispatches:
            apply(name, data, 0)
        return since(start)
    finally:
        cache.stop()


def stage_frames(events: int, cached: bool = True) -> Timing:
    stream = compressed(events)
    cache = CacheActor.start(Stores.in_memory())
    groups, registry = start_local_groups()
    countdown = Countdown(events)
    consumer = CountingConsumer.start(groups, countdown)
    apply = ask_cache(lambda: cache) if cached else passthrough
    producer = ProducerActor.start(0, groups, apply=apply)
    try:
        start = clock()
        _reader_loop(producer, stream)
        countdown.wait()
        return since(start)
    finally:
        producer.stop()
        consumer.stop()
        registry.stop()
        cache.stop()


def stage_frames_nocache(events: int) -> Timing:
    return stage_frames(events, cached=False)


def _reader_loop(producer: Any, stream: list[bytes]) -> None:
    """What the ShardActor's reader does per frame: inflate, decode, wait for the producer's
    reply to the dispatch before, then ask it with this one (actors/shard.py `_deliver`)."""
    feed = make_inflater(Compression.ZLIB_STREAM).feed
    decode = JsonCodec().decode
    ask = producer.ask
    inflight = None
    for frame in stream:
        raw = feed(frame)
        if raw is None:
            continue
        seq, name, data = dispatch_of(decode(raw))
        if inflight is not None:
            inflight.get(timeout=WAIT)
        inflight = ask(Dispatch(0, seq, name, data), block=False)
    if inflight is not None:
        inflight.get(timeout=WAIT)


def _shard_loop(producer: Any, events: int) -> Timing:
    """What a ShardActor does per DISPATCH: ask, and read on only when the reply is in."""
    ask = producer.ask
    start = clock()
    for seq in range(events):
        ask(Dispatch(0, seq, "MESSAGE_CREATE", MESSAGE), block=False).get(timeout=WAIT)
    return since(start)


STAGES: dict[str, Callable[[int], Timing]] = {
    "inflate": stage_inflate,
    "decode": stage_decode,
    "producer_ask": stage_producer_ask,
    "cache_apply": stage_cache_apply,
    "cache_ask": stage_cache_ask,
    "fanout": stage_fanout,
    "worker_start": stage_worker_start,
    "consumer": stage_consumer,
    "pipeline": stage_pipeline,
    "pipeline_cache_ask": stage_pipeline_cache_ask,
    "pipeline_cache": stage_pipeline_cache,
    "pipeline_cache_inline": stage_pipeline_cache_inline,
    "frames": stage_frames,
    "frames_nocache": stage_frames_nocache,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--stage", action="append", choices=sorted(STAGES))
    parser.add_argument("--repeat", type=int, default=3, help="runs per stage; the best is shown")
    parser.add_argument("--cpu", type=int, help="pin the process to this CPU (one core)")
    options = parser.parse_args()
    if options.cpu is not None:
        os.sched_setaffinity(0, {options.cpu})
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(30))
    print(f"{'stage':22s} {'events/s':>12s} {'us/event':>9s} {'cpu us/event':>13s}")
    for name in options.stage or list(STAGES):
        best = min((STAGES[name](options.events) for _ in range(options.repeat)), key=wall)
        per_event = 1e6 / options.events
        print(
            f"{name:22s} {options.events / best.wall:12,.0f} {best.wall * per_event:9.1f}"
            f" {best.cpu * per_event:13.1f}"
        )


def wall(timing: Timing) -> float:
    return timing.wall


if __name__ == "__main__":
    main()
