"""The dispatcher against payloads Discord would not send (forged, truncated, absurd) and
handlers that misbehave: each is a contained failure with a log line and, where Discord takes
one, an ephemeral answer; the dispatcher keeps answering afterwards. Thread-free: a recording
REST client and a hand-driven timer for the 3 s watch."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal

import pytest
from structlog.testing import capture_logs

from bot.interactions import (
    CallbackType,
    Choice,
    Dispatcher,
    InteractionContext,
    MessageFlags,
    Range,
    Registry,
    View,
    autocomplete,
    check,
    component,
    modal,
    slash_command,
    user_command,
)
from bot.interactions.dispatch import EXPIRED_TEXT, FAILED_TEXT, REFUSED_TEXT
from bot.interactions.views import ViewStore
from bot.payloads import Interaction, User
from tests.bot.interactions.helpers import (
    RecordingApi,
    command,
    event,
    modal_submit,
)
from tests.bot.interactions.helpers import interaction as raw

EPHEMERAL = int(MessageFlags.EPHEMERAL)


class FakeTimer:
    """Stands for the scheduler: records what is armed; `fire()` runs what is still armed."""

    def __init__(self) -> None:
        self.armed: list[tuple[float, Callable[[], object], Handle]] = []

    def __call__(self, delay: float, callback: Callable[[], object]) -> Handle:
        handle = Handle()
        self.armed.append((delay, callback, handle))
        return handle

    def fire(self) -> None:
        """Runs what is armed and not cancelled, soonest first (as time would)."""
        for _, callback, handle in sorted(self.armed, key=lambda armed: armed[0]):
            if not handle.cancelled:
                callback()


class Handle:
    def __init__(self) -> None:
        self.cancelled = False

    def cancel(self) -> None:
        self.cancelled = True


class Hostile:
    """A consumer's handlers, some of them misbehaving."""

    def __init__(self, timer: FakeTimer | None = None) -> None:
        self.api = RecordingApi()
        self.timer = timer
        self.seen: list[Any] = []

    @slash_command(description="Roll")
    def roll(self, ctx: InteractionContext, sides: Annotated[int, Range(2, 100)] = 6) -> None:
        self.seen.append(sides)
        ctx.respond(f"d{sides}")

    @slash_command(description="Say")
    def say(
        self, ctx: InteractionContext, text: str, tone: Literal["calm", "loud"] = "calm"
    ) -> None:
        self.seen.append((text, tone))
        ctx.respond(text[:20])

    @slash_command(description="Find")
    def find(self, ctx: InteractionContext, query: str) -> None:
        ctx.respond(query)

    @autocomplete("find", "query")
    def find_complete(self, ctx: InteractionContext, value: str) -> list[str]:
        raise RuntimeError("the index is down")

    @slash_command(description="Twice")
    def twice(self, ctx: InteractionContext) -> None:
        ctx.respond("one")
        ctx.respond("two")

    @slash_command(description="Slow")
    def slow(self, ctx: InteractionContext) -> None:
        assert self.timer is not None
        self.timer.fire()  # the deadline passes while the handler works
        self.seen.append("slow done")

    @slash_command(description="Prompt")
    def prompt(self, ctx: InteractionContext) -> None:
        ctx.respond("at once")
        assert self.timer is not None
        self.timer.fire()

    @component("item:{n:int}")
    def item(self, ctx: InteractionContext, n: int) -> None:
        ctx.respond(f"item {n}")

    @modal("form")
    def form(self, ctx: InteractionContext) -> None:
        ctx.respond(ctx.fields["name"])


def _run(bot: Hostile, payload: Any, timer: FakeTimer | None = None) -> bool:
    dispatcher = Dispatcher(Registry.of(type(bot)), ViewStore(), schedule=timer or FakeTimer())
    return dispatcher.handle(bot, event("INTERACTION_CREATE", payload))


def _still_works(bot: Hostile) -> None:
    bot.api.calls.clear()
    assert _run(bot, command("roll", [{"name": "sides", "type": 4, "value": 3}]))
    assert bot.api.responses()[-1] == (4, {"content": "d3"})


