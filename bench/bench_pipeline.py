"""Events per second through the event pipeline, whole and stage by stage.

    .venv/bin/python bench/bench_pipeline.py [--events N] [--stage NAME ...] [--cpu N]

Stages (each a function `stage(events) -> Timing`, registered in STAGES), in the order of the path:
- inflate:       `ZlibStreamInflater.feed` of each compressed frame (one connection's stream).
- decode:        `JsonCodec.decode_dispatch` of each inflated frame, as the shard's reader does
                 (orjson; a MESSAGE_CREATE's `d` left as parsed: `normalise.LAZY_EVENTS`).
- decode_eager:  `JsonCodec.decode` (orjson + normalise of the whole tree), for comparison.
- handoff:       the shard -> producer pipe (`actors.handoff.Handoff`, batches, bounded) into a
                 ProducerActor that is not inline (it drains the pipe in its own thread), with
                 no consumer, until it has handed on the last one.
- cache_apply:   `bot.cache.apply` of each MESSAGE_CREATE as the reader leaves it, in this thread.
- cache_ask:     the same through an ask to the CacheActor (off the path since issue 9: the
                 producer writes the cache itself), for comparison.
- fanout:        `LocalGroups.dispatch` of one event to one member with a no-op deliver.
- worker_start:  `start_worker` of a no-op, until every one has run.
- consumer:      `Consumer.deliver` (filter, slot, worker) to a `handle_event` that counts.
- pipeline:      pipe -> producer (inline, as a bot's: in this thread) -> group -> consumer ->
                 worker -> `handle_event`, one consumer, no cache, waiting for the last handler.
- pipeline_cache: the same with the producer writing the cache (`write_cache`), as a bot does.
- frames:        THE WHOLE PATH in one process: compressed frame -> inflate -> decode ->
                 pipe -> producer (cache write) -> group -> consumer -> worker -> `handle_event`.
                 (`bench/bench_peers.py` measures it as users run it: the simulator in its own
                 process over a real socket.)
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

from actors.cache import CacheActor
from actors.consumer import Consumer
from actors.groups import CONSUMERS
from actors.handoff import Handoff
from actors.messages import Attach, Dispatch
from actors.producer import Apply, ProducerActor, ask_cache, passthrough, write_cache
from actors.registry import LocalGroups, start_local_groups
from actors.workers import start_worker
from bot.app.runtime import tune_gc
from bot.cache import Stores
from bot.cache import apply as cache_apply
from bot.events import Event, ShardInfo
from bot.gateway import Compression, JsonCodec, make_inflater
from bot.gateway.wsframes import READ_BYTES
from supervisors import hold_turns, release_turns

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


def stage_handoff(events: int) -> Timing:
    groups, registry = start_local_groups()
    producer = ProducerActor.start(0, groups, inline=False)  # the pipe itself, drained
    try:
        start = clock()
        handoff = _pipe(producer)
        _put_all(handoff, [(seq, "MESSAGE_CREATE", MESSAGE) for seq in range(1, events + 1)])
        if not handoff.wait_idle(WAIT):
            raise RuntimeError(f"the producer did not drain the pipe in {WAIT} s")
        return since(start)
    finally:
        producer.stop()
        registry.stop()


def stage_pipeline(events: int, apply: Apply = passthrough) -> Timing:
    groups, registry = start_local_groups()
    countdown = Countdown(events)
    consumer = CountingConsumer.start(groups, countdown)
    producer = ProducerActor.start(0, groups, apply=apply)
    try:
        items = [(seq, "MESSAGE_CREATE", dict(MESSAGE)) for seq in range(1, events + 1)]
        start = clock()
        _put_all(_pipe(producer), items)
        countdown.wait()
        return since(start)
    finally:
        producer.stop()
        consumer.stop()
        registry.stop()


def stage_pipeline_cache(events: int) -> Timing:
    return stage_pipeline(events, apply=write_cache(Stores.in_memory()))


@functools.cache
def frames(events: int) -> list[bytes]:
    """The uncompressed MESSAGE_CREATE frames (made once per count)."""
    return message_frames(events)


@functools.cache
def compressed(events: int) -> list[bytes]:
    """The frames as one zlib-stream connection carries them."""
    return compressed_stream(frames(events))


def decoded(events: int) -> list[tuple[int | None, str, Any]]:
    """(seq, name, data) of each frame, decoded as the shard hands them on (made anew per run:
    the cache and the payloads normalise what the reader left as parsed, in place)."""
    decode = JsonCodec().decode_dispatch
    return [dispatch_of(decode(frame)) for frame in frames(events)]


def stage_inflate(events: int) -> Timing:
    stream = compressed(events)
    feed = make_inflater(Compression.ZLIB_STREAM).feed
    start = clock()
    for frame in stream:
        feed(frame)
    return since(start)


def stage_decode(events: int, eager: bool = False) -> Timing:
    payloads = frames(events)
    codec = JsonCodec()
    decode = codec.decode if eager else codec.decode_dispatch
    start = clock()
    for payload in payloads:
        dispatch_of(decode(payload))
    return since(start)


def stage_decode_eager(events: int) -> Timing:
    return stage_decode(events, eager=True)


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
    groups, registry = start_local_groups()
    countdown = Countdown(events)
    consumer = CountingConsumer.start(groups, countdown)
    apply = write_cache(Stores.in_memory()) if cached else passthrough
    producer = ProducerActor.start(0, groups, apply=apply)
    try:
        start = clock()
        _reader_loop(_pipe(producer), stream)
        countdown.wait()
        return since(start)
    finally:
        producer.stop()
        consumer.stop()
        registry.stop()


def stage_frames_nocache(events: int) -> Timing:
    return stage_frames(events, cached=False)


def _pipe(producer: Any) -> Handoff:
    """A shard's pipe to `producer`, attached as a (re)started shard attaches it (asked here,
    so that an inline producer runs the first dispatch in this thread too)."""
    handoff = Handoff(producer.tell, lambda seq: None)
    producer.ask(Attach(handoff))
    return handoff


def _put_all(handoff: Handoff, items: list[tuple[int | None, str, Any]]) -> None:
    """What the shard's reader does per dispatch: put it in the pipe (waiting while full)."""
    put = handoff.put
    for seq, name, data in items:
        put(Dispatch(0, seq, name, data))


