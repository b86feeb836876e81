"""Event names as constants, and a consumer's misspelt event caught when its class is defined."""

from __future__ import annotations

import pytest

from bot import Consumer, Events
from bot.event_names import UnknownEventError, check_event_names, suggest_event
from bot.events import CATALOGUE
from bot.interactions import slash_command


def test_events_lists_the_catalogue_and_equals_the_names() -> None:
    assert {e.value for e in Events} == set(CATALOGUE)
    assert Events.MESSAGE_CREATE == "MESSAGE_CREATE"
    assert "MESSAGE_CREATE" in frozenset({Events.MESSAGE_CREATE})


def test_the_nearest_name_is_suggested() -> None:
    assert suggest_event("MESSAGE_CREATED") == "MESSAGE_CREATE"
    assert suggest_event("message_create") == "MESSAGE_CREATE"
    assert suggest_event("GUILD_MEMBER_ADDED") == "GUILD_MEMBER_ADD"
    assert suggest_event("XYZZY") is None
    check_event_names(None, "Anything")  # None: every event


def test_a_consumer_with_an_unknown_event_fails_at_definition_with_a_suggestion() -> None:
    with pytest.raises(
        UnknownEventError,
        match=r"Typo\.events names an unknown event 'MESSAGE_CREATED'; did you mean MESSAGE_CREATE",
    ):

        class Typo(Consumer):
            events = frozenset({"MESSAGE_CREATED"})


def test_a_consumer_with_commands_gets_interaction_create_added_to_its_events() -> None:
    class Both(Consumer):
        events = frozenset({Events.MESSAGE_CREATE})

        @slash_command(description="Hi")
        def hi(self, ctx: object) -> None: ...

    assert Both.events == {"MESSAGE_CREATE", "INTERACTION_CREATE"}
    assert [c.name for c in Both.interactions.commands] == ["hi"]

    class Everything(Consumer):
        @slash_command(description="Hi")
        def hi(self, ctx: object) -> None: ...

    assert Everything.events is None
