"""Which dispatches a session's intents let through, and what MESSAGE_CONTENT hides (no threads)."""

from __future__ import annotations

from bot.testing.gateway_intents import intent_allows, visible_message

GUILDS, GUILD_MEMBERS, GUILD_MESSAGES = 1, 1 << 1, 1 << 9
DIRECT_MESSAGES, MESSAGE_CONTENT, GUILD_MESSAGE_REACTIONS = 1 << 12, 1 << 15, 1 << 10
BOT = "42"


def message(**fields: object) -> dict[str, object]:
    base: dict[str, object] = {
        "id": "1",
        "channel_id": "2",
        "guild_id": "3",
        "author": {"id": "7"},
        "content": "secret",
        "embeds": [{"title": "t"}],
        "attachments": [{"id": "9"}],
        "components": [{"type": 1}],
        "poll": {"question": {}},
        "mentions": [],
    }
    return {**base, **fields}


def test_events_follow_their_intent_and_dms_their_direct_twin() -> None:
    guild_message = message()
    dm = {k: v for k, v in message().items() if k != "guild_id"}
    assert intent_allows(GUILD_MESSAGES, "MESSAGE_CREATE", guild_message)
    assert not intent_allows(GUILD_MESSAGES, "MESSAGE_CREATE", dm)
    assert intent_allows(DIRECT_MESSAGES, "MESSAGE_CREATE", dm)
    assert not intent_allows(GUILDS, "GUILD_MEMBER_ADD", {"guild_id": "3"})
    assert intent_allows(GUILD_MEMBERS, "GUILD_MEMBER_ADD", {"guild_id": "3"})
    assert not intent_allows(GUILD_MESSAGES, "MESSAGE_REACTION_ADD", guild_message)
    assert intent_allows(GUILD_MESSAGE_REACTIONS, "MESSAGE_REACTION_ADD", guild_message)
    # Events without an intent (READY, interactions, chunks) and unknown ones always pass.
    for name in ("READY", "INTERACTION_CREATE", "GUILD_MEMBERS_CHUNK", "SOMETHING_NEW"):
        assert intent_allows(0, name, {})


def test_without_message_content_the_content_fields_are_empty() -> None:
    shown = visible_message(GUILD_MESSAGES, BOT, "MESSAGE_CREATE", message())
    assert (shown["content"], shown["embeds"], shown["attachments"]) == ("", [], [])
    assert shown["components"] == [] and "poll" not in shown
    assert shown["id"] == "1" and shown["author"] == {"id": "7"}


def test_dms_mentions_and_own_messages_keep_their_content() -> None:
    dm = {k: v for k, v in message().items() if k != "guild_id"}
    mention = message(mentions=[{"id": BOT}])
    own = message(author={"id": BOT})
    for kept in (dm, mention, own):
        assert visible_message(GUILD_MESSAGES, BOT, "MESSAGE_CREATE", kept) is kept
    with_intent = message()
    assert visible_message(MESSAGE_CONTENT, BOT, "MESSAGE_UPDATE", with_intent) is with_intent
    other = {"guild_id": "3", "content": "x"}
    assert visible_message(0, BOT, "GUILD_UPDATE", other) is other