def _reader_loop(handoff: Handoff, stream: list[bytes]) -> None:
    """What the ShardActor's reader does per frame: inflate, decode, put in the pipe."""
    feed = make_inflater(Compression.ZLIB_STREAM).feed
    decode = JsonCodec().decode_dispatch
    put = handoff.put
    read = 0  # bytes of the socket's current read
    hold_turns()  # as the reader: the workers of one read's events start together
    try:
        for frame in stream:
            read += len(frame)
            if read > READ_BYTES:  # the next read of the socket
                release_turns()
                handoff.flush()
                read = len(frame)
            raw = feed(frame)
            if raw is None:
                continue
            seq, name, data = dispatch_of(decode(raw))
            put(Dispatch(0, seq, name, data))
    finally:
        release_turns(stop_holding=True)


STAGES: dict[str, Callable[[int], Timing]] = {
    "inflate": stage_inflate,
    "decode": stage_decode,
    "decode_eager": stage_decode_eager,
    "handoff": stage_handoff,
    "cache_apply": stage_cache_apply,
    "cache_ask": stage_cache_ask,
    "fanout": stage_fanout,
    "worker_start": stage_worker_start,
    "consumer": stage_consumer,
    "pipeline": stage_pipeline,
    "pipeline_cache": stage_pipeline_cache,
    "frames": stage_frames,
    "frames_nocache": stage_frames_nocache,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--stage", action="append", choices=sorted(STAGES))
    parser.add_argument("--repeat", type=int, default=3, help="runs per stage; the best is shown")
    parser.add_argument("--cpu", type=int, help="pin the process to this CPU (one core)")
    parser.add_argument(
        "--gc",
        choices=("tuned", "default"),
        default="tuned",
        help="the garbage collector as a started bot sets it (`[runtime] gc`), or as Python has it",
    )
    options = parser.parse_args()
    if options.gc == "tuned":
        tune_gc()
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