def _refusal(bot: Hostile) -> str:
    [(kind, data)] = bot.api.responses()
    assert kind == CallbackType.CHANNEL_MESSAGE_WITH_SOURCE and data["flags"] == EPHEMERAL
    return str(data["content"])


@pytest.mark.parametrize(
    ("payload", "why"),
    [
        (raw(99, {"name": "roll"}), "an interaction type Discord does not have"),
        (raw("two", {"name": "roll"}), "a type that is no number"),
        (raw(2, "roll"), "data that is no object"),
        (raw(2, {"name": "roll", "type": 42}), "a command type Discord does not have"),
        (raw(2, {"name": "nope", "type": 1}), "an unknown command"),
        (raw(3, {"custom_id": "nothing:here", "component_type": 2}), "a custom_id of no route"),
        (raw(3, {"custom_id": 12345, "component_type": 2}), "a custom_id that is no string"),
        (raw(3, {"custom_id": "x" * 100_000, "component_type": 2}), "a custom_id of 100k"),
        (raw(5, {"custom_id": "elsewhere", "components": []}), "a modal of no route"),
    ],
)
def test_payloads_that_are_not_this_consumers_pass_on_quietly(payload: Any, why: str) -> None:
    bot = Hostile()
    with capture_logs() as logs:
        assert _run(bot, payload) is False, why
    assert bot.api.responses() == [], why
    [line] = logs  # one line saying why it was passed on
    assert line["event"] in (
        "interaction.malformed",
        "interaction.unknown_command_type",
        "interaction.unrouted",
    ), why
    _still_works(bot)


@pytest.mark.parametrize(
    ("options", "named"),
    [
        ([{"name": "sides", "type": 4, "value": "twenty"}], "sides"),
        ([{"name": "sides", "type": 4, "value": 2**64 + 1}], "sides"),
        ([{"name": "sides", "type": 4, "value": 1000}], "sides"),  # outside its Range
        ([{"name": "sides", "type": 4, "value": 1.5}], "sides"),
        ([{"name": "sides", "type": 4, "value": True}], "sides"),
        ([{"name": "sides", "type": 4, "value": None}], "sides"),
    ],
)
def test_options_of_the_wrong_type_or_out_of_bounds_are_refused_by_name(
    options: list[dict[str, Any]], named: str
) -> None:
    bot = Hostile()
    with capture_logs() as logs:
        assert _run(bot, command("roll", options))
    assert bot.seen == []
    assert f"`{named}`" in _refusal(bot)
    [bad] = [e for e in logs if e["event"] == "interaction.bad_option"]
    assert bad["option"] == named and bad["user"] == 900 and len(bad["got"]) <= 100
    _still_works(bot)


def test_a_missing_required_option_a_huge_string_and_a_foreign_choice_are_refused() -> None:
    bot = Hostile()
    assert _run(bot, command("say"))
    assert "`text`" in _refusal(bot)
    bot.api.calls.clear()
    assert _run(bot, command("say", [{"name": "text", "type": 3, "value": "x" * 1_000_000}]))
    refusal = _refusal(bot)
    assert "`text`" in refusal and "1000000 characters" in refusal and len(refusal) < 200
    bot.api.calls.clear()
    shout = [{"name": "text", "type": 3, "value": "hi"}, {"name": "tone", "type": 3, "value": "x"}]
    assert _run(bot, command("say", shout))
    assert "`tone`" in _refusal(bot)
    assert bot.seen == []
    _still_works(bot)


@pytest.mark.parametrize(
    ("options", "seen"),
    [
        ("not a list", [6]),  # unreadable options are dropped: the default
        ([None, 3, "x"], [6]),
        ([{"type": 4, "value": 3}], [6]),  # no name
        ([{"name": "sub", "type": 1, "options": "nope"}], []),  # no such subcommand: passed on
    ],
)
def test_malformed_option_lists_do_not_break_the_dispatcher(options: Any, seen: list[int]) -> None:
    bot = Hostile()
    payload = raw(2, {"id": "30", "name": "roll", "type": 1, "options": options})
    with capture_logs():
        assert _run(bot, payload) is bool(seen)
    assert bot.seen == seen
    _still_works(bot)


