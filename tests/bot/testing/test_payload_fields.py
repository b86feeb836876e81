"""Every payload kind the simulator sends has the fields the Discord docs mark required.

The table: for each kind, the docs page and the fields without `?` there (nullable ones, `?type`,
must be present, as null if need be), and which fields hold nested objects of another kind.
Every dispatch and REST answer of one tour (`payload_tour.tour`) is checked against it, nested
objects included; a kind the tour produces but the table lacks fails the test too.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, NamedTuple

import pytest

from bot.testing import FakeDiscord, GatewayConfig, World
from tests.bot.testing.payload_tour import tour

DOCS = "https://discord.com/developers/docs"


class Kind(NamedTuple):
    docs: str
    required: frozenset[str]
    # field -> kind of the object (or of each item of the list) it holds
    nested: dict[str, str] = {}


def kind(docs: str, fields: str, **nested: str) -> Kind:
    return Kind(f"{DOCS}/{docs}", frozenset(fields.split()), nested)


GUILD_FIELDS = (
    "id name icon splash discovery_splash owner_id afk_channel_id afk_timeout "
    "verification_level default_message_notifications explicit_content_filter roles emojis "
    "features mfa_level application_id system_channel_id system_channel_flags rules_channel_id "
    "vanity_url_code description banner premium_tier preferred_locale public_updates_channel_id "
    "nsfw_level premium_progress_bar_enabled safety_alerts_channel_id incidents_data"
)
MESSAGE_FIELDS = (
    "id channel_id author content timestamp edited_timestamp tts mention_everyone mentions "
    "mention_roles attachments embeds pinned type"
)
MEMBER_FIELDS = "roles joined_at deaf mute flags"

TABLE: dict[str, Kind] = {
    # objects
    "user": kind("resources/user#user-object", "id username discriminator global_name avatar"),
    "member": kind("resources/guild#guild-member-object", MEMBER_FIELDS, user="user"),
    "role": kind(
        "topics/permissions#role-object",
        "id name color colors hoist position permissions managed mentionable flags",
    ),
    "channel": kind("resources/channel#channel-object", "id type"),
    "guild": kind("resources/guild#guild-object", GUILD_FIELDS, roles="role"),
    "message": kind(
        "resources/message#message-object", MESSAGE_FIELDS, author="user", mentions="user"
    ),
    "emoji": kind("resources/emoji#emoji-object", "id name"),
    "application": kind(
        "resources/application#application-object",
        "id name icon description bot_public bot_require_code_grant verify_key team",
        owner="user",
    ),
    # gateway events (events/gateway-events)
    "READY": kind(
        "events/gateway-events#ready",
        "v user guilds session_id resume_gateway_url application",
        user="user",
    ),
    "GUILD_CREATE": kind(
        "events/gateway-events#guild-create",
        GUILD_FIELDS + " joined_at large member_count voice_states members channels threads "
        "presences stage_instances guild_scheduled_events soundboard_sounds",
        roles="role",
        members="member",
        channels="channel",
    ),
    "CHANNEL_CREATE": kind("events/gateway-events#channel-create", "id type guild_id"),
    "THREAD_CREATE": kind("events/gateway-events#thread-create", "id type guild_id parent_id"),
    "GUILD_ROLE_CREATE": kind(
        "events/gateway-events#guild-role-create", "guild_id role", role="role"
    ),
    "GUILD_MEMBER_ADD": kind(
        "events/gateway-events#guild-member-add", MEMBER_FIELDS + " user guild_id", user="user"
    ),
    "GUILD_MEMBER_REMOVE": kind(
        "events/gateway-events#guild-member-remove", "guild_id user", user="user"
    ),
    "GUILD_MEMBERS_CHUNK": kind(
        "events/gateway-events#guild-members-chunk",
        "guild_id members chunk_index chunk_count",
        members="member",
    ),
    "MESSAGE_CREATE": kind(
        "events/gateway-events#message-create", MESSAGE_FIELDS, author="user", mentions="user"
    ),
    "MESSAGE_UPDATE": kind(
        "events/gateway-events#message-update", MESSAGE_FIELDS, author="user", mentions="user"
    ),
    "MESSAGE_DELETE": kind("events/gateway-events#message-delete", "id channel_id"),
    "MESSAGE_REACTION_ADD": kind(
        "events/gateway-events#message-reaction-add",
        "user_id channel_id message_id emoji burst type",
        emoji="emoji",
        member="member",
    ),
    "INTERACTION_CREATE": kind(
        "interactions/receiving-and-responding#interaction-object",
        "id application_id type token version app_permissions entitlements "
        "authorizing_integration_owners attachment_size_limit",
        member="member",
    ),
    "VOICE_STATE_UPDATE": kind(
        "resources/voice#voice-state-object",
        "channel_id user_id session_id deaf mute self_deaf self_mute self_video suppress "
        "request_to_speak_timestamp",
    ),
}


def missing(kind_name: str, payload: Any, where: str = "") -> list[str]:
    """Every required field absent from `payload` (and from its nested objects)."""
    spec = TABLE[kind_name]
    if not isinstance(payload, dict):
        return [f"{where or kind_name}: not an object ({spec.docs})"]
    found = [
        f"{where or kind_name}.{name} ({spec.docs})" for name in spec.required - payload.keys()
    ]
    for field, inner in spec.nested.items():
        value = payload.get(field)
        items = value if isinstance(value, list) else [] if value is None else [value]
        for index, item in enumerate(items):
            found += missing(inner, item, f"{where or kind_name}.{field}[{index}]")
    return found


@pytest.fixture(scope="module")
def toured() -> Iterator[tuple[list[tuple[str, Any]], list[tuple[str, Any]]]]:
    config = GatewayConfig(heartbeat_interval_ms=5000, world=World(guild_count=2))
    with FakeDiscord(config=config) as discord:
        yield tour(discord)


def test_the_tour_covers_every_kind_in_the_table(
    toured: tuple[list[tuple[str, Any]], list[tuple[str, Any]]],
) -> None:
    dispatches, answers = toured
    produced = {name for name, _ in dispatches} | {name for name, _ in answers}
    nested = {inner for spec in TABLE.values() for inner in spec.nested.values()}
    unknown = produced - TABLE.keys()
    assert unknown == set(), f"add these kinds to the field table: {unknown}"
    assert TABLE.keys() - produced - nested == set()


def test_every_dispatch_and_rest_answer_has_its_required_fields(
    toured: tuple[list[tuple[str, Any]], list[tuple[str, Any]]],
) -> None:
    dispatches, answers = toured
    problems = [
        problem for name, data in [*dispatches, *answers] for problem in missing(name, data)
    ]
    assert problems == []


def test_the_table_catches_a_missing_field() -> None:
    assert any(".splash " in problem for problem in missing("guild", {"id": "1", "name": "g"}))
    member = {"roles": [], "joined_at": "", "deaf": False, "mute": False, "flags": 0}
    assert sorted(missing("member", {**member, "user": {"id": "1"}})) == sorted(
        f"member.user[0].{name} ({DOCS}/resources/user#user-object)"
        for name in ("username", "discriminator", "global_name", "avatar")
    )
