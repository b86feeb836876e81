"""The dispatcher: each kind of interaction reaches its method and is answered; failures are
contained and answered ephemerally. No actor, no thread: a recording REST client."""

from __future__ import annotations

from typing import Annotated, Any

import pytest
from structlog.testing import capture_logs

from bot.interactions import (
    AlreadyResponded,
    Button,
    CallbackType,
    Dispatcher,
    Group,
    InteractionContext,
    MessageFlags,
    Modal,
    Range,
    Registry,
    TextInput,
    View,
    autocomplete,
    check,
    component,
    message_command,
    modal,
    prefix_command,
    slash_command,
    user_command,
)
from bot.interactions.dispatch import EXPIRED_TEXT, FAILED_TEXT, REFUSED_TEXT
from bot.interactions.views import ViewStore
from bot.payloads import Member, Message, User
from tests.bot.interactions.helpers import (
    RecordingApi,
    command,
    component_click,
    event,
    message,
    modal_submit,
)

EPHEMERAL = int(MessageFlags.EPHEMERAL)


class Bot:
    """A consumer's handlers, on a plain class (the dispatcher needs only `api`)."""

    def __init__(self) -> None:
        self.api = RecordingApi()
        self.seen: list[Any] = []

    @slash_command(description="Roll")
    def roll(self, ctx: InteractionContext, sides: Annotated[int, Range(2, 100)] = 6) -> None:
        self.seen.append(sides)
        ctx.respond(f"rolled d{sides}", components=[Button("Again", custom_id=f"again:{sides}")])

    tag = Group("tag", "Tags")

    @tag.command(name="show", description="Show")
    def tag_show(self, ctx: InteractionContext, name: str) -> None:
        ctx.respond(f"tag {name}", ephemeral=True)

    @autocomplete("tag show", "name")
    def names(self, ctx: InteractionContext, value: str) -> list[str]:
        return [n for n in ("alpha", "beta", "alps") if n.startswith(value)]

    @user_command("Profile")
    def profile(self, ctx: InteractionContext, user: User) -> None:
        self.seen.append(user)
        ctx.defer(ephemeral=True)

    @message_command("Quote")
    def quote(self, ctx: InteractionContext, target: Message) -> None:
        ctx.respond(f"> {target.content}")

    @component("again:{sides:int}")
    def again(self, ctx: InteractionContext, sides: int) -> None:
        ctx.update_message(f"again d{sides}")

    @slash_command(description="Ask")
    def ask(self, ctx: InteractionContext) -> None:
        ctx.send_modal(Modal(f"ask:{7}", "Ask", [TextInput("question", "Question")]))

    @modal("ask:{number:int}")
    def asked(self, ctx: InteractionContext, number: int) -> None:
        ctx.respond(f"{number}: {ctx.fields['question']}")

    @check(lambda ctx: ctx.user.id == 1, "Owners only.")
    @slash_command(description="Owner")
    def owner(self, ctx: InteractionContext) -> None:
        ctx.respond("hi owner")

    @slash_command(description="Breaks")
    def broken(self, ctx: InteractionContext) -> None:
        raise RuntimeError("boom")

    @slash_command(description="Silent")
    def silent(self, ctx: InteractionContext) -> None:
        pass

    @slash_command(description="Confirm")
    def confirm(self, ctx: InteractionContext) -> None:
        view = View(timeout=60, allowed_users=[900])
        view.button("Yes", lambda c: c.update_message("done", components=[]))
        ctx.respond("Sure?", view=view)

    @prefix_command()
    def add(self, ctx: Any, a: int, b: int = 0) -> None:
        ctx.reply(str(a + b))


def _dispatch(
    bot: Bot, data: Any, name: str = "INTERACTION_CREATE", views: ViewStore | None = None
) -> bool:
    return Dispatcher(Registry.of(Bot), views).handle(bot, event(name, data))


