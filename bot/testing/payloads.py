"""The simulator's Discord objects, built with every field the Discord docs mark required.

One builder per object kind, used by the gateway world (`gateway_world.World`), the REST state
(`rest_state.State`) and the scenarios (`scenarios.Scenario`), so every payload the simulator
sends has the fields a client library reads: required ones always, nullable ones as null. The
docs page of each kind is cited at its builder; `tests/bot/testing/test_payload_fields.py`
checks every kind the simulator sends against a field table taken from those pages.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "TIMESTAMP",
    "channel_object",
    "everyone_role",
    "guild_create",
    "guild_object",
    "member_object",
    "message_object",
    "role_object",
    "user_object",
]

Json = dict[str, Any]

TIMESTAMP = "2024-01-01T00:00:00.000000+00:00"
# https://discord.com/developers/docs/topics/permissions#permissions-bitwise-permission-flags :
# the default @everyone permissions of a new guild.
EVERYONE_PERMISSIONS = "1071698660929"
# https://discord.com/developers/docs/resources/channel#channel-object-channel-types :
# ANNOUNCEMENT_THREAD, PUBLIC_THREAD, PRIVATE_THREAD.
THREAD_TYPES = frozenset({10, 11, 12})


def user_object(
    user_id: int | str,
    username: str,
    *,
    bot: bool = False,
    global_name: str | None = None,
) -> Json:
    """https://discord.com/developers/docs/resources/user#user-object (the required fields and
    `public_flags`, as message authors carry them; the optional rest is left out: the
    benches stream millions of these)."""
    user: Json = {
        "id": str(user_id),
        "username": username,
        "discriminator": "0",
        "global_name": global_name,
        "avatar": None,
        "public_flags": 0,
    }
    if bot:
        user["bot"] = True
    return user


def member_object(
    user: Json, *, roles: list[str] | None = None, joined_at: str = TIMESTAMP
) -> Json:
    """https://discord.com/developers/docs/resources/guild#guild-member-object"""
    return {
        "user": dict(user),
        "nick": None,
        "avatar": None,
        "roles": list(roles or []),
        "joined_at": joined_at,
        "premium_since": None,
        "deaf": False,
        "mute": False,
        "flags": 0,
        "pending": False,
        "communication_disabled_until": None,
    }


def role_object(role_id: str, name: str, *, permissions: str = "0", position: int = 0) -> Json:
    """https://discord.com/developers/docs/topics/permissions#role-object"""
    return {
        "id": role_id,
        "name": name,
        "color": 0,
        "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
        "hoist": False,
        "icon": None,
        "unicode_emoji": None,
        "position": position,
        "permissions": permissions,
        "managed": False,
        "mentionable": False,
        "flags": 0,
    }


def everyone_role(guild_id: str) -> Json:
    """A guild's @everyone role as Discord sends it: its id is the guild's id."""
    return role_object(guild_id, "@everyone", permissions=EVERYONE_PERMISSIONS)


def channel_object(
    channel_id: str,
    channel_type: int = 0,
    *,
    name: str | None = "general",
    guild_id: str | None = None,
    position: int = 0,
    parent_id: str | None = None,
    owner_id: str | None = None,
) -> Json:
    """https://discord.com/developers/docs/resources/channel#channel-object (a guild channel
    carries the guild's fields; a DM only id, type, last_message_id, recipients, flags; a
    thread its owner, counts and https://discord.com/developers/docs/resources/channel#thread-metadata-object)."""
    channel: Json = {"id": channel_id, "type": channel_type, "last_message_id": None, "flags": 0}
    if channel_type in (1, 3):  # DM, GROUP_DM
        channel["recipients"] = []
        return channel
    channel.update(
        name=name,
        position=position,
        permission_overwrites=[],
        parent_id=parent_id,
        nsfw=False,
        topic=None,
        rate_limit_per_user=0,
    )
    if channel_type in (2, 13):  # voice, stage
        channel.update(bitrate=64000, user_limit=0, rtc_region=None)
    if channel_type in THREAD_TYPES:
        channel.update(
            owner_id=owner_id,
            member_count=1,
            message_count=0,
            total_message_sent=0,
            thread_metadata={
                "archived": False,
                "auto_archive_duration": 1440,
                "archive_timestamp": TIMESTAMP,
                "locked": False,
                "create_timestamp": TIMESTAMP,
                **({"invitable": True} if channel_type == 12 else {}),
            },
        )
    if guild_id is not None:
        channel["guild_id"] = guild_id
    return channel


def guild_object(
    guild_id: str,
    name: str,
    owner_id: str,
    *,
    roles: list[Json] | None = None,
    application_id: str | None = None,
) -> Json:
    """https://discord.com/developers/docs/resources/guild#guild-object : every field without
    `?` (nullable ones as null)."""
    return {
        "id": guild_id,
        "name": name,
        "icon": None,
        "splash": None,
        "discovery_splash": None,
        "owner_id": owner_id,
        "afk_channel_id": None,
        "afk_timeout": 300,
        "widget_enabled": False,
        "widget_channel_id": None,
        "verification_level": 0,
        "default_message_notifications": 0,
        "explicit_content_filter": 0,
        "roles": list(roles if roles is not None else [everyone_role(guild_id)]),
        "emojis": [],
        "features": [],
        "mfa_level": 0,
        "application_id": application_id,
        "system_channel_id": None,
        "system_channel_flags": 0,
        "rules_channel_id": None,
        "max_presences": None,
        "max_members": 500_000,
        "vanity_url_code": None,
        "description": None,
        "banner": None,
        "premium_tier": 0,
        "premium_subscription_count": 0,
        "preferred_locale": "en-US",
        "public_updates_channel_id": None,
        "max_video_channel_users": 25,
        "max_stage_video_channel_users": 50,
        "nsfw_level": 0,
        "stickers": [],
        "premium_progress_bar_enabled": False,
        "safety_alerts_channel_id": None,
        "incidents_data": None,
    }


def guild_create(
    guild: Json,
    *,
    members: list[Json],
    channels: list[Json],
    member_count: int,
    large: bool,
    presences: list[Json] | None = None,
    threads: list[Json] | None = None,
    joined_at: str = TIMESTAMP,
) -> Json:
    """GUILD_CREATE: a guild object plus the gateway's extra fields
    (https://discord.com/developers/docs/events/gateway-events#guild-create). Channels inside it
    carry no guild_id, as on the real gateway."""
    return {
        **guild,
        "joined_at": joined_at,
        "large": large,
        "unavailable": False,
        "member_count": member_count,
        "voice_states": [],
        "members": members,
        "channels": [{k: v for k, v in c.items() if k != "guild_id"} for c in channels],
        "threads": list(threads or []),
        "presences": list(presences or []),
        "stage_instances": [],
        "guild_scheduled_events": [],
        "soundboard_sounds": [],
    }


def message_object(
    message_id: str,
    channel_id: str,
    author: Json,
    content: str,
    *,
    guild_id: str | None = None,
    timestamp: str = TIMESTAMP,
) -> Json:
    """https://discord.com/developers/docs/resources/message#message-object"""
    message: Json = {
        "id": message_id,
        "channel_id": channel_id,
        "author": dict(author),
        "content": content,
        "timestamp": timestamp,
        "edited_timestamp": None,
        "tts": False,
        "mention_everyone": False,
        "mentions": [],
        "mention_roles": [],
        "attachments": [],
        "embeds": [],
        "components": [],
        "pinned": False,
        "type": 0,
        "flags": 0,
    }
    if guild_id is not None:
        message["guild_id"] = guild_id
    return message
