"""Slots: the consumer's C semaphore behaves as threading.Semaphore for acquire/release."""

from __future__ import annotations

import queue
import threading

import pytest

from actors.slots import Slots

WAIT = 10.0


def test_counts_and_non_blocking_acquire() -> None:
    slots = Slots(2)
    assert slots.acquire(blocking=False) and slots.acquire(blocking=False)
    assert not slots.acquire(blocking=False)
    assert slots.free() == 0
    slots.release()
    assert slots.free() == 1
    assert slots.acquire(timeout=0.0)


def test_take_nowait_takes_a_free_slot_or_raises_empty() -> None:
    slots = Slots(1)
    slots.take_nowait()
    assert slots.free() == 0
    with pytest.raises(queue.Empty):
        slots.take_nowait()
    slots.release()
    slots.take_nowait()
    assert slots.free() == 0


def test_timeouts_including_a_past_deadline() -> None:
    slots = Slots(0)
    assert not slots.acquire(timeout=0.01)
    assert not slots.acquire(timeout=-1.0)


def test_a_waiting_acquire_is_woken_by_a_release() -> None:
    slots = Slots(0)
    got: list[bool] = []
    waiter = threading.Thread(target=lambda: got.append(slots.acquire(timeout=WAIT)))
    waiter.start()
    slots.release()
    waiter.join(WAIT)
    assert got == [True]


def test_negative_count_is_refused() -> None:
    with pytest.raises(ValueError):
        Slots(-1)
