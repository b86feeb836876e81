"""The fixed table of known Discord field names, and which of them hold snowflakes.

Built from the payload corpus (tests/data/payloads/) and the object docs in discord-api-docs. A
decoded key is looked up here once and replaced by the table's own interned `str`, so millions of
payloads share one copy of each name. An unknown key still gets through (as `str`), is logged once
at debug, and is never added to the table, so the table cannot grow with what the wire sends
(the same reason the Erlang seed must not make atoms from network data).
"""

from __future__ import annotations

import sys
import threading
from typing import Any, Final

import structlog

__all__ = [
    "KEY_TABLE",
    "KNOWN_KEYS",
    "NOT_SNOWFLAKE_KEYS",
    "SNOWFLAKE_KEYS",
    "UNKNOWN_KEYS_LOGGED_MAX",
    "is_snowflake_key",
    "unknown_key",
]

log = structlog.get_logger(__name__)

_KNOWN_FIELD_NAMES = """
_trace accent_color access_type accessory action actions activities activity activity_instance
activity_type added_members afk afk_channel_id afk_timeout alert_system_message_id allow
allow_multiselect allow_new animated animation_id animation_type answer_counts answer_id answers
app_permissions application application_command_count application_command_counts
application_command_permissions application_id applied_tags approximate_member_count
approximate_presence_count archive_timestamp archived asset assets attachment_id
attachment_size_limit attachments audience_id author authorizing_integration_owners
auto_archive_duration auto_moderation_rule_id available available_for_purchase available_tags
avatar avatar_decoration avatar_decoration_data badge banner banner_color bitrate bot bot_id
browser burst burst_colors buttons by_month by_month_day by_n_weekday by_weekday by_year_day
bypasses_verification call canceled_at channel channel_id channel_ids channel_type channels
chunk_count chunk_index clan client_status code collectibles color colors
communication_disabled_until component_type components compress consumed content
content_scan_version content_type context count count_details country create_timestamp created_at
creator creator_id current_period_end current_period_start custom_id custom_message d data deaf
default_auto_archive_duration default_forum_layout default_message_notifications
default_reaction_emoji default_sort_order default_thread_rate_limit_per_user deleted deny deny_new
description desktop details device disabled discoverable_disabled discovery_splash discriminator
divider dm_spam_detected_at dms_disabled_until duration_seconds duration_secs edited_timestamp
email embed_channel_id embed_enabled embedded embeds emoji emoji_id emoji_name emojis enabled end
ended_timestamp endpoint ends_at entitlement_sku_ids entitlements entity_id entity_metadata
entity_type ephemeral event_type exempt_channels exempt_roles expires_at expiry
explicit_content_filter fail_if_not_exists features fields file filename flags focused footer
format_type frequency game gift_code_flags global_name guild guild_connections guild_hashes
guild_id guild_ids guild_locale guild_scheduled_event guild_scheduled_event_id
guild_scheduled_events guilds hash heartbeat_interval height hoist hoisted_role home_header icon
icon_emoji icon_hash icon_url id identity_enabled identity_guild_id ids image incidents_data inline
instance integration_id intents interacted_message_id interaction interaction_metadata interval
invitable inviter invites_disabled_until is_finalized is_pending is_renewal items join
join_timestamp joined_at keyword_filter label large large_image large_text large_threshold
last_message_id last_pin_timestamp last_viewed_timestamp layout_type lazy limit locale location
locked managed match matched_content matched_keyword max_age max_concurrency max_length max_members
max_presences max_stage_video_channel_users max_uses max_values max_video_channel_users me me_burst
media media_gallery member member_count member_ids members mention_channels mention_everyone
mention_roles mentionable mentions message_count message_id message_reference message_snapshots
messages meta metadata mfa_enabled mfa_level min_length min_values mobile modal moderated mute
mute_config muted name nameplate newly_created nick nonce normal not_found nsfw nsfw_level omitted
op opcode options original_response_message_id os owner owner_id pack_id palette parent_id
participants party pending permission_overwrites permissions permissions_new pinned placeholder
platform poll poll_media position position_override preferred_locale premium_progress_bar_enabled
premium_since premium_subscriber premium_subscription_count premium_tier premium_type presence
presences primary_color primary_guild privacy_level private_channels promotion_id properties
provider proxy_icon_url proxy_url public_flags public_updates_channel_id query question
raid_detected_at rate_limit_per_user reactions recipient_id recipient_ids recipients
recurrence_rule referenced_message regex_patterns region relationships remaining removed_member_ids
renewal_sku_ids request_to_speak_timestamp require_colons required reset_after resolved results
resume_gateway_url retry_after role role_id role_subscription_data role_subscription_listing_id
roles rtc_region rule_id rule_trigger_type rules_channel_id s safety_alerts_channel_id
scheduled_end_time scheduled_event_id scheduled_start_time secondary_color secrets self_deaf
self_mute self_stream self_video send_start_notification seq session_id session_start_limit
session_type shard shards since size sku_id sku_ids small_image small_text sort_value sound_id
sound_volume soundboard_sound soundboard_sounds spacing spectate splash spoiler stage_instance
stage_instances start starts_at state state_url status sticker sticker_ids sticker_items stickers
style subscription_id subscription_listing_id supplemental suppress sync_id system
system_channel_flags system_channel_id t tag tags target_application target_id target_message_id
target_type target_user target_user_id temporary tertiary_color text theme_color thread thread_id
thread_metadata threads thumbnail tier_name timestamp timestamps title token topic total
total_message_sent total_months_subscribed trigger_metadata trigger_type
triggering_interaction_metadata tts type unavailable unicode_emoji unusual_dm_activity_until url
user user_count user_id user_ids user_limit user_settings username users uses v value values
vanity_url_code verification_level verified version video video_quality_mode voice_start_time
voice_states volume vr waveform web webhook_id welcome_channels welcome_screen widget_channel_id
widget_enabled width
"""

