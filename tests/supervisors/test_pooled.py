"""PooledActor keeps actor semantics on a shared pool: hooks, one message at a time, exits."""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Iterator
from typing import Any

import pykka
import pytest
import structlog

import supervisors
from supervisors import ExitKind, Pool, PooledActor
from tests.supervisors.helpers import WAIT, Crash, Journal, Mailbox, Worker


class Echo(PooledActor):
    """Records its hooks; "crash" raises."""

    def __init__(self, journal: Journal) -> None:
        self.journal = journal

    def on_start(self) -> None:
        self.journal.add("echo", "start")

    def on_receive(self, message: Any) -> Any:
        if message == "crash":
            raise Crash("pooled")
        self.journal.add("echo", f"got {message}")
        return message

    def on_stop(self) -> None:
        self.journal.add("echo", "stop")

    def on_failure(self, *exc_info: Any) -> None:
        self.journal.add("echo", "failure")

    def double(self, value: int) -> int:
        return value * 2


@pytest.fixture
def journal() -> Journal:
    return Journal()


def test_hooks_run_in_order_and_ask_replies(journal: Journal) -> None:
    ref = Echo.start(journal)
    ref.tell("one")
    assert ref.ask("two") == "two"
    assert ref.stop() is True
    assert [e for _, e in journal.entries] == ["start", "got one", "got two", "stop"]
    assert ref.stop() is False
    assert not ref.is_alive()
    with pytest.raises(pykka.ActorDeadError):
        ref.tell("late")
    with pytest.raises(pykka.ActorDeadError):
        ref.ask("late")


def test_runs_on_the_pool_when_nobody_waits(journal: Journal) -> None:
    ref = Echo.start(journal)
    ref.tell("x")
    ref.stop(block=False)
    assert ref.lifeline.wait(WAIT)
    assert ref.exit_reason == supervisors.NORMAL
    assert journal.events("stop") == ["echo"]


def test_start_once_runs_on_start_then_stops_normally(journal: Journal) -> None:
    pool = Pool(2, name="once", idle=0.5)
    refs = [Echo.start_once(pool, journal) for _ in range(3)]
    for ref in refs:
        assert ref.lifeline.wait(WAIT)
        assert ref.exit_reason == supervisors.NORMAL
        with pytest.raises(pykka.ActorDeadError):
            ref.tell("late")
    assert [e for _, e in journal.entries].count("start") == 3
    assert [e for _, e in journal.entries].count("stop") == 3


class Hooked(PooledActor):
    """Journals its hooks; raises in those named in `crash`; sets `done` at its end."""

    def __init__(self, journal: Journal, done: threading.Event, crash: str = "") -> None:
        self.journal = journal
        self.done = done
        self.crash = crash

    def on_start(self) -> None:
        self.journal.add("hooked", "start")
        if self.crash == "start":
            raise Crash("start")

    def on_stop(self) -> None:
        self.journal.add("hooked", "stop")
        self.done.set()
        if self.crash == "stop":
            raise Crash("stop")

    def on_failure(self, *exc_info: Any) -> None:
        self.journal.add("hooked", f"failure {exc_info[1]}")
        self.done.set()


def test_run_once_runs_on_start_then_on_stop_with_no_ref(journal: Journal) -> None:
    pool = Pool(1, name="run-once", idle=0.5)
    ends = [threading.Event() for _ in range(3)]
    assert [Hooked.run_once(pool, journal, done) for done in ends] == [None, None, None]
    for done in ends:
        assert done.wait(WAIT)
    # One thread runs the turns in order: each whole life before the next.
    assert [e for _, e in journal.entries] == ["start", "stop"] * 3


@pytest.mark.parametrize("where", ["start", "stop"])
def test_run_once_failures_are_logged_and_contained(journal: Journal, where: str) -> None:
    pool = Pool(1, name="run-once-fails", idle=0.5)
    failed, after = threading.Event(), threading.Event()
    with structlog.testing.capture_logs() as logs:
        Hooked.run_once(pool, journal, failed, crash=where)
        Hooked.run_once(pool, journal, after)  # the pool goes on
        assert after.wait(WAIT)
    if where == "start":  # on_failure, and no on_stop (as `start_once`: START_FAILED)
        assert [e for _, e in journal.entries] == ["start", "failure start", "start", "stop"]
    else:  # a failed on_stop is a crash: logged; on_failure is for a failed start or turn
        assert [e for _, e in journal.entries] == ["start", "stop", "start", "stop"]
    [logged] = [entry for entry in logs if entry["log_level"] == "error"]
    assert logged["event"] == f"actor_{where}_failed"
    assert logged["actor"] == "Hooked (run once)"
    assert isinstance(logged["exc_info"], Crash)


