"""`Scheduler`: its name, `stop()` (thread ended, pending callbacks dropped), use after stop."""

from __future__ import annotations

import threading

import pytest
import structlog

from supervisors import Scheduler, SchedulerStopped, Supervisor, SupervisorsError
from supervisors.timer import THREAD_NAME
from tests.supervisors.helpers import WAIT


class FakeClock:
    """A clock the test moves by hand: nothing is ever due unless the test says so."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_scheduler_that_never_ran_stops_without_a_thread() -> None:
    scheduler = Scheduler(FakeClock(), name="owner-timer")
    assert scheduler.thread is None and not scheduler.stopped
    assert scheduler.stop() is True
    assert scheduler.stopped and scheduler.thread is None
    assert scheduler.stop() is True  # idempotent


def test_call_later_after_stop_is_a_clear_error() -> None:
    scheduler = Scheduler(FakeClock(), name="bot-7-timer")
    scheduler.stop()
    with pytest.raises(SchedulerStopped, match=r"bot-7-timer.*stopped") as raised:
        scheduler.call_later(1.0, lambda: None)
    assert isinstance(raised.value, SupervisorsError) and raised.value.name == "bot-7-timer"
    assert scheduler.pending() == 0


def test_the_default_name_is_the_process_timer() -> None:
    assert Scheduler().name == THREAD_NAME == "supervisors-timer"
    assert "owner-timer" in repr(Scheduler(name="owner-timer"))


def test_stop_ends_the_thread_and_drops_what_is_pending() -> None:
    clock = FakeClock()
    scheduler = Scheduler(clock, name="owner-timer")
    ran: list[str] = []
    scheduler.call_later(5.0, lambda: ran.append("late"))
    scheduler.call_later(6.0, lambda: ran.append("later")).cancel()
    thread = scheduler.thread
    assert thread is not None and thread.name == "owner-timer" and thread.is_alive()
    with structlog.testing.capture_logs() as logs:
        assert scheduler.stop(WAIT) is True
    assert not thread.is_alive()
    clock.now += 60.0  # both would be due now: neither runs
    assert ran == [] and scheduler.pending() == 0
    dropped = [entry for entry in logs if entry["event"] == "timer.pending_dropped"]
    assert dropped == [
        {"event": "timer.pending_dropped", "log_level": "debug", "scheduler": "owner-timer",
         "dropped": 1}
    ]  # fmt: skip


def test_callbacks_run_until_stop() -> None:
    scheduler = Scheduler(name="owner-timer")
    ran = threading.Event()
    scheduler.call_later(0.0, ran.set)
    assert ran.wait(WAIT)
    assert scheduler.stop(WAIT) is True
    assert scheduler.thread is not None and not scheduler.thread.is_alive()


def test_stop_waits_for_a_running_callback_up_to_its_timeout() -> None:
    scheduler = Scheduler(name="owner-timer")
    running, release = threading.Event(), threading.Event()

    def slow() -> None:
        running.set()
        release.wait(WAIT)

    scheduler.call_later(0.0, slow)
    assert running.wait(WAIT)
    with structlog.testing.capture_logs() as logs:
        assert scheduler.stop(timeout=0.0) is False  # still in the callback
    assert [entry["event"] for entry in logs] == ["timer.stop_timed_out"]
    release.set()
    thread = scheduler.thread
    assert thread is not None
    thread.join(WAIT)
    assert not thread.is_alive()  # it ended after the callback, without running anything else


def test_a_callback_may_stop_its_own_scheduler() -> None:
    scheduler = Scheduler(name="owner-timer")
    answers: list[bool] = []
    done = threading.Event()

    def stop_from_inside() -> None:
        answers.append(scheduler.stop(WAIT))  # must not wait for its own thread
        done.set()

    scheduler.call_later(0.0, stop_from_inside)
    assert done.wait(WAIT)
    thread = scheduler.thread
    assert thread is not None
    thread.join(WAIT)
    assert answers == [False] and not thread.is_alive() and scheduler.stopped


def test_a_supervisor_uses_the_scheduler_it_is_given() -> None:
    scheduler = Scheduler(FakeClock(), name="owner-timer")
    ref = Supervisor.start([], scheduler=scheduler)
    try:
        assert ref.proxy().scheduler.get(timeout=WAIT) is scheduler
    finally:
        ref.stop()
    scheduler.stop()
