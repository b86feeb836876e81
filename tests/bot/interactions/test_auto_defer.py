"""`auto_defer=True`: a handler still silent at 2.5 s is deferred for it, and its own answer then
edits the deferred one (or follows up, after a click). Thread-free: a hand-driven timer and a
`run_soon` that runs at once."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from structlog.testing import capture_logs

from bot.interactions import (
    AlreadyResponded,
    CallbackType,
    Dispatcher,
    InteractionContext,
    Modal,
    Registry,
    TextInput,
    component,
    slash_command,
)
from bot.interactions.deadline import AUTO_DEFER_AFTER
from bot.interactions.views import ViewStore
from tests.bot.interactions.helpers import RecordingApi, command, component_click, event
from tests.bot.interactions.test_hostile import FakeTimer


class Slow:
    def __init__(self, timer: FakeTimer) -> None:
        self.api = RecordingApi()
        self.timer = timer

    @slash_command(description="Slow, deferred for it", auto_defer=True)
    def report(self, ctx: InteractionContext) -> None:
        self.timer.fire()  # 2.5 s and 3 s pass while it works
        ctx.respond("the report", ephemeral=True)

    @slash_command(description="Quick, never deferred", auto_defer=True)
    def quick(self, ctx: InteractionContext) -> None:
        ctx.respond("at once")
        self.timer.fire()

    @slash_command(description="Slow, then a modal: cannot follow a defer", auto_defer=True)
    def form(self, ctx: InteractionContext) -> None:
        self.timer.fire()
        ctx.send_modal(Modal("f", "F", [TextInput("t", "T")]))

    @component("again:{sides:int}", auto_defer=True)
    def again(self, ctx: InteractionContext, sides: int) -> None:
        self.timer.fire()
        if sides == 1:
            ctx.respond("a new message")
        else:
            ctx.update_message(f"rolled d{sides}")


def _run(payload: Any) -> tuple[Slow, list[dict[str, Any]]]:
    timer = FakeTimer()
    bot = Slow(timer)
    now: Callable[[Callable[[], object]], None] = lambda work: work()  # noqa: E731
    dispatcher = Dispatcher(Registry.of(Slow), ViewStore(), schedule=timer, run_soon=now)
    with capture_logs() as logs:
        dispatcher.handle(bot, event("INTERACTION_CREATE", payload))
    return bot, logs


def _calls(bot: Slow, name: str) -> list[tuple[tuple[Any, ...], dict[str, Any]]]:
    return [(args, kwargs) for call, args, kwargs in bot.api.calls if call == name]


def test_a_slow_handler_is_deferred_for_and_its_answer_edits_the_deferred_one() -> None:
    bot, logs = _run(command("report"))
    assert bot.api.responses() == [(CallbackType.DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE, None)]
    [(_, edit)] = _calls(bot, "edit_original_response")
    assert edit["content"] == "the report" and "flags" not in edit
    events = [e["event"] for e in logs]
    assert "interaction.auto_deferred" in events
    assert "interaction.auto_deferred_not_ephemeral" in events  # it asked for ephemeral, too late
    assert "interaction.deadline_missed" not in events and "interaction.not_answered" not in events


def test_the_automatic_defer_is_armed_at_2_5_s_and_cancelled_when_the_handler_returns() -> None:
    timer = FakeTimer()
    bot = Slow(timer)
    dispatcher = Dispatcher(Registry.of(Slow), schedule=timer, run_soon=lambda work: None)
    dispatcher.handle(bot, event("INTERACTION_CREATE", command("quick")))
    assert sorted(round(delay, 1) for delay, _, _ in timer.armed) == [AUTO_DEFER_AFTER, 3.0]
    assert all(handle.cancelled for _, _, handle in timer.armed)


def test_a_handler_that_answers_in_time_is_not_deferred() -> None:
    bot, logs = _run(command("quick"))
    assert bot.api.responses() == [
        (CallbackType.CHANNEL_MESSAGE_WITH_SOURCE, {"content": "at once"})
    ]
    assert not [e for e in logs if e["event"] == "interaction.auto_deferred"]


def test_after_a_deferred_click_update_message_edits_and_respond_follows_up() -> None:
    bot, _ = _run(component_click("again:20"))
    assert bot.api.responses() == [(CallbackType.DEFERRED_UPDATE_MESSAGE, None)]
    [(_, edit)] = _calls(bot, "edit_original_response")
    assert edit["content"] == "rolled d20"
    bot, _ = _run(component_click("again:1"))
    [(args, _)] = _calls(bot, "create_followup")
    assert args[2] == "a new message"


def test_a_modal_cannot_follow_an_automatic_defer_and_says_why() -> None:
    bot, logs = _run(command("form"))
    assert bot.api.responses() == [(CallbackType.DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE, None)]
    [failed] = [e for e in logs if e["event"] == "interaction.handler_failed"]
    assert failed["command"] == "form"
    ctx = InteractionContext(command("form"), RecordingApi())
    assert ctx.auto_defer() and not ctx.auto_defer()  # once only
    with pytest.raises(AlreadyResponded, match=r"deferred automatically .* a MODAL cannot follow"):
        ctx.send_modal(Modal("f", "F", [TextInput("t", "T")]))
