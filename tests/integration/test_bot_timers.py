"""Each bot has its own timer thread, used by its whole tree and ended with it (issue 13).

The suite's thread guard (tests/conftest.py) allows only `supervisors-` threads to outlive a
test: a bot's `bot-<n>-timer` left running after `bot.stop()` fails every test that starts one.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot import Bot, Consumer
from bot.interactions import InteractionContext, slash_command
from supervisors import (
    Backoff,
    Names,
    Scheduler,
    SchedulerStopped,
    Supervisor,
    default_scheduler,
    stop_tree,
)
from tests.integration.helpers import running, write_config
from tests.supervisors.helpers import WAIT, Journal, crash, worker_spec


class Pong(Consumer):
    """A consumer with a slash command: its interaction deadline runs on a timer."""

    @slash_command(description="Answers")
    def ping(self, ctx: InteractionContext) -> None:
        ctx.respond("pong")


@pytest.fixture(name="two_bots")
def two_bots_fixture(tmp_path: Path) -> Iterator[tuple[Bot, Bot]]:
    consumers = [f"{__name__}:Pong"]
    a = Bot.from_config(write_config(tmp_path, consumers, name="a.toml"))
    b = Bot.from_config(write_config(tmp_path, consumers, name="b.toml"))
    with running(a), running(b):
        yield a, b


def timer_of(bot: Bot) -> Scheduler:
    assert bot.scheduler is not None
    return bot.scheduler


def actor_of(ref: Any) -> Any:
    """The actor object behind `ref`, to read what its proxy does not show (test only)."""
    actor = ref._actor_weakref()
    assert actor is not None
    return actor


def test_two_bots_have_their_own_timer_used_by_their_whole_tree(two_bots: tuple[Bot, Bot]) -> None:
    a, b = two_bots
    timer_a, timer_b = timer_of(a), timer_of(b)
    assert timer_a is not timer_b
    assert default_scheduler() not in (timer_a, timer_b)
    assert timer_a.name != timer_b.name
    assert timer_a.name.startswith("bot-") and timer_a.name.endswith("-timer")
    for bot, timer in ((a, timer_a), (b, timer_b)):
        consumers, shards = bot.names.get("consumers", WAIT), bot.names.get("shards", WAIT)
        for supervisor in (bot.supervisor, consumers, shards):
            assert supervisor.proxy().scheduler.get(timeout=WAIT) is timer
        shard_tree = bot.names.get(("shard_tree", 0), WAIT)
        assert shard_tree.proxy().scheduler.get(timeout=WAIT) is timer
        assert actor_of(bot.names.get("identify_queue", WAIT))._scheduler is timer
        dispatcher = actor_of(bot.names.get(("consumer", 0), WAIT))._dispatcher
        assert dispatcher.schedule == timer.call_later
    # Each runs on a thread of its own, named for its bot.
    ran: dict[str, str] = {}
    done = threading.Barrier(3, timeout=WAIT)
    for timer in (timer_a, timer_b):

        def record(key: str = timer.name) -> None:
            ran[key] = threading.current_thread().name
            done.wait()

        timer.call_later(0.0, record)
    done.wait()
    assert ran == {timer_a.name: timer_a.name, timer_b.name: timer_b.name}


def test_a_crash_loop_on_bot_a_timer_does_not_delay_bot_b(two_bots: tuple[Bot, Bot]) -> None:
    a, b = two_bots
    timer_a, timer_b = timer_of(a), timer_of(b)
    # Bot A's timer is held: a callback that does not return (with one shared thread, every
    # bot's restart delays and interaction deadlines would wait behind it).
    held, release = threading.Event(), threading.Event()
    timer_a.call_later(0.0, lambda: (held.set(), release.wait(WAIT)))
    assert held.wait(WAIT)
    backoff = Backoff(initial=0.01, maximum=0.01, jitter=0.0)
    journal_a, journal_b, names_a, names_b = Journal(), Journal(), Names(), Names()
    looping = Supervisor.start(
        [worker_spec("loop", journal_a, backoff=backoff)],
        intensity=100,
        names=names_a,
        scheduler=timer_a,
    )
    healthy = Supervisor.start(
        [worker_spec("child", journal_b, backoff=backoff)],
        intensity=100,
        names=names_b,
        scheduler=timer_b,
    )
    try:
        crash(names_a, "loop")  # its restart waits on A's held timer
        first = crash(names_b, "child")
        restarted = names_b.get("child", WAIT)  # B's restart delay ran on B's timer meanwhile
        assert restarted is not first and journal_b.events("start") == ["child", "child"]
        fired = threading.Event()
        timer_b.call_later(0.0, fired.set)
        assert fired.wait(WAIT)
        assert journal_a.events("start") == ["loop"]  # A's restart is still due on A's timer
        release.set()
        names_a.get("loop", WAIT)  # and runs once A's timer is free again
    finally:
        release.set()
        assert stop_tree(looping, WAIT) and stop_tree(healthy, WAIT)
    assert journal_a.events("start") == ["loop", "loop"]


def test_stop_ends_the_bots_timer_and_a_new_start_makes_another(tmp_path: Path) -> None:
    bot = Bot.from_config(write_config(tmp_path, [f"{__name__}:Pong"]))
    assert bot.scheduler is None  # made at start
    with running(bot):
        first = timer_of(bot)
        ran = threading.Event()
        first.call_later(0.0, ran.set)
        assert ran.wait(WAIT)
        thread = first.thread
        assert thread is not None and thread.is_alive()
    assert first.stopped and not thread.is_alive()
    with pytest.raises(SchedulerStopped):
        first.call_later(0.0, lambda: None)
    with running(bot):
        second = timer_of(bot)
        assert second is not first and not second.stopped and second.name == first.name
    assert second.stopped


class BrokenAtStart(Consumer):
    """A consumer that cannot be made: the bot's start fails."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        raise RuntimeError("broken at start")


def test_a_failed_start_stops_the_timer_it_made(tmp_path: Path) -> None:
    bot = Bot.from_config(write_config(tmp_path, [f"{__name__}:BrokenAtStart"]))
    with pytest.raises(Exception, match="broken at start"):
        bot.start()
    assert timer_of(bot).stopped
    assert bot.stop()
