"""LatchFuture: pykka's Future interface on a lock latch, used for every ask to our actors."""

from __future__ import annotations

import asyncio
import queue
import threading
from typing import Any

import pykka
import pytest

from supervisors import Actor, LatchFuture
from tests.supervisors.helpers import WAIT


def test_get_waits_for_set_from_another_thread() -> None:
    future = LatchFuture()
    getters: list[Any] = []
    threads = [
        threading.Thread(target=lambda: getters.append(future.get(timeout=WAIT))) for _ in range(3)
    ]
    for thread in threads:
        thread.start()
    future.set("value")
    for thread in threads:
        thread.join(WAIT)
    assert getters == ["value"] * 3
    assert future.get() == "value"
    assert future.done


def test_timeout_then_value() -> None:
    future = LatchFuture()
    with pytest.raises(pykka.Timeout):
        future.get(timeout=0)
    with pytest.raises(pykka.Timeout):
        future.get(timeout=0.01)
    future.set(None)
    assert future.get(timeout=0) is None
    assert future.get(timeout=float("inf")) is None


def test_exception_is_raised_on_every_get() -> None:
    future = LatchFuture()
    try:
        raise KeyError("k")
    except KeyError:
        future.set_exception()
    for _ in range(2):
        with pytest.raises(KeyError):
            future.get(timeout=WAIT)
    typed = LatchFuture()
    typed.set_exception((ValueError, None, None))
    with pytest.raises(ValueError):
        typed.get()


def test_set_twice_is_refused_as_by_pykka() -> None:
    future = LatchFuture()
    future.set(1)
    with pytest.raises(queue.Full):
        future.set(2)
    with pytest.raises(queue.Full):
        future.set_exception((ValueError, ValueError(), None))
    assert future.get() == 1


def test_pykka_combinators_and_await() -> None:
    first, second = LatchFuture(), LatchFuture()
    first.set([1, 2, 3, 4])
    second.set([5])
    assert first.filter(lambda n: n % 2 == 0).get(timeout=WAIT) == [2, 4]
    assert first.map(len).get(timeout=WAIT) == 4
    assert first.join(second).get(timeout=WAIT) == [[1, 2, 3, 4], [5]]
    assert first.reduce(lambda a, b: a + b).get(timeout=WAIT) == 10
    assert pykka.get_all([first, second], timeout=WAIT) == [[1, 2, 3, 4], [5]]

    async def wait() -> Any:
        return await first

    assert asyncio.run(wait()) == [1, 2, 3, 4]


class Doubler(Actor):
    def on_receive(self, message: Any) -> Any:
        return message * 2

    def triple(self, value: int) -> int:
        return value * 3


def test_asks_proxies_and_stop_of_actor_use_it() -> None:
    ref = Doubler.start()
    try:
        future = ref.ask(21, block=False)
        assert isinstance(future, LatchFuture)
        assert future.get(timeout=WAIT) == 42
        assert ref.proxy().triple(2).get(timeout=WAIT) == 6
    finally:
        stopped = ref.stop(block=False)
        assert stopped.get(timeout=WAIT) is True
    with pytest.raises(pykka.ActorDeadError):
        ref.ask(1, timeout=WAIT)
    assert ref.stop(timeout=WAIT) is False
