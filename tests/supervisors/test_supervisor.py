"""Supervisor: strategies, restart types, intensity, escalation, failed starts, stop, names."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import structlog

import supervisors
from supervisors import (
    AutoShutdown,
    Backoff,
    ChildSpec,
    ExitKind,
    Names,
    Restart,
    StartFailed,
    Strategy,
    Supervisor,
)
from tests.supervisors.helpers import WAIT, Journal, Mailbox, Worker, crash, settle, worker_spec

Starter = Callable[..., Any]


@pytest.fixture
def start_tree() -> Iterator[Starter]:
    """Start a supervisor; every tree a test starts is stopped at the end."""
    started: list[Any] = []

    def start(children: list[ChildSpec], **options: Any) -> Any:
        ref = Supervisor.start(children=children, **options)
        started.append(ref)
        return ref

    yield start
    for ref in reversed(started):
        assert supervisors.stop_tree(ref, WAIT)


def three(journal: Journal, **options: Any) -> list[ChildSpec]:
    return [worker_spec(name, journal, **options) for name in ("a", "b", "c")]


def test_children_start_in_order_and_stop_in_reverse(start_tree: Starter) -> None:
    journal = Journal()
    sup = start_tree(three(journal))
    assert journal.events("start") == ["a", "b", "c"]
    sup.stop(timeout=WAIT)
    assert journal.events("stop") == ["c", "b", "a"]


@pytest.mark.parametrize(
    ("strategy", "stopped", "restarted"),
    [
        (Strategy.ONE_FOR_ONE, [], ["b"]),
        (Strategy.ONE_FOR_ALL, ["c", "a"], ["a", "b", "c"]),
        (Strategy.REST_FOR_ONE, ["c"], ["b", "c"]),
    ],
)
def test_strategies(
    start_tree: Starter, strategy: Strategy, stopped: list[str], restarted: list[str]
) -> None:
    journal, names = Journal(), Names()
    sup = start_tree(three(journal), strategy=strategy, names=names)
    before = {name: names.whereis(name) for name in "abc"}
    journal.clear()
    crash(names, "b")
    settle(sup)
    assert journal.events("stop") == stopped
    assert journal.events("start") == restarted
    for name in "abc":
        assert (names.whereis(name) is not before[name]) == (name in restarted)
        assert names.whereis(name) is not None


@pytest.mark.parametrize(
    ("restart", "message", "restarted"),
    [
        (Restart.PERMANENT, "exit", True),
        (Restart.PERMANENT, "crash", True),
        (Restart.TRANSIENT, "exit", False),
        (Restart.TRANSIENT, "crash", True),
        (Restart.TEMPORARY, "exit", False),
        (Restart.TEMPORARY, "crash", False),
    ],
)
def test_restart_types(
    start_tree: Starter, restart: Restart, message: str, restarted: bool
) -> None:
    journal, names = Journal(), Names()
    sup = start_tree([worker_spec("a", journal, restart=restart)], names=names)
    crash(names, "a", message)
    children = settle(sup)
    assert journal.events("start") == (["a", "a"] if restarted else ["a"])
    if restart is Restart.TEMPORARY:
        assert children == []  # a temporary child's spec is dropped
    else:
        assert (children[0].ref is not None) == restarted


def test_intensity_exceeded_stops_children_and_crashes(start_tree: Starter) -> None:
    journal, names = Journal(), Names()
    sup = start_tree(three(journal), intensity=2, period=60.0, names=names)
    watcher = Mailbox()
    supervisors.monitor(sup, watcher)
    for _ in range(3):
        crash(names, "b")
    down = watcher.get()
    assert down.reason.kind is ExitKind.CRASH
    assert isinstance(down.reason.exception, supervisors.RestartIntensityExceeded)
    assert journal.events("stop")[-2:] == ["c", "a"]


def test_intensity_uses_injected_clock(start_tree: Starter) -> None:
    now = [0.0]
    journal, names = Journal(), Names()
    sup = start_tree(
        [worker_spec("a", journal)], intensity=1, period=10.0, names=names, clock=lambda: now[0]
    )
    crash(names, "a")
    settle(sup)
    now[0] = 11.0  # the first restart is now older than the period
    crash(names, "a")
    settle(sup)
    assert sup.is_alive()
    crash(names, "a")  # second restart within 10 s of the last: escalation
    assert sup.lifeline.wait(WAIT)
    assert isinstance(sup.lifeline.reason.exception, supervisors.RestartIntensityExceeded)


def test_escalation_through_three_levels(start_tree: Starter) -> None:
    journal, names = Journal(), Names()
    bottom = Supervisor.child_spec("bottom", [worker_spec("w", journal)], intensity=0, names=names)
    middle = Supervisor.child_spec("middle", [worker_spec("m", journal), bottom], intensity=0)
    top = start_tree([worker_spec("t", journal), middle], intensity=0, names=names)
    watcher = Mailbox()
    supervisors.monitor(top, watcher)
    crash(names, "w")
    down = watcher.get()
    assert down.reason.kind is ExitKind.CRASH
    assert isinstance(down.reason.exception, supervisors.RestartIntensityExceeded)
    assert down.reason.exception.child_id == "middle"
    assert set(journal.events("stop")) == {"t", "m"}


def test_failed_start_stops_started_children_and_names_the_child() -> None:
    journal = Journal()

    def broken() -> Any:
        raise OSError("cannot connect")

    specs = [
        worker_spec("a", journal),
        worker_spec("b", journal),
        ChildSpec("bad", broken),
        worker_spec("c", journal),
    ]
    with pytest.raises(StartFailed) as info:
        Supervisor.start(children=specs)
    inner = info.value.reason
    assert isinstance(inner, StartFailed) and inner.child_id == "bad"
    assert isinstance(inner.reason, OSError)
    assert journal.events("start") == ["a", "b"]
    assert journal.events("stop") == ["b", "a"]


def test_failed_on_start_of_child_fails_nested_start() -> None:
    class BadStart(supervisors.Actor):
        def on_start(self) -> None:
            raise ValueError("bad config")

    inner = Supervisor.child_spec("inner", [ChildSpec("bad", BadStart.start)])
    with pytest.raises(StartFailed) as info:
        Supervisor.start(children=[inner])
    assert info.value.reason.child_id == "inner"  # type: ignore[union-attr]


def test_child_that_will_not_stop_is_reported_and_abandoned() -> None:
    release = threading.Event()
    journal = Journal()

    class Stubborn(supervisors.Actor):
        def on_stop(self) -> None:
            release.wait(WAIT)

    specs = [worker_spec("a", journal), ChildSpec("stubborn", Stubborn.start, shutdown=0.05)]
    sup = Supervisor.start(children=specs)
    try:
        with structlog.testing.capture_logs() as logs:
            assert sup.stop(timeout=WAIT)
        events = [entry["event"] for entry in logs]
        assert "child_shutdown_timeout" in events
        assert journal.events("stop") == ["a"]  # the supervisor went on
    finally:
        release.set()


def test_dynamic_children(start_tree: Starter) -> None:
    journal, names = Journal(), Names()
    sup = start_tree([], names=names)
    proxy = sup.proxy()
    ref = proxy.start_child(worker_spec("a", journal)).get(timeout=WAIT)
    assert ref.ask("ping", timeout=WAIT) == "pong"
    with pytest.raises(supervisors.ChildAlreadyPresent):
        proxy.start_child(worker_spec("a", journal)).get(timeout=WAIT)
    proxy.start_child(Supervisor.child_spec("s", [worker_spec("x", journal)], names=names)).get(
        timeout=WAIT
    )
    assert proxy.count_children().get(timeout=WAIT) == supervisors.ChildCounts(2, 2, 1, 1)
    with pytest.raises(supervisors.ChildRunning):
        proxy.delete_child("a").get(timeout=WAIT)
    proxy.terminate_child("a").get(timeout=WAIT)
    assert names.whereis("a") is None
    assert proxy.whereis("a").get(timeout=WAIT) is None
    again = proxy.restart_child("a").get(timeout=WAIT)
    assert again is not ref and names.whereis("a") is again
    with pytest.raises(supervisors.ChildRunning):
        proxy.restart_child("a").get(timeout=WAIT)
    proxy.terminate_child("a").get(timeout=WAIT)
    proxy.delete_child("a").get(timeout=WAIT)
    with pytest.raises(supervisors.ChildNotFound):
        proxy.terminate_child("a").get(timeout=WAIT)
    assert [info.id for info in proxy.which_children().get(timeout=WAIT)] == ["s"]
    assert sup.is_alive()  # errors went back to the caller, the supervisor lives


def test_start_child_failure_is_returned_and_spec_dropped(start_tree: Starter) -> None:
    sup = start_tree([])

    def broken() -> Any:
        raise OSError("nope")

    with pytest.raises(StartFailed):
        sup.proxy().start_child(ChildSpec("x", broken)).get(timeout=WAIT)
    assert settle(sup) == []
    assert sup.is_alive()


def test_names_find_the_restarted_child(start_tree: Starter) -> None:
    journal, names = Journal(), Names()
    start_tree([worker_spec("a", journal)], names=names)
    old = crash(names, "a")
    new = names.get("a", WAIT)
    assert new is not old
    assert new.ask("ping", timeout=WAIT) == "pong"
    with pytest.raises(supervisors.NameNotFound):
        names.get("nobody", 0.05)


def test_backoff_delays_restart_on_a_timer(start_tree: Starter) -> None:
    journal, names = Journal(), Names()
    backoff = Backoff(initial=0.3, maximum=1.0, jitter=0.0)
    sup = start_tree([worker_spec("a", journal, backoff=backoff)], names=names)
    crashed_at = time.monotonic()
    crash(names, "a")
    # The supervisor answers while the restart waits: it is not sleeping.
    assert settle(sup)[0].ref is None
    restarted = names.get("a", WAIT)
    assert time.monotonic() - crashed_at >= 0.25
    assert restarted.ask("ping", timeout=WAIT) == "pong"


def test_failed_restart_is_retried(start_tree: Starter) -> None:
    journal, names = Journal(), Names()
    attempts = [0]

    def flaky() -> Any:
        attempts[0] += 1
        if attempts[0] == 2:
            raise OSError("down for a moment")
        return Worker.start("a", journal)

    start_tree([ChildSpec("a", flaky)], names=names, intensity=5)
    crash(names, "a")
    assert names.get("a", WAIT).ask("ping", timeout=WAIT) == "pong"
    assert attempts[0] == 3


@pytest.mark.parametrize("mode", [AutoShutdown.ANY_SIGNIFICANT, AutoShutdown.ALL_SIGNIFICANT])
def test_auto_shutdown(start_tree: Starter, mode: AutoShutdown) -> None:
    journal, names = Journal(), Names()
    specs = [
        worker_spec("other", journal),
        worker_spec("s1", journal, restart=Restart.TRANSIENT, significant=True),
        worker_spec("s2", journal, restart=Restart.TEMPORARY, significant=True),
    ]
    sup = start_tree(specs, names=names, auto_shutdown=mode)
    crash(names, "s1", "exit")
    if mode is AutoShutdown.ALL_SIGNIFICANT:
        settle(sup)
        assert sup.is_alive()
        crash(names, "s2", "crash")
    assert sup.lifeline.wait(WAIT)
    assert sup.lifeline.reason == supervisors.SHUTDOWN
    assert "other" in journal.events("stop")


def test_pooled_child_is_supervised(start_tree: Starter) -> None:
    class PooledWorker(supervisors.PooledActor):
        def on_receive(self, message: Any) -> Any:
            if message == "crash":
                raise RuntimeError("pooled crash")
            return "pong"

    names = Names()
    start_tree([ChildSpec("p", PooledWorker.start)], names=names)
    old = crash(names, "p")
    new = names.get("p", WAIT)
    assert new is not old
    assert new.ask("ping", timeout=WAIT) == "pong"
