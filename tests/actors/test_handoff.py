"""The shard -> producer batch pipe, without actors: batches, bound, idle, close."""

from __future__ import annotations

import threading

import pytest

from actors.handoff import Drain, Handoff, HandoffClosed

WAIT = 5.0


class Producer:
    """Stands for the producer: records the Drains told to it and the seqs acknowledged."""

    def __init__(self) -> None:
        self.drains: list[Drain] = []
        self.acked: list[int] = []

    def tell(self, drain: Drain) -> None:
        self.drains.append(drain)


def put_after_take(pipe: Handoff, item: object, taken: list[object], size: int = 0) -> None:
    """A reader's put of `item` into a pipe with no room goes in once the producer takes
    `taken`; `item` is then the next batch."""
    put = threading.Thread(target=pipe.put, args=(item,), kwargs={"size": size})
    put.start()
    assert pipe.take() == taken
    put.join(WAIT)
    assert not put.is_alive()
    assert pipe.take() == [item]


def test_one_wake_per_batch_and_take_gets_everything() -> None:
    producer = Producer()
    pipe = Handoff(producer.tell, producer.acked.append, capacity=10)
    for seq in range(5):
        assert pipe.put(seq, timeout=0)
    assert len(producer.drains) == 1  # woken once, by the first item into an idle pipe
    assert pipe.take() == [0, 1, 2, 3, 4]
    pipe.put(5, timeout=0)
    assert len(producer.drains) == 1  # the drain is still running: no second wake
    for seq in (0, 1):
        pipe.done(seq)
    assert producer.acked == [0, 1]
    assert pipe.take() == [5]
    assert not pipe.wait_idle(0)
    assert pipe.take() == []  # empty: the drain ends, the pipe is idle
    assert pipe.wait_idle(0)
    pipe.put(6, timeout=0)
    assert len(producer.drains) == 2


def test_a_full_pipe_makes_the_reader_wait_until_taken() -> None:
    producer = Producer()
    pipe = Handoff(producer.tell, producer.acked.append, capacity=2)
    assert pipe.put(1, timeout=0) and pipe.put(2, timeout=0)
    assert pipe.full()
    assert not pipe.put(3, timeout=0)  # full: the reader would pause here
    put_after_take(pipe, 3, [1, 2])


def test_close_fails_waiting_puts_and_stops_acknowledging() -> None:
    producer = Producer()
    pipe = Handoff(producer.tell, producer.acked.append, capacity=1)
    pipe.put(1, timeout=0)
    errors: list[BaseException] = []

    def put() -> None:
        try:
            pipe.put(2)
        except HandoffClosed as exc:
            errors.append(exc)

    waiting = threading.Thread(target=put)
    waiting.start()
    assert pipe.close() == [1]  # never taken: never acknowledged, a RESUME replays it
    waiting.join(WAIT)
    assert len(errors) == 1
    pipe.done(1)
    assert producer.acked == []
    assert pipe.take() == []
    assert pipe.wait_idle(0)
    with pytest.raises(HandoffClosed):
        pipe.put(3, timeout=0)


def test_the_pipe_holds_at_most_max_bytes_of_frames_and_a_bigger_one_alone() -> None:
    # A READY's storm: GUILD_CREATEs of megabytes each must not pile up decoded in the pipe.
    producer = Producer()
    pipe = Handoff(producer.tell, producer.acked.append, capacity=100, max_bytes=1000)
    assert pipe.put("a", timeout=0, size=600)
    assert not pipe.put("b", timeout=0, size=600)  # 1200 > 1000: the reader waits
    assert pipe.put("small", timeout=0, size=400)
    assert not pipe.put("one more byte", timeout=0, size=1)
    assert pipe.take() == ["a", "small"]
    assert pipe.put("huge", timeout=0, size=5000)  # alone in an empty pipe: admitted
    assert not pipe.put("c", timeout=0, size=1)
    put_after_take(pipe, "c", ["huge"], size=1)


def test_a_deferred_pipe_wakes_the_producer_only_on_flush() -> None:
    # The shard's pipe: the frames of one socket read go in, then one wake for them all.
    producer = Producer()
    pipe = Handoff(producer.tell, producer.acked.append, capacity=10, deferred=True)
    for seq in range(3):
        assert pipe.put(seq, timeout=0)
    assert producer.drains == []
    pipe.flush()
    pipe.flush()  # the drain is running: no second wake
    assert len(producer.drains) == 1
    assert pipe.take() == [0, 1, 2]
    assert pipe.take() == []  # the drain ends
    pipe.flush()  # nothing waits: nothing to wake for
    assert len(producer.drains) == 1
    pipe.put(3, timeout=0)
    assert len(producer.drains) == 1
    pipe.flush()
    assert len(producer.drains) == 2