def test_a_slash_command_gets_its_converted_options() -> None:
    bot = Bot()
    assert _dispatch(bot, command("roll", [{"name": "sides", "type": 4, "value": 20}]))
    assert bot.seen == [20]
    [(kind, data)] = bot.api.responses()
    assert kind == CallbackType.CHANNEL_MESSAGE_WITH_SOURCE
    assert data["content"] == "rolled d20"
    assert data["components"][0]["components"][0]["custom_id"] == "again:20"
    _dispatch(bot, command("roll"))
    assert bot.seen == [20, 6]  # the default


def test_a_subcommand_and_its_autocomplete() -> None:
    bot = Bot()
    options = [{"name": "show", "type": 1, "options": [{"name": "name", "type": 3, "value": "x"}]}]
    _dispatch(bot, command("tag", options))
    assert bot.api.responses() == [(4, {"content": "tag x", "flags": EPHEMERAL})]
    focused = [
        {
            "name": "show",
            "type": 1,
            "options": [{"name": "name", "type": 3, "value": "al", "focused": True}],
        }
    ]
    _dispatch(bot, command("tag", focused, kind=4))
    assert bot.api.responses()[-1] == (
        8,
        {"choices": [{"name": "alpha", "value": "alpha"}, {"name": "alps", "value": "alps"}]},
    )


def test_context_menu_commands_get_their_target() -> None:
    bot = Bot()
    resolved = {"users": {"5": {"id": "5", "username": "bo"}}, "members": {"5": {"nick": "B"}}}
    _dispatch(bot, command("Profile", command_type=2, target_id="5", resolved=resolved))
    assert isinstance(bot.seen[0], Member) and bot.seen[0].user.username == "bo"
    assert bot.api.responses() == [(5, {"flags": EPHEMERAL})]
    quoted = {"messages": {"8": {"id": "8", "channel_id": "5", "content": "wise words"}}}
    _dispatch(bot, command("Quote", command_type=3, target_id="8", resolved=quoted))
    assert bot.api.responses()[-1] == (4, {"content": "> wise words"})


def test_a_click_is_routed_by_its_custom_id_pattern() -> None:
    bot = Bot()
    assert _dispatch(bot, component_click("again:12"))
    assert bot.api.responses() == [(7, {"content": "again d12"})]
    assert not _dispatch(bot, component_click("unknown"))  # passed on to handle_event


def test_a_modal_is_shown_and_its_submit_routed_with_its_fields() -> None:
    bot = Bot()
    _dispatch(bot, command("ask"))
    [(kind, data)] = bot.api.responses()
    assert kind == CallbackType.MODAL and data["custom_id"] == "ask:7"
    _dispatch(bot, modal_submit("ask:7", {"question": "why?"}))
    assert bot.api.responses()[-1] == (4, {"content": "7: why?"})


def test_a_failed_check_answers_ephemerally_and_skips_the_handler() -> None:
    bot = Bot()
    _dispatch(bot, command("owner"))
    assert bot.api.responses() == [(4, {"content": "Owners only.", "flags": EPHEMERAL})]


def test_a_raising_handler_is_logged_and_the_user_gets_an_apology() -> None:
    bot = Bot()
    with capture_logs() as logs:
        _dispatch(bot, command("broken"))
    failed = [entry for entry in logs if entry["event"] == "interaction.handler_failed"]
    assert failed and failed[0]["command"] == "broken" and failed[0]["user"] == 900
    assert bot.api.responses() == [(4, {"content": FAILED_TEXT, "flags": EPHEMERAL})]
    assert "secret-token" not in repr(logs)


def test_on_command_error_answers_instead_when_the_consumer_has_one() -> None:
    class Careful(Bot):
        def on_command_error(self, ctx: InteractionContext, error: Exception) -> None:
            ctx.respond(f"oops: {error}", ephemeral=True)

    bot = Careful()
    Dispatcher(Registry.of(Careful)).handle(bot, event("INTERACTION_CREATE", command("broken")))
    assert bot.api.responses() == [(4, {"content": "oops: boom", "flags": EPHEMERAL})]


