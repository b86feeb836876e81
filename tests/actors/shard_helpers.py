"""Helpers for the shard tests: a recording producer and ways to start shards on FakeDiscord."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pykka

from actors.handoff import Drain, Handoff
from actors.messages import Attach, Dispatch
from actors.producer import raw
from actors.shard import ShardActor, ShardState
from bot.gateway.session import SessionConfig
from bot.testing import FakeDiscord
from supervisors import Actor


class Recorder:
    """What a recording producer was given, with waits on a Condition."""

    def __init__(self) -> None:
        self.changed = threading.Condition()
        self.events: list[Dispatch] = []
        self.gate = threading.Event()
        self.gate.set()
        self.in_producer = 0

    def add(self, message: Dispatch) -> None:
        with self.changed:
            self.events.append(message)
            self.changed.notify_all()

    def wait_until(self, predicate: Callable[[], bool], timeout: float = 10.0) -> bool:
        with self.changed:
            return self.changed.wait_for(predicate, timeout)

    def seqs(self, name: str | None = None) -> list[int | None]:
        with self.changed:
            return [e.seq for e in self.events if name is None or e.name == name]

    def names(self) -> list[str]:
        with self.changed:
            return [e.name for e in self.events]

    def wait_for_event(self, name: str, count: int = 1, timeout: float = 10.0) -> Dispatch:
        def found() -> list[Dispatch]:
            return [e for e in self.events if e.name == name]

        assert self.wait_until(lambda: len(found()) >= count, timeout), (
            f"{len(found())} of {count} {name} events; got {self.names()[-10:]}"
        )
        with self.changed:
            return found()[count - 1]


CRASH = "crash"


class RecordingProducer(Actor):
    """Records each Dispatch; holds it while `recorder.gate` is clear (a slow producer).

    Speaks the producer's protocol with its shard (actors/handoff.py): `Attach`, then a `Drain`
    per batch; each dispatch is acknowledged once recorded and let through the gate. Told
    `CRASH`, it crashes.
    """

    def __init__(self, recorder: Recorder) -> None:
        super().__init__()
        self.recorder = recorder
        self.handoff: Handoff | None = None

    def on_receive(self, message: Any) -> Any:
        if message == CRASH:
            raise RuntimeError("producer crashed on purpose")
        if isinstance(message, Attach):
            if self.handoff is not None:
                self.handoff.close()
            self.handoff = message.handoff
        elif isinstance(message, Drain):
            handoff = message.handoff
            batch = handoff.take()
            for dispatch in batch:
                if handoff.closed:
                    return None
                self.take(dispatch)
                handoff.done(dispatch.seq)
            if batch:
                self.actor_ref.tell(message)
        elif isinstance(message, Dispatch):
            self.take(message)
            return True
        return None

    def take(self, dispatch: Dispatch) -> None:
        # As a producer's apply would: what the reader left as parsed is normalised.
        self.recorder.add(dispatch._replace(data=raw(dispatch.name, dispatch.data, 0).data))
        while not self.recorder.gate.wait(0.5):
            pass

    def on_stop(self) -> None:
        if self.handoff is not None:
            self.handoff.close()

    def on_failure(self, *_exc_info: Any) -> None:
        self.on_stop()


def session_config(discord: FakeDiscord, **options: Any) -> SessionConfig:
    values: dict[str, Any] = {
        "token": discord.token,
        # GUILDS, GUILD_MESSAGES, GUILD_MEMBERS, GUILD_PRESENCES (full member lists),
        # DIRECT_MESSAGE_TYPING and MESSAGE_CONTENT: the simulator applies
        # intents as Discord does (content emptied, other events filtered).
        "intents": 513 | (1 << 1) | (1 << 8) | (1 << 14) | (1 << 15),
        "gateway_url": discord.gateway_url,
        "encoding": "json",
        "compression": "zlib-stream",
        **options,
    }
    return SessionConfig(**values)


@contextmanager
def running_shard(
    discord: FakeDiscord,
    recorder: Recorder | None = None,
    state: ShardState | None = None,
    **options: Any,
) -> Iterator[tuple[pykka.ActorRef[Any], Recorder, ShardState]]:
    recorder = recorder if recorder is not None else Recorder()
    actor_options = {k: options.pop(k) for k in ("send_limiter", "identify_queue") if k in options}
    config = session_config(discord, **options)
    state = state if state is not None else ShardState(config.shard_id, config.shard_count)
    producer = RecordingProducer.start(recorder)
    shard = ShardActor.start(config, state, producer, **actor_options)
    try:
        yield shard, recorder, state
    finally:
        recorder.gate.set()
        shard.stop(timeout=10)
        producer.stop(timeout=10)