def test_crash_in_tell_reaches_monitor(journal: Journal) -> None:
    ref = Echo.start(journal)
    box = Mailbox()
    supervisors.monitor(ref, box)
    ref.tell("crash")
    down = box.get()
    assert down.actor_ref is ref
    assert down.reason.kind is ExitKind.CRASH
    assert journal.events("failure") == ["echo"]


def test_ask_failure_reaches_asker_and_crashes(journal: Journal) -> None:
    ref = Echo.start(journal)
    with pytest.raises(Crash):
        ref.ask("crash", timeout=WAIT)
    assert ref.lifeline.wait(WAIT)
    assert ref.exit_reason is not None and ref.exit_reason.kind is ExitKind.CRASH


def test_failed_on_start_is_reported(journal: Journal) -> None:
    class BadStart(PooledActor):
        def on_start(self) -> None:
            raise RuntimeError("no")

    ref = BadStart.start()
    box = Mailbox()
    supervisors.monitor(ref, box)
    assert box.get().reason.kind is ExitKind.START_FAILED
    with pytest.raises(pykka.ActorDeadError):
        ref.ask("x", timeout=WAIT)


def test_link_with_thread_actor(journal: Journal) -> None:
    threaded = Worker.start()
    box = Mailbox()
    supervisors.monitor(threaded, box)
    pooled = Echo.start(journal)
    supervisors.link(pooled, threaded)
    pooled.tell("crash")
    assert box.get().reason.kind is ExitKind.CRASH


def test_shutdown_signal_and_proxy(journal: Journal) -> None:
    ref = Echo.start(journal)
    assert ref.proxy().double(21).get(timeout=WAIT) == 42
    ref.tell(supervisors.Shutdown())
    assert ref.lifeline.wait(WAIT)
    assert ref.exit_reason == supervisors.SHUTDOWN


class _OverlapCounter:
    """Counts handler runs, and runs that began while another was inside: the guard is taken
    without blocking, and the GIL is given away inside, so an overlap would show."""

    def __init__(self, hold: threading.Event | None = None) -> None:
        self.guard = threading.Lock()
        self.count = 0
        self.overlaps = 0
        self.inside = threading.Event()
        self.hold = hold

    def run(self) -> tuple[int, int]:
        if not self.guard.acquire(blocking=False):
            self.overlaps += 1
            return (self.count, self.overlaps)
        try:
            self.count += 1
            self.inside.set()
            if self.hold is not None:
                self.hold.wait(WAIT)
            time.sleep(0)  # not a wait for a thread: it lets another one run here
            return (self.count, self.overlaps)
        finally:
            self.guard.release()


def test_the_overlap_detector_sees_an_overlap() -> None:
    hold = threading.Event()
    detector = _OverlapCounter(hold)
    first = threading.Thread(target=detector.run)
    first.start()
    assert detector.inside.wait(WAIT)
    detector.run()  # while the first is inside
    hold.set()
    first.join(WAIT)
    assert detector.overlaps == 1


def test_one_message_at_a_time_under_many_senders() -> None:
    class Counter(PooledActor):
        def __init__(self) -> None:
            self.detector = _OverlapCounter()

        def on_receive(self, message: Any) -> Any:
            return self.detector.run()

    ref = Counter.start()
    senders = [threading.Thread(target=lambda: [ref.tell(n) for n in range(500)]) for _ in range(4)]
    for thread in senders:
        thread.start()
    for thread in senders:
        thread.join(WAIT)
    assert ref.ask("last", timeout=WAIT) == (2001, 0)
    ref.stop(timeout=WAIT)


def test_a_held_message_holds_the_next_one_back() -> None:
    hold, second = threading.Event(), threading.Event()

    class Holder(PooledActor):
        def on_receive(self, message: Any) -> Any:
            if message == "first":
                hold.wait(WAIT)
            else:
                second.set()

    ref = Holder.start()
    try:
        ref.tell("first")
        ref.tell("second")
        # free pool threads exist, yet the second waits for the first: one at a time
        assert not second.wait(0.3)
        hold.set()
        assert second.wait(WAIT)
    finally:
        hold.set()
        ref.stop(timeout=WAIT)