def test_resolved_data_of_the_wrong_shape_is_refused_not_raised() -> None:
    class People(Hostile):
        @slash_command(description="Who")
        def who(self, ctx: InteractionContext, user: User) -> None:
            ctx.respond("seen")

    bot = People()
    for resolved in ("nope", {"users": "nope"}, {"users": {"1": "nope"}}):
        bot.api.calls.clear()
        payload = raw(
            2,
            {
                "id": "30",
                "name": "who",
                "type": 1,
                "options": [{"name": "user", "type": 6, "value": "1"}],
                "resolved": resolved,
            },
        )
        with capture_logs():
            assert Dispatcher(Registry.of(People), schedule=FakeTimer()).handle(
                bot, event("INTERACTION_CREATE", payload)
            )
        assert "`user`" in _refusal(bot)


def test_ids_beyond_64_bits_and_unreadable_guild_ids_are_contained() -> None:
    bot = Hostile()
    huge = str(2**70)
    payload = raw(
        2,
        {"id": huge, "name": "roll", "type": 1, "options": []},
        id=huge,
        guild_id="not-a-number",
    )
    with capture_logs():
        assert _run(bot, payload)
    assert bot.api.responses() == [(4, {"content": "d6"})]
    _still_works(bot)


def test_a_member_without_a_user_is_refused_by_checks_and_logged_without_a_user() -> None:
    class Guarded(Hostile):
        @check(lambda ctx: ctx.user.id == 900)
        @slash_command(description="Guarded")
        def guarded(self, ctx: InteractionContext) -> None:
            ctx.respond("in")

    bot = Guarded()
    payload = raw(2, {"id": "30", "name": "guarded", "type": 1}, member={"roles": []})
    with capture_logs() as logs:
        Dispatcher(Registry.of(Guarded), schedule=FakeTimer()).handle(
            bot, event("INTERACTION_CREATE", payload)
        )
    assert _refusal(bot) == REFUSED_TEXT
    assert any(e["event"] == "interaction.check_failed" and e["user"] is None for e in logs)


def test_a_modal_submit_with_missing_or_malformed_fields_is_answered_and_named() -> None:
    bot = Hostile()
    with capture_logs() as logs:
        assert _run(bot, modal_submit("form", {"other": "x"}))
    assert _refusal(bot) == FAILED_TEXT
    [failed] = [e for e in logs if e["event"] == "interaction.handler_failed"]
    assert failed["command"] == "form" and failed["user"] == 900
    bot.api.calls.clear()
    garbage = raw(5, {"custom_id": "form", "components": [None, "x", {"components": 5}]})
    with capture_logs():
        assert _run(bot, garbage)
    assert _refusal(bot) == FAILED_TEXT
    _still_works(bot)


def test_the_missing_field_error_names_the_modal_and_what_it_has() -> None:
    ctx = InteractionContext(modal_submit("form", {"other": "x"}), RecordingApi())
    with pytest.raises(KeyError, match=r"modal 'form' has no field 'name' \(it has \['other'\]\)"):
        ctx.fields["name"]


def test_an_autocomplete_that_raises_is_logged_and_answered_with_no_choices() -> None:
    bot = Hostile()
    payload = command(
        "find", [{"name": "query", "type": 3, "value": "ab", "focused": True}], kind=4
    )
    with capture_logs() as logs:
        assert _run(bot, payload)
    assert bot.api.responses() == [(8, {"choices": []})]
    assert [e["command"] for e in logs if e["event"] == "interaction.handler_failed"] == ["find"]


def test_an_autocomplete_for_an_option_without_a_callback_gets_no_choices() -> None:
    bot = Hostile()
    payload = command("roll", [{"name": "sides", "type": 4, "value": 2, "focused": True}], kind=4)
    with capture_logs():
        assert _run(bot, payload)
    assert bot.api.responses() == [(8, {"choices": []})]


