"""The event catalogue and the payload types."""

from __future__ import annotations

import pickle
from datetime import UTC, datetime

import pytest

from bot.events import CATALOGUE, GUILD_AVAILABLE, GUILD_UNAVAILABLE, Event, Result, ShardInfo
from bot.payloads import (
    Channel,
    Guild,
    Interaction,
    Member,
    Message,
    Presence,
    Role,
    TypingStart,
    User,
)
from tests.bot.cache.corpus import intify, load

# Every receive event of `gateway-events.mdx` (reference/gateway-spec.md section 16).
DOCUMENTED = [
    "READY",
    "RESUMED",
    "RATE_LIMITED",
    "APPLICATION_COMMAND_PERMISSIONS_UPDATE",
    "AUTO_MODERATION_RULE_CREATE",
    "AUTO_MODERATION_RULE_UPDATE",
    "AUTO_MODERATION_RULE_DELETE",
    "AUTO_MODERATION_ACTION_EXECUTION",
    "CHANNEL_CREATE",
    "CHANNEL_UPDATE",
    "CHANNEL_DELETE",
    "CHANNEL_PINS_UPDATE",
    "CHANNEL_INFO",
    "VOICE_CHANNEL_STATUS_UPDATE",
    "VOICE_CHANNEL_START_TIME_UPDATE",
    "THREAD_CREATE",
    "THREAD_UPDATE",
    "THREAD_DELETE",
    "THREAD_LIST_SYNC",
    "THREAD_MEMBER_UPDATE",
    "THREAD_MEMBERS_UPDATE",
    "ENTITLEMENT_CREATE",
    "ENTITLEMENT_UPDATE",
    "ENTITLEMENT_DELETE",
    "GUILD_CREATE",
    "GUILD_UPDATE",
    "GUILD_DELETE",
    "GUILD_AUDIT_LOG_ENTRY_CREATE",
    "GUILD_BAN_ADD",
    "GUILD_BAN_REMOVE",
    "GUILD_EMOJIS_UPDATE",
    "GUILD_STICKERS_UPDATE",
    "GUILD_INTEGRATIONS_UPDATE",
    "GUILD_MEMBER_ADD",
    "GUILD_MEMBER_REMOVE",
    "GUILD_MEMBER_UPDATE",
    "GUILD_MEMBERS_CHUNK",
    "GUILD_ROLE_CREATE",
    "GUILD_ROLE_UPDATE",
    "GUILD_ROLE_DELETE",
    "GUILD_SCHEDULED_EVENT_CREATE",
    "GUILD_SCHEDULED_EVENT_UPDATE",
    "GUILD_SCHEDULED_EVENT_DELETE",
    "GUILD_SCHEDULED_EVENT_USER_ADD",
    "GUILD_SCHEDULED_EVENT_USER_REMOVE",
    "GUILD_SOUNDBOARD_SOUND_CREATE",
    "GUILD_SOUNDBOARD_SOUND_UPDATE",
    "GUILD_SOUNDBOARD_SOUND_DELETE",
    "GUILD_SOUNDBOARD_SOUNDS_UPDATE",
    "SOUNDBOARD_SOUNDS",
    "INTEGRATION_CREATE",
    "INTEGRATION_UPDATE",
    "INTEGRATION_DELETE",
    "INTERACTION_CREATE",
    "INVITE_CREATE",
    "INVITE_DELETE",
    "MESSAGE_CREATE",
    "MESSAGE_UPDATE",
    "MESSAGE_DELETE",
    "MESSAGE_DELETE_BULK",
    "MESSAGE_REACTION_ADD",
    "MESSAGE_REACTION_REMOVE",
    "MESSAGE_REACTION_REMOVE_ALL",
    "MESSAGE_REACTION_REMOVE_EMOJI",
    "MESSAGE_POLL_VOTE_ADD",
    "MESSAGE_POLL_VOTE_REMOVE",
    "PRESENCE_UPDATE",
    "TYPING_START",
    "USER_UPDATE",
    "STAGE_INSTANCE_CREATE",
    "STAGE_INSTANCE_UPDATE",
    "STAGE_INSTANCE_DELETE",
    "SUBSCRIPTION_CREATE",
    "SUBSCRIPTION_UPDATE",
    "SUBSCRIPTION_DELETE",
    "VOICE_CHANNEL_EFFECT_SEND",
    "VOICE_STATE_UPDATE",
    "VOICE_SERVER_UPDATE",
    "WEBHOOKS_UPDATE",
]