def test_many_short_lived_actors(journal: Journal) -> None:
    refs = []
    for n in range(300):
        ref = Echo.start(journal)
        ref.tell(n)
        ref.stop(block=False)
        refs.append(ref)
    for ref in refs:
        assert ref.lifeline.wait(WAIT)
    assert len(journal.events("stop")) == 300


@pytest.fixture
def small_pool() -> Iterator[Pool]:
    pool = Pool(max_workers=2)
    yield pool
    assert pool.shutdown(WAIT)


def test_own_pool_and_blocked_actor_does_not_stop_others(small_pool: Pool) -> None:
    gate = threading.Event()

    class Blocker(PooledActor):
        pool = small_pool

        def on_receive(self, message: Any) -> Any:
            gate.wait(WAIT)

    class Quick(PooledActor):
        pool = small_pool

        def on_receive(self, message: Any) -> Any:
            return message

    blocker = Blocker.start()
    blocker.tell("block")
    quick = Quick.start()
    assert quick.ask("hi", timeout=WAIT) == "hi"  # the second pool thread serves it
    quick.stop(timeout=WAIT)
    gate.set()
    assert blocker.stop(timeout=WAIT) is True
    assert small_pool.threads <= 2


class GatedQueue(queue.SimpleQueue[Any]):
    """A pool's run queue that counts the threads waiting in `get` and can hold what they took."""

    def __init__(self) -> None:
        self.waiting = 0
        self.changed = threading.Condition()
        self.open = threading.Event()
        self.open.set()

    def get(self, block: bool = True, timeout: float | None = None) -> Any:
        with self.changed:
            self.waiting += 1
            self.changed.notify_all()
        try:
            item = super().get(block, timeout)
        finally:
            with self.changed:
                self.waiting -= 1
        self.open.wait(WAIT)  # a test holds the taken turn here while it submits more
        return item


def test_two_quick_submits_with_one_idle_thread_grow_the_pool() -> None:
    """One idle thread, two turns queued at once: the second must not wait behind the first.

    The idle thread is held right after it took the first turn, so both submits see it
    counted as idle: the pool must compare queued turns to idle threads, not only check that
    one thread is idle.
    """
    pool = Pool(max_workers=4)
    run_queue = GatedQueue()
    pool._queue = run_queue
    gate, done = threading.Event(), threading.Event()

    class W(PooledActor):
        def __init__(self, run: Any) -> None:
            self.run = run

        def on_start(self) -> None:
            self.run()

    W.pool = pool
    try:
        first = threading.Event()
        run_queue.open.clear()  # start and stop in one turn: one submit, one thread
        ref = W.start(first.set)
        ref.stop(block=False)
        run_queue.open.set()
        assert first.wait(WAIT) and ref.lifeline.wait(WAIT)
        with run_queue.changed:  # the one thread is back, idle, with nothing queued
            assert run_queue.changed.wait_for(lambda: run_queue.waiting == 1, WAIT)
        assert pool.threads == 1
        run_queue.open.clear()
        W.start(lambda: gate.wait(WAIT)).stop(block=False)
        W.start(done.set).stop(block=False)
        run_queue.open.set()
        assert done.wait(WAIT / 2), "the second turn waited behind the blocked first one"
        assert pool.threads >= 2
    finally:
        gate.set()
        run_queue.open.set()
        assert pool.shutdown(WAIT)


class Once(PooledActor):
    """Runs one call in its on_start (as a consumer's per-event worker does)."""

    def __init__(self, run: Any) -> None:
        self.run = run

    def on_start(self) -> None:
        self.run()


def test_a_stall_pool_runs_quick_turns_on_one_thread_and_grows_past_a_blocked_one() -> None:
    pool = Pool(8, name="stall", idle=0.5, stall=0.05)
    done = threading.Semaphore(0)
    for _ in range(200):
        Once.start_once(pool, done.release)
    for _ in range(200):
        assert done.acquire(timeout=WAIT)
    assert pool.threads <= 2  # quick turns back to back: not a thread per queued turn
    gate = threading.Event()
    Once.start_once(pool, lambda: gate.wait(WAIT))
    ran = threading.Event()
    Once.start_once(pool, ran.set)
    try:
        # The first turn blocks its thread; after `stall` without progress another starts.
        assert ran.wait(WAIT)
        assert pool.threads >= 2
    finally:
        gate.set()


