"""A consumer's per-event worker: `start_worker` runs one call in a worker nothing can reach."""

from __future__ import annotations

import threading

import structlog

from actors.workers import start_worker, worker_pool
from tests.supervisors.helpers import WAIT, Crash


def test_each_call_runs_once_on_the_consumer_pool() -> None:
    pool = worker_pool(4, "workers-test")
    seen: list[tuple[int, str]] = []
    done = threading.Semaphore(0)

    def run(n: int) -> None:
        seen.append((n, threading.current_thread().name))
        done.release()

    for n in range(50):
        start_worker(run, pool, n)
    for _ in range(50):
        assert done.acquire(timeout=WAIT)
    assert sorted(n for n, _ in seen) == list(range(50))
    assert all(name.startswith("supervisors-pool-workers-test") for _, name in seen)


def test_a_call_that_raises_is_logged_and_the_pool_goes_on() -> None:
    # The consumer's own `_run` catches what a handler raises; this is the worker's last line.
    pool = worker_pool(1, "workers-raise")
    after = threading.Event()

    def crash() -> None:
        raise Crash("worker")

    with structlog.testing.capture_logs() as logs:
        start_worker(crash, pool)
        start_worker(after.set, pool)
        assert after.wait(WAIT)
    [logged] = [entry for entry in logs if entry["log_level"] == "error"]
    assert logged["event"] == "actor_start_failed"
    assert logged["actor"] == "EventWorker (run once)"
    assert isinstance(logged["exc_info"], Crash)
