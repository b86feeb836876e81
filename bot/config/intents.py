"""Gateway intents by name, for `bot.intents`: the name table, groups, and the privileged check.

The table is the gateway spec's (`../shared/reference/gateway-spec.md` section 12, from
`developers/events/gateway.mdx`, List of Intents). It lives here until `bot.gateway.intents`
(the wire-protocol package) exports its own; then `INTENT_FLAGS` and `PRIVILEGED` should be
imported from there, and this module keeps only `parse_intents`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType

from bot.config.fields import nearest

__all__ = [
    "ALL",
    "GROUPS",
    "INTENT_FLAGS",
    "PRIVILEGED",
    "intent_flags",
    "intent_names",
    "privileged_in",
    "unknown_intent",
]

# Gateway spec section 12: every documented intent bit. Bits 17-19, 22 and 23 are unassigned.
INTENT_FLAGS: Mapping[str, int] = MappingProxyType(
    {
        "guilds": 1 << 0,
        "guild_members": 1 << 1,
        "guild_moderation": 1 << 2,
        "guild_expressions": 1 << 3,
        "guild_integrations": 1 << 4,
        "guild_webhooks": 1 << 5,
        "guild_invites": 1 << 6,
        "guild_voice_states": 1 << 7,
        "guild_presences": 1 << 8,
        "guild_messages": 1 << 9,
        "guild_message_reactions": 1 << 10,
        "guild_message_typing": 1 << 11,
        "direct_messages": 1 << 12,
        "direct_message_reactions": 1 << 13,
        "direct_message_typing": 1 << 14,
        "message_content": 1 << 15,
        "guild_scheduled_events": 1 << 16,
        "auto_moderation_configuration": 1 << 20,
        "auto_moderation_execution": 1 << 21,
        "guild_message_polls": 1 << 24,
        "direct_message_polls": 1 << 25,
    }
)

# Older names Discord used for the same bits (GUILD_BANS, GUILD_EMOJIS_AND_STICKERS).
ALIASES: Mapping[str, str] = MappingProxyType(
    {"guild_bans": "guild_moderation", "guild_emojis_and_stickers": "guild_expressions"}
)

# Gateway spec section 12, Privileged Intents: need enabling in the Developer Portal, else 4014.
PRIVILEGED: frozenset[str] = frozenset({"guild_members", "guild_presences", "message_content"})

ALL = 0
for _flag in INTENT_FLAGS.values():
    ALL |= _flag  # 0x331FFFF, as the spec computes

GROUPS: Mapping[str, int] = MappingProxyType(
    {
        "all": ALL,
        "nonprivileged": ALL & ~sum(INTENT_FLAGS[name] for name in PRIVILEGED),
    }
)


def _canonical(name: str) -> str:
    lowered = name.strip().lower()
    return ALIASES.get(lowered, lowered)


def unknown_intent(name: str) -> tuple[bool, str | None]:
    """Returns (is unknown, nearest known name) for one configured intent name."""
    canonical = _canonical(name)
    if canonical in INTENT_FLAGS or canonical in GROUPS:
        return False, None
    return True, nearest(canonical, [*INTENT_FLAGS, *GROUPS, *ALIASES])


def intent_flags(names: Iterable[str]) -> int:
    """The IDENTIFY bitfield for intent and group names (case-insensitive); KeyError if unknown."""
    value = 0
    for name in names:
        canonical = _canonical(name)
        value |= GROUPS[canonical] if canonical in GROUPS else INTENT_FLAGS[canonical]
    return value


def intent_names(value: int) -> tuple[str, ...]:
    """The intent names set in a bitfield, in bit order; ValueError on an unassigned bit."""
    if value < 0 or value & ~ALL:
        raise ValueError(f"unassigned intent bits {value & ~ALL:#x}")
    return tuple(name for name, flag in INTENT_FLAGS.items() if value & flag)


def privileged_in(value: int) -> tuple[str, ...]:
    """The privileged intent names set in a bitfield, sorted."""
    return tuple(sorted(name for name in PRIVILEGED if value & INTENT_FLAGS[name]))
