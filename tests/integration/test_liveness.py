"""Liveness and isolation of consumers (issue 13, items 1, 2a, 4 and the shutdown bound),
each through the simulator as a user's bot would meet it."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import structlog.testing

from bot.app import Bot
from tests.integration.consumers import WAIT, journal_of
from tests.integration.helpers import crash, running, wait_ready, write_config
from tests.integration.liveness_consumers import Asker, Blocker

RECORDER = "tests.integration.consumers:Recorder"
ASKER = "tests.integration.liveness_consumers:Asker"
BLOCKER = "tests.integration.liveness_consumers:Blocker"
CRASHY = "tests.integration.liveness_consumers:Crashy"


def _say(bot: Bot, number: int, content: str) -> None:
    world = bot.simulator.config.world
    bot.simulator.dispatch("MESSAGE_CREATE", {**world.message_create(number), "content": content})


def test_an_inline_wait_in_a_one_slot_consumer_does_not_stall_delivery(tmp_path: Path) -> None:
    # Item 1: the handler waiting for "yes" holds the consumer's only slot; an unrelated
    # message comes first. Delivery must not wait on that slot, or "yes" never arrives.
    Asker.answers.clear()
    Asker.answered.clear()
    bot = Bot.from_config(write_config(tmp_path, [RECORDER, ASKER]))
    with running(bot):
        journal = wait_ready(bot, 2)
        _say(bot, 0, "!ask")
        _say(bot, 1, "message 1")
        _say(bot, 2, "yes")
        bot.simulator.stream_messages(20, first=10)
        assert Asker.answered.wait(WAIT), "the inline wait never got its answer"
        assert Asker.answers == ["yes"]
        # Every consumer got everything, the asker included.
        journal.wait_for_messages(range(10, 30))
        assert journal.numbers_of("Asker")[1] == 1
        assert journal.numbers_of("Recorder")[1] == 1


def test_wait_for_has_a_finite_default() -> None:
    import inspect

    from actors.consumer import Consumer
    from actors.waiting import DEFAULT_WAIT, Expectation, wait_for

    for function in (Consumer.wait_for, wait_for, Expectation.result):
        default = inspect.signature(function).parameters["timeout"].default
        assert default == DEFAULT_WAIT and 0 < DEFAULT_WAIT < float("inf"), function


def test_a_healthy_consumer_loses_nothing_while_its_supervisor_restarts_it(
    tmp_path: Path,
) -> None:
    # Item 2a: a sibling crash-loops until the consumers' supervisor gives up and stops the
    # healthy consumer too; the bot's supervisor restarts them all. Meanwhile events flow.
    count = 6000
    # The crashing consumer joined first, so the producer reaches the healthy one first (the
    # newest member first): it is not held up behind its sibling's restart.
    bot = Bot.from_config(write_config(tmp_path, [CRASHY, RECORDER]))
    with running(bot), structlog.testing.capture_logs() as logs:
        journal = wait_ready(bot, 2)
        consumers = bot.names.get("consumers", WAIT)
        bot.simulator.stream_messages(count)
        crashes = 0
        while bot.names.get("consumers", WAIT) is consumers:
            old = bot.names.get(("consumer", 0), WAIT)
            crash(old)
            assert old.lifeline.wait(WAIT)
            crashes += 1
            assert crashes <= 30, "the consumers' supervisor never gave up"
        journal.wait_until(lambda j: set(range(count)) <= j.numbers_of("Recorder").keys(), 30)
    assert not [e for e in logs if e["event"] == "consumer.event_dropped"]


def _blocked_consumer_does_not_delay(bot_a: Bot, bot_b: Bot, recorder: str) -> None:
    journal_a = wait_ready(bot_a, 2)
    journal_b = journal_a if bot_b is bot_a else wait_ready(bot_b, 2)
    bot_a.simulator.stream_messages(80)
    Blocker.wait_until_held(80)
    if bot_b is not bot_a:
        bot_b.simulator.stream_messages(80)
    bot_b.simulator.stream_messages(10, first=80)
    start = time.monotonic()
    journal_b.wait_until(lambda j: set(range(90)) <= j.numbers_of(recorder).keys(), WAIT)
    assert time.monotonic() - start < WAIT
    assert Blocker.held >= 80  # still blocked: the recorder's events did not wait for them
    assert journal_a is journal_b or journal_a.numbers_of("Blocker")


def test_one_consumers_blocked_handlers_do_not_delay_anothers_events(tmp_path: Path) -> None:
    # Item 4: 80 handlers of one consumer blocked (of its 100 slots); the other consumer's
    # events must still arrive at once.
    Blocker.gate.clear()
    bot = Bot.from_config(write_config(tmp_path, [BLOCKER, RECORDER]))
    try:
        with running(bot):
            _blocked_consumer_does_not_delay(bot, bot, "Recorder")
            Blocker.gate.set()
    finally:
        Blocker.gate.set()


def test_two_bots_in_one_process_share_no_worker_pool(tmp_path: Path) -> None:
    Blocker.gate.clear()
    bot_a = Bot.from_config(write_config(tmp_path, [BLOCKER], name="a.toml"))
    bot_b = Bot.from_config(write_config(tmp_path, [RECORDER], name="b.toml"))
    try:
        with running(bot_a), running(bot_b):
            _blocked_consumer_does_not_delay(bot_a, bot_b, "Recorder")
            Blocker.gate.set()
    finally:
        Blocker.gate.set()


def test_stop_returns_within_10_s_with_handlers_that_never_return(tmp_path: Path) -> None:
    Blocker.gate.clear()
    bot = Bot.from_config(write_config(tmp_path, [BLOCKER]))
    result: dict[str, Any] = {}
    try:
        bot.start()
        wait_ready(bot, 2)
        bot.simulator.stream_messages(5)
        Blocker.wait_until_held(5)
        with structlog.testing.capture_logs() as logs:
            start = time.monotonic()
            stopper = threading.Thread(target=lambda: result.update(ended=bot.stop()))
            stopper.start()
            stopper.join(12)
            elapsed = time.monotonic() - start
        assert not stopper.is_alive(), "stop() still running after 12 s"
        assert elapsed <= 10.0, elapsed
        abandoned = [e for e in logs if e["event"] == "consumer.handlers_abandoned"]
        assert abandoned and abandoned[0]["running"] == 5
        assert journal_of(bot.cache).numbers_of("Blocker").keys() == set(range(5))
    finally:
        Blocker.gate.set()  # the abandoned handlers end now; their threads with them
        bot.stop()
