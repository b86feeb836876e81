"""Consumer.load(): events handled, failed and in flight, read through the proxy."""

from __future__ import annotations

import threading

from actors.consumer import Consumer
from actors.groups import Groups
from actors.messages import ConsumerLoad, Dispatch
from actors.producer import ProducerActor, raw
from bot.events import Event, ShardInfo
from tests.actors.pipeline_helpers import (  # noqa: F401
    WAIT,
    Actors,
    actors_fixture,
    groups_fixture,
)


class Gate(Consumer):
    """Handlers block on `release`; content "fail" raises."""

    release = threading.Event()
    entered = threading.Semaphore(0)

    def handle_event(self, event: Event) -> None:
        self.entered.release()
        assert self.release.wait(WAIT)
        if event.data == "fail":
            raise RuntimeError("asked to fail")


def test_load_counts_handled_failed_and_in_flight(groups: Groups, actors: Actors) -> None:
    ref = actors.add(Gate.start(groups))
    consumer = ref.proxy()
    assert consumer.load().get(timeout=WAIT) == ConsumerLoad(0, 0, 0)
    producer = actors.add(ProducerActor.start(0, groups, shard=ShardInfo(0), apply=raw))
    for seq, data in enumerate(("ok", "ok", "fail")):
        producer.ask(Dispatch(0, seq, "MESSAGE_CREATE", data), timeout=WAIT)
    for _ in range(3):
        assert Gate.entered.acquire(timeout=WAIT)
    assert consumer.load().get(timeout=WAIT) == ConsumerLoad(0, 0, 3)
    Gate.release.set()
    assert ref.proxy().drain(WAIT).get(timeout=WAIT + 1)
    assert consumer.load().get(timeout=WAIT) == ConsumerLoad(2, 1, 0)