KNOWN_KEYS: Final[frozenset[str]] = frozenset(
    sys.intern(name) for name in _KNOWN_FIELD_NAMES.split()
)

# Keys shaped like ids that are not snowflakes: they keep the value as sent.
# custom_id is the bot's own component string; session_id is a gateway or voice session (hex);
# sync_id is a Spotify track id; nonce (no suffix, listed for clarity) may be str or int and is
# echoed back exactly.
NOT_SNOWFLAKE_KEYS: Final[frozenset[str]] = frozenset(
    {"custom_id", "session_id", "sync_id", "nonce", "party_id", "match_id"}
)

# Keys whose value (or list of values) are snowflakes beyond the `id` / `*_id` / `*_ids` rule.
# "roles" is a list of role ids in members and emojis, a list of role objects in guilds: the
# normaliser converts id-shaped strings and walks objects, so both shapes work.
_EXTRA_SNOWFLAKE_KEYS = frozenset(
    {
        "roles",
        "mention_roles",
        "ids",
        "not_found",
        "exempt_roles",
        "exempt_channels",
        "applied_tags",
    }
)


def is_snowflake_key(name: str) -> bool:
    """True when values under `name` are snowflakes (int or digit strings, or lists of them)."""
    if name in NOT_SNOWFLAKE_KEYS:
        return False
    return name == "id" or name.endswith(("_id", "_ids")) or name in _EXTRA_SNOWFLAKE_KEYS


SNOWFLAKE_KEYS: Final[frozenset[str]] = frozenset(k for k in KNOWN_KEYS if is_snowflake_key(k))

# The lookup table the codecs use: the str form (JSON keys, ETF atoms) and the bytes form (ETF
# binaries) of each known name map to (interned name, is snowflake).
KEY_TABLE: Final[dict[bytes | str, tuple[str, bool]]] = {}
for _name in KNOWN_KEYS:
    KEY_TABLE[_name] = (_name, _name in SNOWFLAKE_KEYS)
    KEY_TABLE[_name.encode()] = (_name, _name in SNOWFLAKE_KEYS)
del _name

# Ours: how many distinct unknown keys are logged; past it they still pass, silently.
UNKNOWN_KEYS_LOGGED_MAX = 1024

_logged_unknown: set[str] = set()
_logged_lock = threading.Lock()
_log_full = False
_ATOM_NAMES: Final[dict[Any, str]] = {None: "nil", True: "true", False: "false"}


def unknown_key(key: object) -> tuple[str, bool]:
    """Turns a key missing from the table into (str, is snowflake); logs a new one once.

    Raises UnicodeDecodeError for a binary key that is not UTF-8 and TypeError for a key that
    no payload can hold (the codecs translate both into `DecodeError`).
    """
    if type(key) is bytes:
        name = key.decode("utf-8")
    elif isinstance(key, str):
        name = str(key)
    elif key is None or isinstance(key, bool):
        name = _ATOM_NAMES[key]
    elif isinstance(key, int | float):
        name = str(key)
    else:
        raise TypeError(f"unsupported key type {type(key).__name__}")
    # Digit keys are snowflake-keyed maps (interaction `resolved`, command counts): expected.
    if not name.isdigit() and name not in _logged_unknown:
        _note_unknown(name)
    return name, is_snowflake_key(name)


def _note_unknown(name: str) -> None:
    global _log_full
    with _logged_lock:
        if name in _logged_unknown or _log_full:
            return
        if len(_logged_unknown) >= UNKNOWN_KEYS_LOGGED_MAX:
            _log_full = True
            log.debug("gateway.unknown_keys_log_full", logged=UNKNOWN_KEYS_LOGGED_MAX)
            return
        _logged_unknown.add(name)
    log.debug("gateway.unknown_key", key=name[:100])
