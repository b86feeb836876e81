"""Scenarios against a real Shardline bot on the simulator: messages, commands, components."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from bot import Bot, Consumer, Event
from bot.payloads.channel import ChannelType
from bot.testing import FakeDiscord, InteractionResult, Scenario

EPHEMERAL = 64
LOADING = 128  # message flags: the bot is "thinking" on a deferred answer
COMMANDS: list[dict[str, Any]] = [
    {
        "name": "echo",
        "description": "says it back",
        "options": [
            {"type": 3, "name": "text", "description": "what", "required": True},
            {"type": 4, "name": "times", "description": "how often"},
        ],
    },
    {
        "name": "whois",
        "description": "names a user",
        "options": [{"type": 6, "name": "who", "description": "user", "required": True}],
    },
    {
        "name": "admin",
        "description": "groups",
        "options": [
            {
                "type": 1,
                "name": "kick",
                "description": "kick one",
                "options": [{"type": 6, "name": "who", "description": "user", "required": True}],
            }
        ],
    },
    {
        "name": "fruit",
        "description": "pick one",
        "options": [{"type": 3, "name": "kind", "description": "k", "autocomplete": True}],
    },
    {"name": "defer", "description": "answers later"},
    {"name": "panel", "description": "buttons and a select"},
    {"name": "form", "description": "a modal"},
    {"name": "secret", "description": "ephemeral"},
    {"name": "hush", "description": "ephemeral, deferred"},
    {"name": "think", "description": "deferred, never answered"},
    {"name": "Inspect", "type": 2},
    {"name": "Quote", "type": 3},
]
PANEL = [
    {"type": 1, "components": [{"type": 2, "style": 1, "label": "Go", "custom_id": "go"}]},
    {
        "type": 1,
        "components": [
            {
                "type": 3,
                "custom_id": "pick",
                "options": [{"label": "A", "value": "a"}, {"label": "B", "value": "b"}],
                "max_values": 2,
            }
        ],
    },
    {"type": 1, "components": [{"type": 5, "custom_id": "people"}]},
]
FORM = {
    "custom_id": "feedback",
    "title": "Feedback",
    "components": [
        {
            "type": 1,
            "components": [{"type": 4, "custom_id": "text", "style": 1, "label": "Text"}],
        },
        {
            "type": 18,
            "label": "Who helped?",
            "component": {"type": 5, "custom_id": "who", "required": False},
        },
    ],
}


class Answers(Consumer):
    """A bot that answers messages and interactions the way the tests expect."""

    events = frozenset({"MESSAGE_CREATE", "INTERACTION_CREATE"})

    def handle_event(self, event: Event) -> None:
        match event:
            case Event("MESSAGE_CREATE", msg) if msg.content == "!ping":
                self.api.create_message(msg.channel_id, content="pong")
            case Event("INTERACTION_CREATE", interaction):
                self.answer(interaction.raw)

    def answer(self, raw: dict[str, Any]) -> None:
        data = raw["data"]
        iid, token, app = int(raw["id"]), raw["token"], int(raw["application_id"])

        def reply(kind: int, body: dict[str, Any] | None = None) -> None:
            self.api.create_interaction_response(iid, token, kind, body)

        options = {o["name"]: o for o in data.get("options") or []}
        if raw["type"] == 4:
            typed = options["kind"]["value"]
            choices = [{"name": f, "value": f} for f in ("apple", "apricot", "banana")]
            reply(8, {"choices": [c for c in choices if c["name"].startswith(typed)]})
        elif raw["type"] == 3 and data["custom_id"] == "go":
            reply(7, {"content": "went", "components": []})
        elif raw["type"] == 3:
            reply(4, {"content": f"{data['custom_id']}={','.join(data['values'])}"})
        elif raw["type"] == 5:
            value = data["components"][0]["components"][0]["value"]
            reply(4, {"content": f"thanks: {value}"})
        elif data["name"] == "echo":
            times = options.get("times", {}).get("value", 1)
            reply(4, {"content": " ".join([options["text"]["value"]] * times)})
        elif data["name"] == "whois":
            user = data["resolved"]["users"][options["who"]["value"]]
            reply(4, {"content": user["username"]})
        elif data["name"] == "admin":
            sub = data["options"][0]
            who = sub["options"][0]["value"]
            reply(4, {"content": f"{sub['name']} {data['resolved']['users'][who]['username']}"})
        elif data["name"] == "defer":
            reply(5)
            self.api.edit_original_response(app, token, content="done")
            self.api.create_followup(app, token, "more")
        elif data["name"] == "panel":
            reply(4, {"content": "panel", "components": PANEL})
        elif data["name"] == "form":
            reply(9, FORM)
        elif data["name"] == "think":
            reply(5)
        elif data["name"] == "hush":
            reply(5, {"flags": EPHEMERAL})
            self.api.edit_original_response(app, token, content="later")
        elif data["name"] == "secret":
            reply(4, {"content": "psst", "flags": EPHEMERAL})
        elif data["name"] == "Inspect":
            reply(4, {"content": data["resolved"]["users"][str(data["target_id"])]["username"]})
        elif data["name"] == "Quote":
            reply(4, {"content": data["resolved"]["messages"][str(data["target_id"])]["content"]})


@pytest.fixture
def world() -> Iterator[tuple[Bot, FakeDiscord, Scenario]]:
    config = {"gateway": {"url": "local"}, "simulator": {"heartbeat_interval_ms": 500}}
    with Bot.from_config(config, consumers=[Answers]) as bot:
        discord: FakeDiscord = bot.simulator
        app_id = int(discord.rest.state.application_id)
        bot.api.bulk_overwrite_global_commands(app_id, COMMANDS)
        yield bot, discord, Scenario(discord)


def test_a_user_in_a_new_guild_says_ping(world: tuple[Bot, FakeDiscord, Scenario]) -> None:
    _, discord, scenario = world
    guild = scenario.guild(name="Shop")
    channel = scenario.channel(guild, name="general", type=ChannelType.GUILD_TEXT)
    alice = scenario.user(name="alice")
    scenario.join(alice, guild)
    exchange = scenario.say(alice, channel, "!ping")
    assert exchange.reply["content"] == "pong"
    assert exchange.message["author"]["id"] == alice["id"]
    with pytest.raises(TimeoutError):
        exchange.wait_replies(2, timeout=0.3)
    assert discord.violations == [] and discord.rest.violations == []


def test_say_refuses_a_user_who_is_not_a_member(world: tuple[Bot, FakeDiscord, Scenario]) -> None:
    _, _, scenario = world
    guild = scenario.guild()
    channel = scenario.channel(guild)
    with pytest.raises(ValueError, match=r"scenario\.join"):
        scenario.say(scenario.user(), channel, "hello")


def test_slash_commands_get_typed_options_and_resolved_users(
    world: tuple[Bot, FakeDiscord, Scenario],
) -> None:
    _, _, scenario = world
    guild = scenario.guild()
    channel = scenario.channel(guild)
    alice, bob = scenario.user(name="alice"), scenario.user(name="bob")
    scenario.join(alice, guild)
    scenario.join(bob, guild)
    echo = scenario.slash(alice, "echo", options={"text": "hi", "times": 2}, channel=channel)
    assert (echo.response_type, echo.message["content"]) == (4, "hi hi")
    assert echo.interaction["data"]["options"][1] == {"name": "times", "type": 4, "value": 2}
    assert not echo.ephemeral
    whois = scenario.slash(alice, "whois", options={"who": bob}, guild=guild)
    assert whois.message["content"] == "bob"
    assert bob["id"] in whois.interaction["data"]["resolved"]["members"]
    kick = scenario.slash(alice, "admin", {"who": bob["id"]}, guild=guild, subcommand="kick")
    assert kick.message["content"] == "kick bob"
    with pytest.raises(ValueError, match="no option"):
        scenario.slash(alice, "echo", options={"txt": "typo"}, channel=channel)
    with pytest.raises(ValueError, match="required"):
        scenario.slash(alice, "echo", options={}, channel=channel)


def test_deferred_answers_followups_and_ephemeral(
    world: tuple[Bot, FakeDiscord, Scenario],
) -> None:
    _, _, scenario = world
    alice = scenario.user(name="alice")
    deferred = scenario.slash(alice, "defer")  # no channel, no guild: in a DM
    assert deferred.response_type == 5 and deferred.deferred
    assert deferred.wait_followups(1)[0]["content"] == "more"
    assert deferred.wait_message(lambda m: m["content"] == "done")["content"] == "done"
    assert deferred.interaction["context"] == 1 and "user" in deferred.interaction
    secret = scenario.slash(alice, "secret")
    assert secret.ephemeral and secret.message["content"] == "psst"
    hush = scenario.slash(alice, "hush")
    assert hush.wait_message(lambda m: m["content"] == "later")["flags"] & EPHEMERAL
    assert hush.ephemeral  # an ephemeral deferral makes an ephemeral answer


def test_a_deferred_answer_posts_a_loading_message_at_once_that_the_first_edit_fills(
    world: tuple[Bot, FakeDiscord, Scenario],
) -> None:
    _, discord, scenario = world
    guild = scenario.guild()
    channel = scenario.channel(guild)
    alice = scenario.user(name="alice")
    scenario.join(alice, guild)
    # As on Discord, the "thinking" message (flag LOADING, 128) exists from the callback on.
    thinking = scenario.slash(alice, "think", channel=channel)
    assert thinking.response_type == 5 and thinking.loading
    assert thinking.message["content"] == "" and thinking.message["flags"] == LOADING
    with pytest.raises(TimeoutError):
        thinking.wait_message(timeout=0.2)  # waits for the fill-in, which never comes
    # The bot's first edit of @original fills the same message: MESSAGE_CREATE (loading), then
    # MESSAGE_UPDATE with the content.
    deferred = scenario.slash(alice, "defer", channel=channel)
    done = deferred.wait_message(lambda m: m["content"] == "done")
    assert done["flags"] == 0 and not deferred.loading
    events = [(name, data) for name, data in sent(discord) if data.get("id") == done["id"]]
    assert [name for name, _ in events][:2] == ["MESSAGE_CREATE", "MESSAGE_UPDATE"]
    assert events[0][1]["flags"] == LOADING and events[0][1]["content"] == ""
    assert events[1][1]["content"] == "done" and events[1][1]["flags"] == 0


def test_buttons_selects_and_update_message(world: tuple[Bot, FakeDiscord, Scenario]) -> None:
    _, discord, scenario = world
    guild = scenario.guild()
    channel = scenario.channel(guild)
    alice, bob = scenario.user(name="alice"), scenario.user(name="bob")
    scenario.join(alice, guild)
    scenario.join(bob, guild)
    panel = scenario.slash(alice, "panel", channel=channel).message
    assert panel is not None
    picked = scenario.select(alice, panel, "pick", ["a", "b"])
    assert picked.message["content"] == "pick=a,b"
    people = scenario.select(alice, panel, "people", [bob])
    assert people.message["content"] == f"people={bob['id']}"
    assert bob["id"] in people.interaction["data"]["resolved"]["users"]
    with pytest.raises(ValueError, match="no options"):
        scenario.select(alice, panel, "pick", ["z"])
    with pytest.raises(ValueError, match="no component"):
        scenario.click(alice, panel, "missing")
    went = scenario.click(alice, panel, "go")
    # UPDATE_MESSAGE (7) edits the message the button is on; it posts nothing new.
    assert went.response_type == 7
    assert went.message is not None and went.message["id"] == panel["id"]
    assert went.message["content"] == "went" and went.message["components"] == []
    stored = discord.rest.state.messages[channel["id"]][panel["id"]]
    assert stored["content"] == "went"


def test_modal_autocomplete_and_context_menus(world: tuple[Bot, FakeDiscord, Scenario]) -> None:
    _, _, scenario = world
    guild = scenario.guild()
    channel = scenario.channel(guild)
    alice = scenario.user(name="alice")
    scenario.join(alice, guild)
    form = scenario.slash(alice, "form", channel=channel)
    assert form.modal is not None and form.modal["custom_id"] == "feedback"
    submitted = scenario.submit_modal(alice, "feedback", {"text": "great"})
    assert submitted.message["content"] == "thanks: great"
    text, who = submitted.interaction["data"]["components"]
    assert text["components"][0] == {"type": 4, "id": 2, "custom_id": "text", "value": "great"}
    assert who["component"] == {"type": 5, "id": 4, "custom_id": "who", "values": []}
    assert "resolved" not in submitted.interaction["data"]
    with pytest.raises(ValueError, match="no inputs"):
        scenario.submit_modal(alice, "feedback", {"text": "x", "other": "y"})
    # A select in a modal answers with `values` and, for users, `resolved` as Discord sends
    # it (components/reference#user-select-user-select-interaction-response-structure).
    bob = scenario.user(name="bob")
    scenario.join(bob, guild)
    helped = scenario.submit_modal(alice, "feedback", {"text": "ok", "who": [bob]})
    data = helped.interaction["data"]
    assert data["components"][1]["component"]["values"] == [bob["id"]]
    assert data["resolved"]["users"][bob["id"]]["username"] == "bob"
    assert helped.message["content"] == "thanks: ok"
    choices = scenario.autocomplete(alice, "fruit", {"kind": "ap"}, focused="kind", guild=guild)
    assert [c["name"] for c in choices] == ["apple", "apricot"]
    inspect = scenario.user_command(alice, "Inspect", alice, guild=guild)
    assert inspect.message["content"] == "alice"
    said = scenario.say(alice, channel, "quote me").message
    assert scenario.message_command(alice, "Quote", said).message["content"] == "quote me"


def test_a_bot_that_does_not_answer_times_out(world: tuple[Bot, FakeDiscord, Scenario]) -> None:
    _, _, scenario = world
    result = scenario.slash(scenario.user(), "unregistered", {"x": 1}, timeout=0.3)
    assert isinstance(result, InteractionResult)
    with pytest.raises(TimeoutError, match="did not answer"):
        result.wait()
    assert result.interaction["data"]["options"] == [{"name": "x", "type": 4, "value": 1}]


def sent(discord: FakeDiscord) -> list[tuple[str, dict[str, Any]]]:
    """Every dispatch the simulator gave any session, as (name, data)."""
    with discord.lock:
        logs = [s.log for s in discord.sessions.values()]
        return [log.get(seq) for log in logs for seq in range(1, log.last_seq + 1)]


def dispatched(discord: FakeDiscord) -> list[str]:
    """The names of every dispatch the simulator gave any session."""
    with discord.lock:
        logs = [s.log for s in discord.sessions.values()]
        return [log.get(seq)[0] for log in logs for seq in range(1, log.last_seq + 1)]


def test_join_and_leave_follow_the_intents(world: tuple[Bot, FakeDiscord, Scenario]) -> None:
    _, discord, scenario = world
    guild = scenario.guild()
    alice = scenario.user(name="alice")
    member = scenario.join(alice, guild)
    assert member["user"]["id"] == alice["id"]
    assert alice["id"] in discord.rest.state.members[guild["id"]]
    scenario.leave(alice, guild)
    assert alice["id"] not in discord.rest.state.members[guild["id"]]
    with pytest.raises(ValueError, match="not a member"):
        scenario.leave(alice, guild)
    # The bot identified without GUILD_MEMBERS (the default intents): Discord sends it no
    # member events, and neither does the simulator. GUILD_CREATE needs only GUILDS.
    names = dispatched(discord)
    assert "GUILD_CREATE" in names
    assert "GUILD_MEMBER_ADD" not in names and "GUILD_MEMBER_REMOVE" not in names