NOSTRUM_UPDATES = [
    "CHANNEL_UPDATE",
    "GUILD_UPDATE",
    "GUILD_MEMBER_UPDATE",
    "GUILD_ROLE_UPDATE",
    "MESSAGE_UPDATE",
    "PRESENCE_UPDATE",
    "THREAD_UPDATE",
    "USER_UPDATE",
    "VOICE_STATE_UPDATE",
    "GUILD_EMOJIS_UPDATE",
    "GUILD_STICKERS_UPDATE",
]


def test_the_catalogue_has_every_documented_event_and_the_split() -> None:
    assert set(DOCUMENTED) | {GUILD_AVAILABLE, GUILD_UNAVAILABLE} == set(CATALOGUE)
    assert {n for n, s in CATALOGUE.items() if s.result is Result.UPDATE} == set(NOSTRUM_UPDATES)
    deletes = {n for n, s in CATALOGUE.items() if s.result is Result.DELETE}
    assert "GUILD_DELETE" in deletes and "MESSAGE_DELETE" in deletes


def test_event_matches_by_pattern() -> None:
    message = Message({"id": "1", "channel_id": "2", "content": "!ping"})
    event = Event("MESSAGE_CREATE", message, ShardInfo(3, 0.042))
    match event:
        case Event("MESSAGE_CREATE", msg) if msg.content == "!ping":
            assert msg.channel_id == 2 and event.shard.id == 3 and event.shard.latency == 0.042
        case _:
            pytest.fail("no match")


@pytest.mark.parametrize("shape", [lambda d: d, intify], ids=["json", "decoded"])
def test_message_reads_by_attribute_in_both_shapes(shape: object) -> None:
    data = shape(load("MESSAGE_CREATE--remora--v8-2020-mention"))  # type: ignore[operator]
    msg = Message.from_dict(data)
    assert msg.id == 741252917134229575 and isinstance(msg.author.id, int)  # type: ignore[union-attr]
    assert msg.timestamp == datetime(2020, 8, 7, 11, 14, 27, 258000, tzinfo=UTC)
    assert msg.member is not None and msg.member.roles == (728362120059682948, 731882893961592992)
    assert [u.id for u in msg.mentions] == [135347310845624320]
    assert msg.raw is data


def test_unknown_fields_stay_readable_and_missing_ones_raise() -> None:
    user = User.from_dict({"id": "5", "username": "a", "brand_new_field": [1]})
    assert user.brand_new_field == [1]
    assert user.bot is False and user.created_at is not None
    with pytest.raises(AttributeError):
        _ = user.not_there


def test_timestamps_parse_in_every_shape_seen() -> None:
    for text in ("2017-01-28T04:13:49.965000+00:00", "2017-01-28T04:13:49+00:00"):
        assert Member({"joined_at": text}).joined_at == datetime.fromisoformat(text)
    assert TypingStart({"timestamp": 1600000000}).timestamp == datetime.fromtimestamp(
        1600000000, UTC
    )


def test_v6_and_v8_permission_shapes() -> None:
    assert Role({"id": 1, "permissions": 104324161}).permissions == 104324161
    assert Role({"id": 1, "permissions": "104324161"}).permissions == 104324161
    v6 = Channel(load("CHANNEL_UPDATE--serenity--v6-overwrites-2017"))
    assert {o.type for o in v6.permission_overwrites} == {0, 1}
    v8 = Channel(
        {"id": 1, "permission_overwrites": [{"id": 2, "type": 1, "allow": "8", "deny": "0"}]}
    )
    assert v8.permission_overwrites[0].allow == 8


def test_payloads_compare_hash_pickle_and_hide_secrets() -> None:
    a, b = User({"id": "5"}), User({"id": "5"})
    assert a == b and hash(a) == hash(User({"id": 5})) and {a, b} == {a}
    assert pickle.loads(pickle.dumps(a)) == a
    interaction = Interaction(load("INTERACTION_CREATE--nucypher"))
    assert "REDACTED" not in repr(interaction) and interaction.token not in repr(interaction)
    assert interaction.author is not None


def test_presence_v6_game_and_guild() -> None:
    presence = Presence(load("PRESENCE_UPDATE--serenity--spotify-no-guild-2018"))
    assert presence.user_id == 210141176211177474 and presence.guild_id is None
    assert len(presence.activities) == 1


def test_guild_from_the_real_payload() -> None:
    guild = Guild(load("GUILD_CREATE--serenity--edge-int-snowflakes"))
    assert isinstance(guild.id, int) and guild.id > 2**53
    assert all(isinstance(r.id, int) for r in guild.roles)