def test_a_full_deferred_pipe_wakes_the_producer_before_the_reader_waits() -> None:
    producer = Producer()
    pipe = Handoff(producer.tell, producer.acked.append, capacity=2, deferred=True)
    assert pipe.put(1, timeout=0) and pipe.put(2, timeout=0)
    assert producer.drains == []
    assert not pipe.put(3, timeout=0)  # no room: the producer is woken, or it would never come
    assert len(producer.drains) == 1
    put_after_take(pipe, 3, [1, 2])
    assert len(producer.drains) == 1  # put while the drain ran: no second wake


def test_waiting_for_a_deferred_pipe_to_go_idle_wakes_the_producer() -> None:
    # Before a reconnect the reader waits for the producer: it must not wait for a drain
    # nobody told.
    producer = Producer()
    pipe = Handoff(producer.tell, producer.acked.append, deferred=True)
    pipe.put(1, timeout=0)
    assert not pipe.wait_idle(0)
    assert len(producer.drains) == 1
    assert pipe.take() == [1]
    assert pipe.take() == []
    assert pipe.wait_idle(0)


def test_a_flush_that_cannot_tell_the_producer_raises_and_can_be_retried() -> None:
    told: list[Drain] = []

    def gone(drain: Drain) -> None:
        if not told:
            told.append(drain)
            raise RuntimeError("producer gone")
        told.append(drain)

    pipe = Handoff(gone, lambda seq: None, deferred=True)
    pipe.put(1, timeout=0)
    with pytest.raises(RuntimeError):
        pipe.flush()
    pipe.flush()  # not left marked as draining: the next flush tells again
    assert len(told) == 2


def test_a_deferred_pipe_wakes_the_producer_at_once_for_big_frames() -> None:
    # A storm's GUILD_CREATEs: the producer starts on one while the reader inflates the next.
    producer = Producer()
    pipe = Handoff(producer.tell, producer.acked.append, max_bytes=800, deferred=True)
    assert pipe.put("small", timeout=0, size=50)
    assert producer.drains == []
    assert pipe.put("big", timeout=0, size=100)  # 150 bytes waiting: past 800 / 8
    assert len(producer.drains) == 1
    assert pipe.take() == ["small", "big"]


def test_an_inline_pipe_hands_each_item_on_in_the_putting_thread() -> None:
    producer = Producer()
    pipe = Handoff(producer.tell, producer.acked.append, deferred=True)
    handed: list[tuple[object, str]] = []

    def hand_on(item: object) -> None:
        handed.append((item, threading.current_thread().name))
        pipe.done(item)  # type: ignore[arg-type]

    pipe.run_inline(hand_on)
    for seq in range(3):
        assert pipe.put(seq, timeout=0)
    me = threading.current_thread().name
    assert handed == [(0, me), (1, me), (2, me)]
    assert producer.acked == [0, 1, 2]
    assert producer.drains == [] and pipe.take() == []  # nothing went through the pipe
    assert pipe.wait_idle(0)


def test_an_inline_pipe_lets_what_waits_go_first_in_order() -> None:
    producer = Producer()
    pipe = Handoff(producer.tell, producer.acked.append, deferred=True)
    handed: list[object] = []
    pipe.put(1, timeout=0)
    pipe.put(2, timeout=0)
    pipe.run_inline(handed.append)  # set while items wait (a producer's Attach came late)
    pipe.put(3, timeout=0)  # behind them, in the pipe
    assert handed == []
    pipe.flush()
    assert len(producer.drains) == 1
    assert pipe.take() == [1, 2, 3]
    pipe.put(4, timeout=0)  # the drain still runs (it has not taken [] yet): queued
    assert handed == []
    assert pipe.take() == [4]
    assert pipe.take() == []  # the drain ends: the pipe is idle
    pipe.put(5, timeout=0)
    assert handed == [5]
    assert len(producer.drains) == 1


def test_a_closed_inline_pipe_refuses_items() -> None:
    producer = Producer()
    pipe = Handoff(producer.tell, producer.acked.append)
    handed: list[object] = []
    pipe.run_inline(handed.append)
    pipe.close()
    with pytest.raises(HandoffClosed):
        pipe.put(1, timeout=0)
    assert handed == []
    pipe.done(1)  # a hand-on that finishes after the close acknowledges nothing
    assert producer.acked == []


def test_an_inline_pipe_sends_a_big_item_and_what_follows_it_through_the_pipe() -> None:
    producer = Producer()
    pipe = Handoff(producer.tell, producer.acked.append, max_bytes=1024, deferred=True)
    handed: list[object] = []
    pipe.run_inline(handed.append)
    pipe.put("small", timeout=0, size=127)  # under an eighth of max_bytes: inline
    assert handed == ["small"]
    pipe.put("guild", timeout=0, size=128)  # a big one: to the producer's thread, woken now
    assert len(producer.drains) == 1
    pipe.put("after", timeout=0, size=10)  # behind it, in order
    assert handed == ["small"]
    assert pipe.take() == ["guild", "after"]
    assert pipe.take() == []  # the drain ends: inline again
    pipe.put("later", timeout=0, size=10)
    assert handed == ["small", "later"]
