"""Every way a supervisors.Actor ends reaches its monitors and links, with the reason."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pykka
import pytest

import supervisors
from supervisors import Down, Exit, ExitKind, StartFailed
from tests.supervisors.helpers import WAIT, Crash, Journal, Mailbox, Worker


@pytest.fixture
def refs() -> Iterator[list[Any]]:
    """Refs a test started; stopped at the end whatever happened."""
    started: list[Any] = []
    yield started
    for ref in started:
        ref.stop(block=False)
    for ref in started:
        ref.lifeline.wait(WAIT)


def start_watched(refs: list[Any], journal: Journal | None = None) -> tuple[Any, Mailbox]:
    ref = Worker.start("w", journal)
    refs.append(ref)
    mailbox = Mailbox()
    supervisors.monitor(ref, mailbox)
    return ref, mailbox


def test_failure_in_tell_crashes_and_reports(refs: list[Any]) -> None:
    journal = Journal()
    ref, mailbox = start_watched(refs, journal)
    ref.tell("crash")
    down = mailbox.get()
    assert isinstance(down, Down)
    assert down.actor_ref is ref
    assert down.reason.kind is ExitKind.CRASH
    assert isinstance(down.reason.exception, Crash)
    assert journal.events("failure") == ["w"]
    assert not ref.is_alive()


def test_failure_in_ask_reaches_asker_and_crashes_actor(refs: list[Any]) -> None:
    ref, mailbox = start_watched(refs)
    with pytest.raises(Crash):
        ref.ask("crash", timeout=WAIT)
    assert mailbox.get().reason.kind is ExitKind.CRASH
    assert not ref.is_alive()


def test_failure_in_proxy_call_crashes_actor(refs: list[Any]) -> None:
    class Failing(supervisors.Actor):
        def fail(self) -> None:
            raise ValueError("proxy")

    ref = Failing.start()
    refs.append(ref)
    mailbox = Mailbox()
    supervisors.monitor(ref, mailbox)
    with pytest.raises(ValueError):
        ref.proxy().fail().get(timeout=WAIT)
    assert isinstance(mailbox.get().reason.exception, ValueError)


def test_reply_errors_go_back_without_crash(refs: list[Any]) -> None:
    class Lenient(supervisors.Actor):
        reply_errors = (KeyError,)

        def on_receive(self, message: Any) -> Any:
            raise KeyError(message)

    ref = Lenient.start()
    refs.append(ref)
    with pytest.raises(KeyError):
        ref.ask("x", timeout=WAIT)
    assert ref.is_alive()


def test_failing_on_start_is_a_reported_failed_start() -> None:
    calls: list[str] = []

    class BadStart(supervisors.Actor):
        def on_start(self) -> None:
            raise RuntimeError("no")

        def on_failure(self, *exc_info: Any) -> None:
            calls.append("failure")

    with pytest.raises(StartFailed) as info:
        BadStart.start()
    assert isinstance(info.value.reason, RuntimeError)
    assert calls == ["failure"]
    assert pykka.ActorRegistry.get_by_class(BadStart) == []


def test_start_returns_after_on_start() -> None:
    class Slow(supervisors.Actor):
        def on_start(self) -> None:
            self.ready = True

        def is_ready(self) -> bool:
            return self.ready

    ref = Slow.start()
    try:
        assert ref.proxy().is_ready().get(timeout=WAIT)
    finally:
        ref.stop()


def test_start_timeout_fails_the_start() -> None:
    release = threading.Event()

    class Stuck(supervisors.Actor):
        start_timeout = 0.05

        def on_start(self) -> None:
            release.wait(WAIT)

    with pytest.raises(StartFailed) as info:
        Stuck.start()
    assert isinstance(info.value.reason, TimeoutError)
    release.set()


def test_base_exception_is_a_crash_of_this_actor_only(refs: list[Any]) -> None:
    class Exiting(supervisors.Actor):
        def on_receive(self, message: Any) -> Any:
            raise SystemExit(3)

    bystander, _ = start_watched(refs)
    ref = Exiting.start()
    refs.append(ref)
    mailbox = Mailbox()
    supervisors.monitor(ref, mailbox)
    ref.tell("x")
    reason = mailbox.get().reason
    assert reason.kind is ExitKind.CRASH
    assert isinstance(reason.exception, SystemExit)
    assert bystander.ask("ping", timeout=WAIT) == "pong"


def test_normal_stop_reports_normal(refs: list[Any]) -> None:
    journal = Journal()
    ref, mailbox = start_watched(refs, journal)
    assert ref.stop(timeout=WAIT) is True
    # The Down is sent before stop() returns.
    assert mailbox.get(timeout=0).reason == supervisors.NORMAL
    assert journal.events("stop") == ["w"]
    assert ref.stop(timeout=WAIT) is False


def test_failing_on_stop_is_a_crash(refs: list[Any]) -> None:
    class BadStop(supervisors.Actor):
        def on_stop(self) -> None:
            raise OSError("close failed")

    ref = BadStop.start()
    refs.append(ref)
    mailbox = Mailbox()
    supervisors.monitor(ref, mailbox)
    ref.stop(timeout=WAIT)
    reason = mailbox.get().reason
    assert reason.kind is ExitKind.CRASH
    assert isinstance(reason.exception, OSError)


def test_shutdown_signal_jumps_the_queue(refs: list[Any]) -> None:
    gate = threading.Event()
    handled: list[Any] = []

    class Gated(supervisors.Actor):
        def on_receive(self, message: Any) -> Any:
            gate.wait(WAIT)
            handled.append(message)

    ref = Gated.start()
    refs.append(ref)
    for n in range(3):
        ref.tell(n)
    ref.tell(supervisors.Shutdown())
    gate.set()
    assert ref.lifeline.wait(WAIT)
    assert ref.lifeline.reason == supervisors.SHUTDOWN
    assert len(handled) < 3


def test_monitor_dead_actor_gets_immediate_down(refs: list[Any]) -> None:
    ref, _ = start_watched(refs)
    ref.tell("crash")
    assert ref.lifeline.wait(WAIT)
    late = Mailbox()
    monitor_ref = supervisors.monitor(ref, late)
    down = late.get(timeout=0)
    assert down.monitor_ref == monitor_ref
    assert down.reason.kind is ExitKind.CRASH


def test_demonitor_stops_down(refs: list[Any]) -> None:
    ref = Worker.start()
    refs.append(ref)
    mailbox = Mailbox()
    supervisors.demonitor(supervisors.monitor(ref, mailbox))
    ref.stop(timeout=WAIT)
    assert mailbox.empty()


def test_monitor_refuses_plain_pykka_actor() -> None:
    ref = pykka.ThreadingActor.start()
    try:
        with pytest.raises(supervisors.NotSupervisable):
            supervisors.monitor(ref, Mailbox())
    finally:
        ref.stop()


def test_link_abnormal_exit_ends_the_other_with_same_reason(refs: list[Any]) -> None:
    journal = Journal()
    a, _ = start_watched(refs)
    b, b_box = start_watched(refs, journal)
    supervisors.link(a, b)
    a.tell("crash")
    down = b_box.get()
    assert down.reason is a.lifeline.reason
    assert journal.events("failure") == ["w"]


def test_link_normal_exit_leaves_the_other_running(refs: list[Any]) -> None:
    a, _ = start_watched(refs)
    b, _ = start_watched(refs)
    supervisors.link(a, b)
    a.stop(timeout=WAIT)
    assert b.ask("ping", timeout=WAIT) == "pong"


def test_unlink(refs: list[Any]) -> None:
    a, _ = start_watched(refs)
    b, _ = start_watched(refs)
    supervisors.link(a, b)
    supervisors.unlink(a, b)
    a.tell("crash")
    assert a.lifeline.wait(WAIT)
    assert b.ask("ping", timeout=WAIT) == "pong"


def test_trap_exit_turns_exits_into_messages(refs: list[Any]) -> None:
    received = Mailbox()

    class Trapper(supervisors.Actor):
        trap_exit = True

        def on_receive(self, message: Any) -> Any:
            received.tell(message)

    trapper = Trapper.start()
    refs.append(trapper)
    a, _ = start_watched(refs)
    b, _ = start_watched(refs)
    supervisors.link(a, trapper)
    supervisors.link(b, trapper)
    a.tell("crash")
    b.stop(timeout=WAIT)
    exits = {message.actor_ref: message for message in (received.get(), received.get())}
    assert all(isinstance(message, Exit) for message in exits.values())
    assert exits[a].reason.kind is ExitKind.CRASH
    assert exits[b].reason == supervisors.NORMAL
    assert trapper.is_alive()


def test_link_to_dead_actor_raises(refs: list[Any]) -> None:
    a, _ = start_watched(refs)
    b, _ = start_watched(refs)
    a.stop(timeout=WAIT)
    with pytest.raises(pykka.ActorDeadError):
        supervisors.link(a, b)


def test_full_inbox_blocks_sender_and_stop_still_gets_through(refs: list[Any]) -> None:
    gate = threading.Event()

    class Bounded(supervisors.Actor):
        inbox_size = 2

        def on_receive(self, message: Any) -> Any:
            gate.wait(WAIT)

    ref = Bounded.start()
    refs.append(ref)
    ref.tell("busy")  # taken by the actor, which then waits on the gate
    ref.tell(1)
    ref.tell(2)
    # The inbox may still hold "busy" briefly; fill until a sender blocks.
    blocked_result: list[BaseException | None] = []
    sender_done = threading.Event()

    def sender() -> None:
        try:
            for n in range(3, 6):
                ref.tell(n)
            blocked_result.append(None)
        except pykka.ActorDeadError as exc:
            blocked_result.append(exc)
        sender_done.set()

    thread = threading.Thread(target=sender)
    thread.start()
    assert not sender_done.wait(0.2)  # backpressure: the sender is blocked
    stop_future = ref.stop(block=False)  # never blocked by the full lane
    ref.tell(supervisors.Shutdown())
    gate.set()
    assert stop_future.get(timeout=WAIT) is True
    assert sender_done.wait(WAIT)
    thread.join(WAIT)
    assert isinstance(blocked_result[0], pykka.ActorDeadError)


def test_bounded_inbox_delivers_everything_in_order(refs: list[Any]) -> None:
    got: list[int] = []

    class Bounded(supervisors.Actor):
        inbox_size = 4

        def on_receive(self, message: Any) -> Any:
            got.append(message)

    ref = Bounded.start()
    refs.append(ref)
    for n in range(200):
        ref.tell(n)
    ref.stop(timeout=WAIT)
    assert got == list(range(200))


def test_queued_asks_get_actor_dead_after_crash(refs: list[Any]) -> None:
    gate = threading.Event()

    class Gated(supervisors.Actor):
        def on_receive(self, message: Any) -> Any:
            gate.wait(WAIT)
            raise Crash()

    ref = Gated.start()
    refs.append(ref)
    first = ref.ask("a", block=False)
    second = ref.ask("b", block=False)
    gate.set()
    with pytest.raises(Crash):
        first.get(timeout=WAIT)
    with pytest.raises(pykka.ActorDeadError):
        second.get(timeout=WAIT)