def test_a_handler_that_answers_twice_keeps_its_first_answer_and_is_logged() -> None:
    bot = Hostile()
    with capture_logs() as logs:
        assert _run(bot, command("twice"))
    assert bot.api.responses() == [(4, {"content": "one"})]
    [failed] = [e for e in logs if e["event"] == "interaction.handler_failed"]
    assert failed["command"] == "twice"
    assert failed["handler"] == "twice"
    _still_works(bot)


def test_the_deadline_is_logged_when_it_passes_while_the_handler_still_runs() -> None:
    timer = FakeTimer()
    bot = Hostile(timer)
    with capture_logs() as logs:
        assert _run(bot, command("slow"), timer)
    events = [e["event"] for e in logs]
    assert events.index("interaction.deadline_missed") < events.index("interaction.not_answered")
    [missed] = [e for e in logs if e["event"] == "interaction.deadline_missed"]
    assert missed["command"] == "slow" and missed["user"] == 900 and missed["guild"] == 7
    assert "ctx.defer()" in missed["hint"]
    [(delay, _, handle)] = timer.armed
    assert 2.9 < delay <= 3.0 and handle.cancelled  # armed for the deadline, cancelled after


def test_no_deadline_line_for_a_handler_that_answered_in_time() -> None:
    timer = FakeTimer()
    bot = Hostile(timer)
    with capture_logs() as logs:
        _run(bot, command("prompt"), timer)
    assert not [e for e in logs if e["event"] == "interaction.deadline_missed"]


def test_the_deadline_counts_from_when_the_interaction_arrived() -> None:
    timer = FakeTimer()
    bot = Hostile(timer)
    dispatcher = Dispatcher(Registry.of(Hostile), schedule=timer)
    ctx = InteractionContext(command("roll"), bot.api, clock=lambda: 102.5, received_at=100.0)
    dispatcher._call(bot, ctx, "roll", lambda: None)
    assert [round(delay, 3) for delay, _, _ in timer.armed] == [0.5]


class Members(Hostile):
    """A consumer that answers members of guild 7 only."""

    def interaction_check(self, ctx: InteractionContext) -> bool:
        return ctx.guild_id == 7

    interaction_check_message = "Members of the club only."


def _from_elsewhere(payload: Interaction) -> Interaction:
    return Interaction({**payload.raw, "guild_id": "8"})


def test_the_consumer_wide_check_refuses_ephemerally_before_any_handler() -> None:
    bot = Members()
    run = Dispatcher(Registry.of(Members), schedule=FakeTimer())
    assert run.handle(bot, event("INTERACTION_CREATE", _from_elsewhere(command("roll"))))
    assert _refusal(bot) == "Members of the club only."
    assert bot.seen == []
    bot.api.calls.clear()
    click = raw(3, {"custom_id": "item:3", "component_type": 2}, guild_id="8")
    assert run.handle(bot, event("INTERACTION_CREATE", click))
    assert _refusal(bot) == "Members of the club only."
    bot.api.calls.clear()
    complete = command(
        "find", [{"name": "query", "type": 3, "value": "a", "focused": True}], kind=4
    )
    assert run.handle(bot, event("INTERACTION_CREATE", _from_elsewhere(complete)))
    assert bot.api.responses() == [(8, {"choices": []})]  # no message can answer an autocomplete
    bot.api.calls.clear()
    assert run.handle(bot, event("INTERACTION_CREATE", command("roll")))  # guild 7: allowed
    assert bot.api.responses() == [(4, {"content": "d6"})]


def test_the_consumer_wide_check_guards_views_too_and_a_raising_check_refuses() -> None:
    class Closed(Hostile):
        def interaction_check(self, ctx: InteractionContext) -> bool:
            raise RuntimeError("the members list is down")

    bot = Closed()
    views = ViewStore()
    view = View().button("Go", lambda c: c.respond("went"))
    views.add(view)
    click = raw(3, {"custom_id": view.custom_id(0), "component_type": 2})
    with capture_logs() as logs:
        run = Dispatcher(Registry.of(Closed), views, schedule=FakeTimer())
        assert run.handle(bot, event("INTERACTION_CREATE", click))
    assert _refusal(bot) == REFUSED_TEXT
    assert any(e["event"] == "interaction.check_failed" for e in logs)


