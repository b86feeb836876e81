"""Instructions per event of the event path, counted by valgrind: exact where timings are noise.

    .venv/bin/python bench/bench_instructions.py [--messages N] [--stage NAME ...]

Why: on these shared 2-vCPU machines one timing moves by 10 to 40% from run to run, so a change
worth 3% cannot be seen with a clock. Valgrind's callgrind counts the instructions the process
executes, the same from run to run within about 1%. Each stage runs twice under callgrind in a
child process, once without and once with the measured part; the difference, divided by the
events, is the figure. Needs `valgrind` on the PATH (Debian: `apt-get install valgrind`);
without it, says so and exits. Valgrind runs about 50x slower: the whole bench takes about
10 minutes.

In one thread, the path of a MESSAGE_CREATE as the shard's reader, the producer and a worker
run it (no thread hand-off: `bench/bench_pipeline.py` and `bench/bench_peers.py` measure those):
- inflate:   `ZlibStreamInflater.feed` of each compressed frame.
- bare:      inflate + `orjson.loads`: the floor the issue compares the path with.
- decode:    inflate + `JsonCodec.decode_dispatch` + reading the dispatch's op, t, s and d.
- cache:     decode + the cache write (`write_cache`), as the producer does it.
- fanout:    cache + `LocalGroups.dispatch` to one consumer: its `deliver`, the worker actor,
             `handle_event` (which counts), the slot given back. The pool runs each turn at once.
- full:      the same through `ProducerActor.produce`.
- reader:    what the shard's reader does per message, the socket read aside: the websocket
             frame cut out of the bytes read (`FrameBuffer`), inflate, `decode_dispatch`,
             `GatewaySession.on_payload`, the `Dispatch` put in the (deferred) pipe and taken.
- whole:     the reader with the tree's inline producer (`Handoff.run_inline`: the put runs
             `ProducerActor.produce`): everything one message costs the reader and the worker,
             counted in one thread.
- storm:     `bot.cache.apply` of 4 GUILD_CREATEs of 2,000 members each (the bench_peers storm's
             payloads), per member.

The messages are the real frames of bench/pipeline_frames.py: the first half fills the store and
starts the pools, the second half is counted.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from typing import Any

MESSAGE_STAGES = ("inflate", "bare", "decode", "cache", "fanout", "full", "reader", "whole")
STAGES = (*MESSAGE_STAGES, "storm")
STORM_GUILDS = 4
STORM_MEMBERS = 2_000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=1_000, help="counted (twice as many made)")
    parser.add_argument("--stage", action="append", choices=STAGES)
    options = parser.parse_args()
    if shutil.which("valgrind") is None:
        print("bench_instructions: valgrind is not installed (apt-get install valgrind); skipped")
        return
    bare = None
    print(f"{'stage':10s} {'instructions':>14s}  {'x bare':>7s}")
    for stage in options.stage or STAGES:
        count = STORM_GUILDS * STORM_MEMBERS if stage == "storm" else options.messages
        without = _instructions(stage, options.messages, measured=False)
        with_ = _instructions(stage, options.messages, measured=True)
        per_event = (with_ - without) / count
        if stage == "bare":
            bare = per_event
        unit = "per member" if stage == "storm" else "per message"
        times = f"{per_event / bare:7.2f}" if bare and stage in MESSAGE_STAGES else ""
        print(f"{stage:10s} {per_event:14,.0f}  {times:>7s}  {unit}")


def _instructions(stage: str, messages: int, *, measured: bool) -> int:
    """What callgrind counts for a child running `stage` (its setup alone if not `measured`)."""
    command = [
        "valgrind",
        "--tool=callgrind",
        "--callgrind-out-file=/dev/null",
        sys.executable,
        __file__,
        "--child",
        stage,
        str(messages),
        "1" if measured else "0",
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    for line in done.stderr.splitlines():
        if "Collected :" in line:
            return int(line.rsplit(":", 1)[1].strip())
    raise RuntimeError(f"callgrind printed no count for {stage}:\n{done.stderr[-2000:]}")


def child(stage: str, messages: int, measured: bool) -> None:
    """Runs in the process valgrind counts: the setup, then the stage if `measured`."""
    import structlog

    from bot.app.runtime import tune_gc

    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(30))
    run = _storm() if stage == "storm" else _messages(stage, messages)
    tune_gc()  # as a started bot has it
    run(measured)


def _storm() -> Any:
    import orjson
    from peers_sim import StormWorld

    from bot.cache import Stores, apply
    from bot.gateway.codecs import JsonCodec

    world = StormWorld(guild_count=STORM_GUILDS, members_per_guild=STORM_MEMBERS)
    decode = JsonCodec().decode_dispatch
    dispatches = [
        decode(orjson.dumps({"op": 0, "s": seq, "t": "GUILD_CREATE", "d": world.guild_create(g)}))
        for seq, g in enumerate(world.guild_ids(), 2)
    ]
    stores = Stores.in_memory()

    def run(measured: bool) -> None:
        if measured:
            for dispatch in dispatches:
                apply(stores, dispatch["t"], dispatch["d"], 0)

    return run


def _messages(stage: str, messages: int) -> Any:
    import orjson
    from bench_pipeline import Countdown, CountingConsumer
    from pipeline_frames import compressed_stream, dispatch_of, message_frames

    from actors.groups import CONSUMERS
    from actors.handoff import Handoff
    from actors.messages import Dispatch
    from actors.producer import ProducerActor, write_cache
    from actors.registry import start_local_groups
    from bot.cache import Stores
    from bot.events import Event, ShardInfo
    from bot.gateway.codecs import JsonCodec
    from bot.gateway.compression import Compression, make_inflater
    from bot.gateway.session import GatewaySession, SessionConfig, SessionState
    from bot.gateway.wsframes import FrameBuffer

    stream = compressed_stream(message_frames(2 * messages))
    wire = {frame: _server_frame(frame) for frame in stream}
    frames = FrameBuffer()
    session = GatewaySession(SessionConfig(token="t" * 30, intents=1), rng=lambda: 0.5)
    session.status = SessionState.CONNECTED
    pipe = Handoff(lambda drain: None, lambda seq: None, deferred=True)
    groups, registry = start_local_groups()
    consumer = CountingConsumer.start(groups, Countdown(2 * messages))
    consumer._actor_weakref()._pool = _Inline()  # each worker's turn runs in this thread
    apply = write_cache(Stores.in_memory())
    producer = ProducerActor.start(0, groups, apply=apply)
    produce = producer._actor_weakref().produce
    if stage == "whole":  # as the tree's (inline) producer: the put hands each dispatch on

        def hand_on(dispatch: Dispatch) -> None:
            produce(dispatch)
            pipe.done(dispatch.seq)

        pipe.run_inline(hand_on)
    feed = make_inflater(Compression.ZLIB_STREAM).feed
    decode = JsonCodec().decode_dispatch
    loads = orjson.loads
    shard = ShardInfo(0)
    dispatch = groups.dispatch

    def one(frame: bytes) -> None:
        if stage in ("reader", "whole"):
            read(frame)
            return
        raw = feed(frame)
        if raw is None or stage == "inflate":
            return
        if stage == "bare":
            loads(raw)
            return
        seq, name, data = dispatch_of(decode(raw))
        if stage == "cache":
            apply(name, data, 0)
        elif stage == "fanout":
            name, data = apply(name, data, 0)
            dispatch(CONSUMERS, Event(name, data, shard))
        elif stage == "full":
            produce(Dispatch(0, seq, name, data))

    def read(frame: bytes) -> None:
        frames.feed(wire[frame])
        message = frames.next()
        assert message is not None
        raw = feed(message[1])
        if raw is None:
            return
        for action in session.on_payload(decode(raw), 0.0):
            pipe.put(Dispatch(0, action.seq, action.name, action.data), timeout=0.0, size=len(raw))
        if stage == "reader":  # what the pipe of a producer not inline costs (its drain)
            for dispatch in pipe.take():
                pipe.done(dispatch.seq)

    def run(measured: bool) -> None:
        try:
            for frame in stream[:messages]:  # the store filled, the pools started: not counted
                one(frame)
            if measured:
                for frame in stream[messages:]:
                    one(frame)
        finally:
            producer.stop()
            consumer.stop()
            registry.stop()

    return run


def _server_frame(payload: bytes) -> bytes:
    """`payload` as a websocket server sends it: one whole binary frame, not masked."""
    size = len(payload)
    if size < 126:
        return bytes([0x82, size]) + payload
    if size < 1 << 16:
        return bytes([0x82, 126]) + size.to_bytes(2, "big") + payload
    return bytes([0x82, 127]) + size.to_bytes(8, "big") + payload


class _Inline:
    """A pool that runs each turn in the submitting thread."""

    def submit(self, actor: Any) -> None:
        actor._run_turn()


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        child(sys.argv[2], int(sys.argv[3]), sys.argv[4] == "1")
    else:
        main()
