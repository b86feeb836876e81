"""Gateway intents: the bitfield sent in IDENTIFY, built from names in the configuration.

Source: developers/events/gateway.mdx (Gateway Intents, List of Intents, Privileged Intents).
Names are the docs' names in any case (`guild_messages`, `GUILD_MESSAGES`); "all" and
"nonprivileged" stand for those sets. Privileged intents must be enabled in the Developer Portal,
else Discord closes with 4014.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import IntFlag

from .errors import UnknownIntentError

__all__ = ["Intents", "parse_intents"]


class Intents(IntFlag):
    """The documented intent bits (17, 18, 19, 22 and 23 are unassigned)."""

    GUILDS = 1 << 0
    GUILD_MEMBERS = 1 << 1  # privileged
    GUILD_MODERATION = 1 << 2
    GUILD_EXPRESSIONS = 1 << 3
    GUILD_INTEGRATIONS = 1 << 4
    GUILD_WEBHOOKS = 1 << 5
    GUILD_INVITES = 1 << 6
    GUILD_VOICE_STATES = 1 << 7
    GUILD_PRESENCES = 1 << 8  # privileged
    GUILD_MESSAGES = 1 << 9
    GUILD_MESSAGE_REACTIONS = 1 << 10
    GUILD_MESSAGE_TYPING = 1 << 11
    DIRECT_MESSAGES = 1 << 12
    DIRECT_MESSAGE_REACTIONS = 1 << 13
    DIRECT_MESSAGE_TYPING = 1 << 14
    MESSAGE_CONTENT = 1 << 15  # privileged
    GUILD_SCHEDULED_EVENTS = 1 << 16
    AUTO_MODERATION_CONFIGURATION = 1 << 20
    AUTO_MODERATION_EXECUTION = 1 << 21
    GUILD_MESSAGE_POLLS = 1 << 24
    DIRECT_MESSAGE_POLLS = 1 << 25

    @classmethod
    def all(cls) -> Intents:
        """Every documented intent (0x331FFFF), privileged ones included."""
        value = cls(0)
        for member in cls:
            value |= member
        return value

    @classmethod
    def privileged(cls) -> Intents:
        """The intents that must be enabled in the Developer Portal first."""
        return cls.GUILD_MEMBERS | cls.GUILD_PRESENCES | cls.MESSAGE_CONTENT

    @classmethod
    def nonprivileged(cls) -> Intents:
        """Every intent that needs no approval."""
        return cls.all() & ~cls.privileged()

    @classmethod
    def from_names(cls, names: Iterable[str] | str) -> Intents:
        """Builds the bitfield from names; UnknownIntentError names the bad one."""
        return parse_intents(names)

    @property
    def privileged_names(self) -> list[str]:
        """The privileged intents in this set, lower-case, for a warning or an error message."""
        return [m.name.lower() for m in Intents if m & Intents.privileged() & self and m.name]

    @property
    def has_privileged(self) -> bool:
        return bool(self & Intents.privileged())

    @property
    def names(self) -> list[str]:
        """The intents in this set, lower-case, in bit order."""
        return [member.name.lower() for member in Intents if member & self and member.name]


_KNOWN = {member.name.lower(): member for member in Intents if member.name}


def parse_intents(names: Iterable[str] | str) -> Intents:
    """Turns config names (or one name) into `Intents`; "all" and "nonprivileged" are sets.

    Raises UnknownIntentError for a name that is not an intent, listing the known ones.
    """
    if isinstance(names, str):
        names = [names]
    value = Intents(0)
    for raw in names:
        if not isinstance(raw, str):
            raise UnknownIntentError(repr(raw), sorted(_KNOWN))
        name = raw.strip().lower().replace("-", "_")
        if name == "all":
            value |= Intents.all()
        elif name in ("nonprivileged", "non_privileged", "default"):
            value |= Intents.nonprivileged()
        elif name in _KNOWN:
            value |= _KNOWN[name]
        else:
            raise UnknownIntentError(raw, sorted(_KNOWN))
    return value
