"""Inbox: lanes, order, the bound, close, and the taker woken by puts from other threads."""

from __future__ import annotations

import threading
from typing import Any

import pykka
import pytest

from supervisors import NORMAL, Inbox, Shutdown
from supervisors.future import LatchFuture
from supervisors.pykka_compat import ActorStop, Envelope
from tests.supervisors.helpers import WAIT


def take(inbox: Inbox, count: int) -> list[Any]:
    return [inbox.get().message for _ in range(count)]


def test_urgent_first_then_order_kept() -> None:
    inbox = Inbox()
    stop = ActorStop()
    shutdown = Shutdown(NORMAL)
    for message in (1, stop, 2):
        inbox.put(Envelope(message))
    inbox.put(Envelope(shutdown))
    assert inbox.qsize() == 2  # stop does not count
    assert take(inbox, 4) == [shutdown, 1, stop, 2]
    assert inbox.empty()


def test_taker_waits_until_a_put_from_another_thread() -> None:
    inbox = Inbox()
    got: list[Any] = []
    taker = threading.Thread(target=lambda: got.extend(take(inbox, 1000)))
    taker.start()

    def send(n: int) -> None:
        for i in range(250):
            inbox.put(Envelope((n, i)))

    senders = [threading.Thread(target=send, args=(n,)) for n in range(4)]
    for sender in senders:
        sender.start()
    for thread in (*senders, taker):
        thread.join(WAIT)
    assert not taker.is_alive()
    assert len(got) == 1000
    for n in range(4):  # each sender's messages in its order
        assert [i for s, i in got if s == n] == list(range(250))


def test_full_lane_blocks_senders_until_taken() -> None:
    inbox = Inbox(maxsize=2)
    inbox.put(Envelope("a"))
    inbox.put(Envelope("b"))
    inbox.put(Envelope(ActorStop()))  # control never blocks
    entered, sent = threading.Event(), threading.Event()

    def send() -> None:
        entered.set()
        inbox.put(Envelope("c"))
        sent.set()

    sender = threading.Thread(target=send)
    sender.start()
    assert entered.wait(WAIT)
    assert inbox.wait_blocked(1, WAIT)  # the sender is inside put, waiting for room
    assert not sent.is_set()
    assert inbox.qsize() == 2
    assert inbox.get().message == "a"
    assert sent.wait(WAIT)
    assert inbox.blocked_senders() == 0
    sender.join(WAIT)
    assert [m if isinstance(m, str) else "stop" for m in take(inbox, 3)] == ["b", "stop", "c"]


def test_close_wakes_blocked_senders_and_refuses_puts() -> None:
    inbox = Inbox(maxsize=1)
    inbox.put(Envelope("a"))
    errors: list[BaseException] = []
    entered = threading.Event()

    def send() -> None:
        entered.set()
        try:
            inbox.put(Envelope("b"))
        except pykka.ActorDeadError as exc:
            errors.append(exc)

    sender = threading.Thread(target=send)
    sender.start()
    assert entered.wait(WAIT)
    assert inbox.wait_blocked(1, WAIT)  # blocked on the full lane: close must wake it
    left = inbox.close()
    sender.join(WAIT)
    assert [e.message for e in left] == ["a"]
    assert len(errors) == 1
    reply = LatchFuture()
    inbox.put(Envelope("late", reply_to=reply))
    with pytest.raises(pykka.ActorDeadError):
        reply.get(timeout=WAIT)
    with pytest.raises(pykka.ActorDeadError):
        inbox.put(Envelope("told late"))


def test_bad_bound_is_refused() -> None:
    with pytest.raises(ValueError):
        Inbox(maxsize=0)
