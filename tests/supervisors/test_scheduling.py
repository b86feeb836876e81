"""Our actor and pool threads run under SCHED_BATCH (Linux); the main thread is left alone."""

from __future__ import annotations

import os
import sys
import threading
from typing import Any

import pytest

from supervisors import Actor, PooledActor, scheduling
from tests.supervisors.helpers import WAIT

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux") or not scheduling.batch_policy_enabled(),
    reason="SCHED_BATCH is Linux-only and may be turned off by SHARDLINE_SCHED_BATCH=0",
)


class PolicyOf(Actor):
    def on_receive(self, message: Any) -> Any:
        return os.sched_getscheduler(0)


class PooledPolicyOf(PooledActor):
    def on_receive(self, message: Any) -> Any:
        return os.sched_getscheduler(0)


def test_actor_threads_are_batch_and_main_is_not() -> None:
    before = os.sched_getscheduler(0)
    ref = PolicyOf.start()
    try:
        assert ref.ask("policy", timeout=WAIT) == os.SCHED_BATCH
    finally:
        ref.stop(timeout=WAIT)
    pooled = PooledPolicyOf.start()
    future = pooled.ask("policy", block=False)  # not helped: runs on a pool thread
    assert future.get(timeout=WAIT) == os.SCHED_BATCH
    pooled.stop(timeout=WAIT)
    assert os.sched_getscheduler(0) == before


def test_threads_started_by_a_batch_thread_inherit_it() -> None:
    seen: dict[str, int] = {}

    def child() -> None:
        seen["child"] = os.sched_getscheduler(0)

    def parent() -> None:
        seen["set"] = int(scheduling.use_batch_policy())
        thread = threading.Thread(target=child)
        thread.start()
        thread.join(WAIT)

    thread = threading.Thread(target=parent)
    thread.start()
    thread.join(WAIT)
    assert seen == {"set": 1, "child": os.SCHED_BATCH}


def test_turned_off_it_does_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(scheduling, "_enabled", False)
    seen: list[int] = []

    def run() -> None:
        seen.extend((int(scheduling.use_batch_policy()), os.sched_getscheduler(0)))

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(WAIT)
    assert seen == [0, os.sched_getscheduler(0)]
