"""Consumers the integration tests name in their config files (`tests.integration.consumers:X`).

A consumer started by a bot's tree writes what it handles to the `Journal` of that bot, found
by the bot's cache (`journal_of(bot.cache)`), so two bots in one process keep two journals and
a test reads the one of the bot it started.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from typing import Any, ClassVar

from actors.consumer import Consumer
from bot.events import Event

__all__ = [
    "Boom",
    "EveryTenthRaises",
    "GatedRecorder",
    "Journal",
    "Late",
    "Recorder",
    "Replier",
    "SlowRecorder",
    "SlowToRestart",
    "clear_journals",
    "journal_of",
    "message_number",
]

WAIT = 10.0  # generous: two cores shared with other helpers; waits end when the condition holds


def message_number(event: Event) -> int | None:
    """The number of a simulator message (`content = "message N"`), else None."""
    if event.name != "MESSAGE_CREATE":
        return None
    content = getattr(event.data, "content", "") or ""
    if not isinstance(content, str):  # a fuzzed payload
        return None
    head, _, tail = content.partition(" ")
    return int(tail) if head == "message" and tail.isdigit() else None


class Journal:
    """What one bot's consumers handled: event names in order, and message numbers counted."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self.names: list[str] = []
        self.events: list[Event] = []
        self.numbers: Counter[int] = Counter()
        self.by_consumer: dict[str, Counter[int]] = {}

    def add(self, consumer: str, event: Event) -> None:
        with self._changed:
            self.names.append(event.name)
            self.events.append(event)
            number = message_number(event)
            if number is not None:
                self.numbers[number] += 1
                self.by_consumer.setdefault(consumer, Counter())[number] += 1
            self._changed.notify_all()

    def count(self, *names: str) -> int:
        with self._changed:
            return sum(1 for name in self.names if name in names)

    def numbers_of(self, consumer: str) -> Counter[int]:
        with self._changed:
            return Counter(self.by_consumer.get(consumer, Counter()))

    def wait_until(self, predicate: Callable[[Journal], bool], timeout: float = WAIT) -> None:
        """Waits until `predicate(journal)` holds (checked at each new event); fails if not."""
        with self._changed:
            if not self._changed.wait_for(lambda: predicate(self), timeout):
                raise AssertionError(
                    f"journal: condition not met in {timeout} s "
                    f"({len(self.names)} events, {len(self.numbers)} distinct messages)"
                )

    def wait_for_messages(self, numbers: range, timeout: float = WAIT) -> None:
        """Waits until every message number in `numbers` has arrived at least once."""
        wanted = set(numbers)
        self.wait_until(lambda j: wanted.issubset(j.numbers.keys()), timeout)


_journals: dict[int, Journal] = {}
_journals_lock = threading.Lock()


def journal_of(cache: Any) -> Journal:
    """The journal of the bot whose cache (`bot.cache`, a consumer's `self.cache`) is `cache`."""
    with _journals_lock:
        return _journals.setdefault(id(cache), Journal())


def clear_journals() -> None:
    with _journals_lock:
        _journals.clear()


class Recorder(Consumer):
    """Writes every event it handles to its bot's journal."""

    def handle_event(self, event: Event) -> None:
        journal_of(self.cache).add(type(self).__name__, event)


class Late(Recorder):
    """A second recording consumer, started while events flow."""


class Boom(Exception):
    """What `EveryTenthRaises` raises."""


class EveryTenthRaises(Recorder):
    """Records each message, then raises for every tenth one (numbers 0, 10, 20, ...)."""

    events = frozenset({"MESSAGE_CREATE"})

    def handle_event(self, event: Event) -> None:
        super().handle_event(event)
        number = message_number(event)
        if number is not None and number % 10 == 0:
            raise Boom(f"handler fails on message {number}")


class SlowRecorder(Recorder):
    """Records, then waits on `gate` (a test opens it): keeps workers in flight at shutdown."""

    gate = threading.Event()
    finished: ClassVar[list[int]] = []  # message numbers whose handler returned
    max_workers = 4

    def handle_event(self, event: Event) -> None:
        super().handle_event(event)
        number = message_number(event)
        if number is not None:
            type(self).gate.wait(WAIT)
            type(self).finished.append(number)


class Replier(Consumer):
    """Answers every 250th message through REST (so the rate limiter is on the path)."""

    events = frozenset({"MESSAGE_CREATE"})
    every = 250

    def handle_event(self, event: Event) -> None:
        number = message_number(event)
        if number is not None and number % self.every == 0:
            self.api.create_message(event.data.channel_id, content=f"ack {number}")


class GatedRecorder(Recorder):
    """Records, then holds each message's worker on `gate`: with every slot taken, the
    producer waits on it, so a test can act at a known point mid-stream."""

    gate = threading.Event()
    held = 0  # workers waiting on the gate now
    changed = threading.Condition()
    max_workers = 8
    hold_for = WAIT  # seconds a worker waits on the gate at most

    def handle_event(self, event: Event) -> None:
        super().handle_event(event)
        if event.name != "MESSAGE_CREATE":
            return
        cls = type(self)
        with cls.changed:
            cls.held += 1
            cls.changed.notify_all()
        try:
            cls.gate.wait(cls.hold_for)
        finally:
            with cls.changed:
                cls.held -= 1

    @classmethod
    def wait_until_all_held(cls, timeout: float = WAIT) -> None:
        """Waits until every slot is held at the gate (the producer then waits for one)."""
        with cls.changed:
            assert cls.changed.wait_for(lambda: cls.held >= cls.max_workers, timeout)


class SlowToRestart(Recorder):
    """Records; each start after the first waits on `restart_gate` before joining its group."""

    restart_gate = threading.Event()
    starts = 0

    def on_start(self) -> None:
        cls = type(self)
        cls.starts += 1
        if cls.starts > 1:
            cls.restart_gate.wait(WAIT)
        super().on_start()