def test_a_handler_that_does_not_answer_is_logged() -> None:
    bot = Bot()
    with capture_logs() as logs:
        _dispatch(bot, command("silent"))
    assert [e["command"] for e in logs if e["event"] == "interaction.not_answered"] == ["silent"]


def test_a_bad_option_value_is_answered_naming_the_option() -> None:
    bot = Bot()
    _dispatch(bot, command("roll", [{"name": "sides", "type": 4, "value": "many"}]))
    [(_, data)] = bot.api.responses()
    assert data["flags"] == EPHEMERAL and "`sides`" in data["content"]
    assert bot.seen == []


def test_a_view_answers_its_users_until_it_expires() -> None:
    now = [100.0]
    views = ViewStore("test", clock=lambda: now[0])
    bot = Bot()
    _dispatch(bot, command("confirm"), views=views)
    [(_, data)] = bot.api.responses()
    custom_id = data["components"][0]["components"][0]["custom_id"]
    stranger = component_click(custom_id)
    stranger.raw["member"] = {"user": {"id": "1"}}  # not in allowed_users
    _dispatch(bot, stranger, views=views)
    assert bot.api.responses()[-1] == (4, {"content": REFUSED_TEXT, "flags": EPHEMERAL})
    _dispatch(bot, component_click(custom_id), views=views)
    assert bot.api.responses()[-1] == (7, {"content": "done", "components": []})
    now[0] += 61
    _dispatch(bot, component_click(custom_id), views=views)
    assert bot.api.responses()[-1] == (4, {"content": EXPIRED_TEXT, "flags": EPHEMERAL})
    assert len(views) == 0


def test_a_text_command_is_routed_and_bad_arguments_get_the_usage() -> None:
    bot = Bot()
    assert _dispatch(bot, message("!add 2 3"), name="MESSAGE_CREATE")
    assert bot.api.calls[-1][0] == "create_message" and bot.api.calls[-1][1][1] == "5"
    _dispatch(bot, message("!add two"), name="MESSAGE_CREATE")
    assert "Usage: `!add <a> [b]`" in bot.api.calls[-1][1][1]
    calls = len(bot.api.calls)
    assert not _dispatch(bot, message("!add 1", bot=True), name="MESSAGE_CREATE")
    assert not _dispatch(bot, message("hello"), name="MESSAGE_CREATE")
    assert len(bot.api.calls) == calls


def test_answering_twice_is_refused_and_late_answers_are_logged() -> None:
    now = [0.0]
    ctx = InteractionContext(command("roll"), RecordingApi(), clock=lambda: now[0])
    now[0] = 3.5
    with capture_logs() as logs:
        ctx.respond("late")
    assert [e["event"] for e in logs] == ["interaction.late_response"]
    with pytest.raises(AlreadyResponded, match="use followup"):
        ctx.respond("again")
    assert "secret-token" not in repr(ctx)
    message_sent = ctx.followup("more", ephemeral=True)
    assert isinstance(message_sent, Message)
    name, args, kwargs = ctx.api.calls[-1]
    assert (
        name == "create_followup"
        and args == (20, "secret-token", "more")
        and kwargs["flags"] == EPHEMERAL
    )


def test_only_the_consumer_that_sent_a_view_answers_its_clicks() -> None:
    mine, theirs = ViewStore("mine"), ViewStore("theirs")
    bot = Bot()
    _dispatch(bot, command("confirm"), views=mine)
    [(_, data)] = bot.api.responses()
    custom_id = data["components"][0]["components"][0]["custom_id"]
    assert custom_id.startswith("view:mine:")
    other = Bot()
    assert not _dispatch(other, component_click(custom_id), views=theirs)
    assert other.api.calls == []
    assert _dispatch(bot, component_click(custom_id), views=mine)
