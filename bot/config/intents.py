"""Gateway intents by name, for `bot.intents`: validation with suggestions, groups, aliases.

The bits come from `bot.gateway.intents.Intents` (the wire-protocol package, from the gateway
spec section 12); this module adds what config validation needs: the nearest known name for a
typo, the older names Discord used, and the names a bitfield stands for. Any name it accepts,
canonicalised, is also accepted by `bot.gateway.intents.parse_intents`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType

from bot.config.fields import nearest
from bot.gateway.intents import Intents

__all__ = [
    "ALIASES",
    "ALL",
    "GROUPS",
    "INTENT_FLAGS",
    "PRIVILEGED",
    "canonical",
    "intent_flags",
    "intent_names",
    "privileged_in",
    "unknown_intent",
]

INTENT_FLAGS: Mapping[str, int] = MappingProxyType(
    {member.name.lower(): int(member) for member in Intents if member.name}
)

# Older names Discord used for the same bits (GUILD_BANS, GUILD_EMOJIS_AND_STICKERS).
ALIASES: Mapping[str, str] = MappingProxyType(
    {"guild_bans": "guild_moderation", "guild_emojis_and_stickers": "guild_expressions"}
)

# Gateway spec section 12, Privileged Intents: need enabling in the Developer Portal, else 4014.
PRIVILEGED: frozenset[str] = frozenset(
    member.name.lower() for member in Intents if member.name and member & Intents.privileged()
)

ALL = int(Intents.all())  # 0x331FFFF, as the spec computes

# Group names, as bot.gateway.intents.parse_intents reads them.
GROUPS: Mapping[str, int] = MappingProxyType(
    {
        "all": ALL,
        "nonprivileged": int(Intents.nonprivileged()),
        "non_privileged": int(Intents.nonprivileged()),
        "default": int(Intents.nonprivileged()),
    }
)


def canonical(name: str) -> str:
    """The lower-case, underscore name for a configured one (`GUILD-BANS` -> guild_moderation)."""
    lowered = name.strip().lower().replace("-", "_")
    return ALIASES.get(lowered, lowered)


def unknown_intent(name: str) -> tuple[bool, str | None]:
    """Returns (is unknown, nearest known name) for one configured intent name."""
    known = canonical(name)
    if known in INTENT_FLAGS or known in GROUPS:
        return False, None
    return True, nearest(known, [*INTENT_FLAGS, *GROUPS, *ALIASES])


def intent_flags(names: Iterable[str]) -> int:
    """The IDENTIFY bitfield for intent and group names (case-insensitive); KeyError if unknown."""
    value = 0
    for name in names:
        known = canonical(name)
        value |= GROUPS[known] if known in GROUPS else INTENT_FLAGS[known]
    return value


def intent_names(value: int) -> tuple[str, ...]:
    """The intent names set in a bitfield, in bit order; ValueError on an unassigned bit."""
    if value < 0 or value & ~ALL:
        raise ValueError(f"unassigned intent bits {value & ~ALL:#x}")
    return tuple(name for name, flag in INTENT_FLAGS.items() if value & flag)


def privileged_in(value: int) -> tuple[str, ...]:
    """The privileged intent names set in a bitfield, sorted."""
    return tuple(sorted(name for name in PRIVILEGED if value & INTENT_FLAGS[name]))
