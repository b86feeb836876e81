"""IdentifyQueue: pacing shards' IDENTIFYs by bucket, and refusing past the session start limit."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest

from actors.identify_queue import IdentifyQueue, pacer_for
from actors.messages import IdentifyGranted, IdentifyRefused, RequestIdentify
from bot.gateway.identify import SessionStartLimitError
from bot.testing import FakeDiscord, GatewayConfig, World
from supervisors import Actor, ChildSpec, Names, Scheduler, Supervisor
from supervisors.timer import TimerHandle
from tests.actors.shard_helpers import Recorder, running_shard
from tests.integration.helpers import crash


class Inbox(Actor):
    """Collects what the queue tells a shard."""

    def __init__(self, got: list[object], changed: threading.Condition) -> None:
        super().__init__()
        self.got, self.changed = got, changed

    def on_receive(self, message: object) -> None:
        with self.changed:
            self.got.append(message)
            self.changed.notify_all()


def gateway_bot(remaining: int = 1000, max_concurrency: int = 1) -> dict[str, object]:
    limit = {"total": 1000, "remaining": remaining, "reset_after": 3_600_000}
    return {
        "url": "wss://x",
        "shards": 2,
        "session_start_limit": {**limit, "max_concurrency": max_concurrency},
    }


def test_grants_by_bucket_then_refuses_past_the_limit():
    got: list[object] = []
    changed = threading.Condition()
    inbox = Inbox.start(got, changed)
    scheduler = RecordingScheduler()
    queue = IdentifyQueue.start(
        gateway_bot(remaining=3, max_concurrency=2), window=0.3, scheduler=scheduler
    )
    try:
        for shard_id in range(4):
            queue.tell(RequestIdentify(shard_id, inbox, 7))
        # buckets 0 and 1 at once; shard 3 refused at once (3 starts: 0, 1 and 2 took them)
        with changed:
            assert changed.wait_for(lambda: len(got) == 3, 10)
        assert got[:2] == [IdentifyGranted(0, 7), IdentifyGranted(1, 7)]
        (refused,) = got[2:]
        assert isinstance(refused, IdentifyRefused) and refused.shard_id == 3
        assert isinstance(refused.error, SessionStartLimitError)
        # shard 2 shares bucket 0 with shard 0: its grant waits one window, on the scheduler
        ((delay, slot),) = scheduler.handles
        assert delay == pytest.approx(0.3, abs=0.05)
        slot.callback()
        with changed:
            assert changed.wait_for(lambda: len(got) == 4, 10)
        assert got[3] == IdentifyGranted(2, 7)
        assert queue.proxy().remaining().get() == 0
        with pytest.raises(SessionStartLimitError, match="only 0 left"):
            queue.proxy().check_start(1).get()
        assert queue.is_alive()  # a refused check does not crash the queue
    finally:
        queue.stop()
        inbox.stop()


def test_a_restarted_queue_keeps_the_pacing_and_the_starts_used():
    got: list[object] = []
    changed = threading.Condition()
    inbox = Inbox.start(got, changed)
    scheduler = RecordingScheduler()
    pacer = pacer_for(gateway_bot(remaining=10), window=5.0)  # kept by the tree, outside
    names = Names()
    spec = ChildSpec(
        "identify_queue", lambda: IdentifyQueue.start(pacer=pacer, scheduler=scheduler)
    )
    supervisor = Supervisor.start([spec], names=names)
    try:
        first = names.get("identify_queue", timeout=10)
        first.tell(RequestIdentify(0, inbox, 1))
        with changed:
            assert changed.wait_for(lambda: len(got) == 1, 10)
        crash(first)  # a bug in the queue: its supervisor restarts it
        assert first.lifeline.wait(10)
        second = names.get("identify_queue", timeout=10)
        assert second is not first
        second.tell(RequestIdentify(1, inbox, 1))
        assert second.proxy().remaining().get(timeout=10) == 8  # both starts counted
        # shard 1 is in shard 0's bucket: it waits the window out, restart or not
        ((delay, _slot),) = scheduler.handles
        assert delay == pytest.approx(5.0, abs=0.5)
        assert len(got) == 1
    finally:
        supervisor.stop(timeout=10)
        inbox.stop()


class RecordingScheduler(Scheduler):
    """Keeps what the queue schedules instead of running it: the test fires it by hand."""

    def __init__(self) -> None:
        super().__init__()
        self.handles: list[tuple[float, TimerHandle]] = []

    def call_later(self, delay: float, callback: Callable[[], object]) -> TimerHandle:
        handle = TimerHandle(delay, callback)
        self.handles.append((delay, handle))
        return handle


def test_delayed_grants_go_to_the_scheduler_and_stop_cancels_them():
    got: list[object] = []
    changed = threading.Condition()
    inbox = Inbox.start(got, changed)
    scheduler = RecordingScheduler()
    queue = IdentifyQueue.start(gateway_bot(), window=5.0, scheduler=scheduler)
    try:
        threads_before = threading.active_count()
        for shard_id in range(3):
            queue.tell(RequestIdentify(shard_id, inbox, 1))
        assert queue.proxy().remaining().get(timeout=10) == 997
        with changed:
            assert changed.wait_for(lambda: len(got) == 1, 10)  # shard 0 at once
        assert [delay for delay, _ in scheduler.handles] == [
            pytest.approx(5.0, abs=0.5),
            pytest.approx(10.0, abs=0.5),
        ]
        assert threading.active_count() == threads_before  # no thread per timer
        first, second = (handle for _, handle in scheduler.handles)
        first.callback()  # the scheduler fires shard 1's slot
        with changed:
            assert changed.wait_for(lambda: len(got) == 2, 10)
        assert got[1] == IdentifyGranted(1, 1)
        queue.stop()
        assert second.cancelled and not first.cancelled
        second.callback()  # fired anyway (it was already running): no grant after the stop
        inbox.proxy().got.get(timeout=10)  # the inbox has taken all it was told
        assert len(got) == 2
    finally:
        queue.stop()
        inbox.stop()


def test_shards_identify_one_per_window_through_the_queue():
    config = GatewayConfig(heartbeat_interval_ms=1000, identify_window=0.4, world=World(2, 1))
    with FakeDiscord(config=config) as discord:
        queue = IdentifyQueue.start(gateway_bot(), window=0.5)
        try:
            options = {"identify_queue": queue, "shard_count": 2}
            with (
                running_shard(discord, shard_id=0, **options) as (_s0, rec0, _),
                running_shard(discord, shard_id=1, **options) as (_s1, rec1, _),
            ):
                rec0.wait_for_event("READY")
                rec1.wait_for_event("READY")
            identifies = discord.received(2)
            assert len(identifies) == 2
            assert identifies[1].at - identifies[0].at >= 0.4
            assert [v.kind for v in discord.violations] == []
        finally:
            queue.stop()


def test_a_refused_identify_stops_the_shard_with_the_error():
    with FakeDiscord(config=GatewayConfig(heartbeat_interval_ms=1000)) as discord:
        queue = IdentifyQueue.start(gateway_bot(remaining=0))
        try:
            with running_shard(discord, recorder=Recorder(), identify_queue=queue) as (
                shard,
                _recorder,
                state,
            ):
                assert shard.actor_stopped.wait(10)
                assert isinstance(state.fatal_error, SessionStartLimitError)
            assert discord.received(2) == []
        finally:
            queue.stop()