def test_a_malformed_payload_of_an_owned_command_gets_an_apology() -> None:
    class Profiles(Hostile):
        @user_command("Profile")
        def profile(self, ctx: InteractionContext, user: User) -> None:
            ctx.respond("seen")

    bot = Profiles()
    payload = raw(
        2, {"id": "30", "name": "Profile", "type": 2, "target_id": "1", "resolved": {"users": 5}}
    )
    with capture_logs() as logs:
        run = Dispatcher(Registry.of(Profiles), schedule=FakeTimer())
        assert run.handle(bot, event("INTERACTION_CREATE", payload))
    assert _refusal(bot) == FAILED_TEXT
    [malformed] = [e for e in logs if e["event"] == "interaction.malformed"]
    assert malformed["command"] == "Profile" and "AttributeError" in malformed["problem"]


def test_forged_view_custom_ids_answer_expired_and_the_view_still_works() -> None:
    bot = Hostile()
    views = ViewStore()
    view = View().button("Go", lambda c: c.respond("went"))
    views.add(view)
    run = Dispatcher(Registry.of(Hostile), views, schedule=FakeTimer())
    stem = view.custom_id(0).rpartition(":")[0]
    for forged in (
        f"view:{views.owner}",
        f"view:{views.owner}:",
        f"{stem}:\u00b2",  # a superscript two: isdigit() says yes, int() says no
        f"{stem}:{'9' * 5000}",
        f"{stem}:-1",
        f"{stem}:7",
    ):
        bot.api.calls.clear()
        click = raw(3, {"custom_id": forged, "component_type": 2})
        assert run.handle(bot, event("INTERACTION_CREATE", click)), forged
        assert _refusal(bot) == EXPIRED_TEXT, forged
    bot.api.calls.clear()
    click = raw(3, {"custom_id": view.custom_id(0), "component_type": 2})
    assert run.handle(bot, event("INTERACTION_CREATE", click))
    assert bot.api.responses() == [(4, {"content": "went"})]


def test_a_custom_id_longer_than_discord_allows_matches_no_pattern() -> None:
    bot = Hostile()
    click = raw(3, {"custom_id": "item:" + "9" * 5000, "component_type": 2})
    with capture_logs() as logs:
        assert _run(bot, click) is False
    assert bot.api.responses() == [] and not [e for e in logs if e["log_level"] == "warning"]
    assert _run(bot, raw(3, {"custom_id": "item:42", "component_type": 2}))
    assert bot.api.responses() == [(4, {"content": "item 42"})]


def test_a_view_click_without_a_user_is_refused_not_raised() -> None:
    bot = Hostile()
    views = ViewStore()
    view = View(allowed_users=[900]).button("Go", lambda c: c.respond("went"))
    views.add(view)
    click = raw(3, {"custom_id": view.custom_id(0), "component_type": 2}, member={"roles": []})
    with capture_logs() as logs:
        run = Dispatcher(Registry.of(Hostile), views, schedule=FakeTimer())
        assert run.handle(bot, event("INTERACTION_CREATE", click))
    assert _refusal(bot) == REFUSED_TEXT
    [failed] = [e for e in logs if e["event"] == "interaction.check_failed"]
    assert failed["user"] is None


def test_an_autocomplete_echoing_what_the_user_typed_is_cut_to_what_discord_takes() -> None:
    ctx = InteractionContext(
        command("find", [{"name": "query", "type": 3, "value": "x", "focused": True}], kind=4),
        RecordingApi(),
    )
    typed = "y" * 300
    with capture_logs() as logs:
        ctx.autocomplete(iter([typed[:100], typed, 7, Choice("", "empty"), Choice("ok", "ok")]))
    [(kind, data)] = ctx.api.responses()
    assert kind == 8
    assert data["choices"] == [
        {"name": "y" * 100, "value": "y" * 100},
        {"name": "7", "value": 7},
        {"name": "ok", "value": "ok"},
    ]
    assert len([e for e in logs if e["event"] == "interaction.autocomplete_choice_dropped"]) == 2
