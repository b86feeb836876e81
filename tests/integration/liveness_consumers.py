"""Consumers of the liveness tests (issue 13): one that waits inline, one that blocks its
handlers on a gate. Named in config files as `tests.integration.liveness_consumers:X`."""

from __future__ import annotations

import threading
from typing import ClassVar

from bot.events import Event
from tests.integration.consumers import WAIT, GatedRecorder, Recorder

__all__ = ["Asker", "Blocker", "Crashy"]


class Asker(Recorder):
    """One slot; on "!ask" its handler waits inline for "yes" and keeps what it got."""

    events = frozenset({"MESSAGE_CREATE"})
    max_workers = 1
    answers: ClassVar[list[str]] = []
    answered = threading.Event()

    def handle_event(self, event: Event) -> None:
        super().handle_event(event)
        if event.data.content != "!ask":
            return
        reply = self.wait_for("MESSAGE_CREATE", lambda e: e.data.content == "yes", timeout=3 * WAIT)
        type(self).answers.append(reply.data.content)
        type(self).answered.set()


class Blocker(GatedRecorder):
    """Records everything, and holds every message's handler on `gate` (a slow REST call that
    does not come back)."""

    max_workers = 100
    gate = threading.Event()
    held = 0
    changed = threading.Condition()
    hold_for = 6 * WAIT

    @classmethod
    def wait_until_held(cls, count: int, timeout: float = WAIT) -> None:
        with cls.changed:
            assert cls.changed.wait_for(lambda: cls.held >= count, timeout), cls.held


class Crashy(Recorder):
    """A recorder the test crashes again and again (its supervisor then gives up)."""