class Flagged(PooledActor):
    """Sets `done` from on_stop: its end is near without anyone asking for its lifeline."""

    def __init__(self, done: threading.Event, crash: bool = False) -> None:
        self.done = done
        self.crash = crash

    def on_start(self) -> None:
        if self.crash:
            raise Crash("start")

    def on_stop(self) -> None:
        self.done.set()


def test_a_lifeline_asked_for_after_the_end_starts_ended_with_the_reason() -> None:
    # A per-event worker's lifeline is made only when someone asks for it. On a pool of one
    # thread, turns run in order: once the next actor has stopped, the first has ended.
    pool = Pool(1, name="lazy", idle=0.5)
    for crash, kind in ((False, ExitKind.NORMAL), (True, ExitKind.START_FAILED)):
        ref = Flagged.start_once(pool, threading.Event(), crash)
        after = threading.Event()
        Flagged.start_once(pool, after)
        assert after.wait(WAIT)
        assert ref._lifeline is None and ref.exit_reason is not None
        assert ref.exit_reason.kind is kind
        box = Mailbox()
        supervisors.monitor(ref, box)
        assert box.get().reason.kind is kind
        assert ref.lifeline.wait(0) and ref.lifeline.reason is ref.exit_reason


def test_threads_asking_for_the_lifeline_as_the_actor_ends_share_one() -> None:
    pool = Pool(4, name="race", idle=0.5)
    for _ in range(200):
        done = threading.Event()
        ref = Flagged.start_once(pool, done)
        box = Mailbox()
        lines: list[Any] = []
        start = threading.Barrier(3)

        def ask(lines: list[Any] = lines, start: threading.Barrier = start, ref: Any = ref) -> None:
            start.wait(WAIT)
            lines.append(ref.lifeline)

        threads = [threading.Thread(target=ask) for _ in range(2)]
        for thread in threads:
            thread.start()
        start.wait(WAIT)
        supervisors.monitor(ref, box)
        for thread in threads:
            thread.join(WAIT)
        assert lines[0] is lines[1] is ref.lifeline
        assert box.get().reason == supervisors.NORMAL
        assert ref.lifeline.wait(WAIT)


class Noted:
    """A pool turn that records its name and the thread it ran on."""

    def __init__(self, name: str, ran: list[tuple[str, str]], done: threading.Event) -> None:
        self.name, self.ran, self.done = name, ran, done

    def _run_turn(self) -> None:
        self.ran.append((self.name, threading.current_thread().name))
        self.done.set()


def test_held_turns_wait_in_their_thread_until_released_then_run_in_order() -> None:
    pool = Pool(1, name="held", idle=0.5)
    ran: list[tuple[str, str]] = []
    dones = [threading.Event() for _ in range(4)]
    supervisors.hold_turns()
    try:
        for index in range(3):
            pool.submit(Noted(f"t{index}", ran, dones[index]))
        # Not even queued: the pool has no turn to run and starts no thread for them.
        assert pool.threads == 0 and ran == []
        supervisors.release_turns()
        assert all(done.wait(WAIT) for done in dones[:3])
        assert [name for name, _ in ran] == ["t0", "t1", "t2"]
        assert all(thread.startswith("supervisors-pool-held") for _, thread in ran)
        pool.submit(Noted("t3", ran, dones[3]))  # still holding after a release
        assert len(ran) == 3
    finally:
        supervisors.release_turns(stop_holding=True)
    assert dones[3].wait(WAIT)
    late = threading.Event()
    pool.submit(Noted("t4", ran, late))  # no longer holding: at once
    assert late.wait(WAIT)
    assert [name for name, _ in ran] == ["t0", "t1", "t2", "t3", "t4"]
    supervisors.release_turns()  # a thread that holds nothing: nothing to do
    assert pool.shutdown()


def test_turns_are_held_only_in_the_thread_that_holds_them() -> None:
    pool = Pool(1, name="held-elsewhere", idle=0.5)
    ran: list[tuple[str, str]] = []
    done = threading.Event()
    supervisors.hold_turns()
    try:
        other = threading.Thread(target=lambda: pool.submit(Noted("other", ran, done)))
        other.start()
        other.join(WAIT)
        assert done.wait(WAIT)  # submitted from a thread that does not hold: it ran
    finally:
        supervisors.release_turns(stop_holding=True)
    assert pool.shutdown()
