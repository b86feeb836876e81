"""`Cache`: the read side of the cache (`bot.cache` on a running bot).

Safe to call from any thread while the CacheActor writes, with no round trip through the
actor: every method does a few atomic store reads and builds its result from immutable
values, so it never sees a half-applied object and never raises because of a concurrent
write (see `bot.cache.memory`). A result is a snapshot: it does not change afterwards.
"""

from __future__ import annotations

from bot.cache.channels import DM_GROUP
from bot.cache.records import message_of
from bot.cache.stores import Stores
from bot.cache.views import guild_view, member_view, presence_view, user_view
from bot.payloads import (
    Channel,
    Emoji,
    Guild,
    Member,
    Message,
    Presence,
    Role,
    Sticker,
    User,
    VoiceState,
)

__all__ = ["Cache"]


class Cache:
    """Queries over the cache stores. Ids are ints; `None` means not cached."""

    __slots__ = ("stores",)

    def __init__(self, stores: Stores) -> None:
        self.stores = stores

    # guilds --------------------------------------------------------------------------
    def get_guild(self, guild_id: int) -> Guild | None:
        """The guild with its roles, emojis and stickers (members, channels: see below)."""
        return guild_view(self.stores, guild_id)

    def guilds(self) -> list[Guild]:
        """Every cached guild."""
        views = (guild_view(self.stores, guild_id) for guild_id in self.stores.guilds.keys())  # noqa: SIM118
        return [guild for guild in views if guild is not None]

    def guild_ids(self) -> list[int]:
        """The ids of the cached guilds."""
        return self.stores.guilds.keys()

    def unavailable_guilds(self) -> list[int]:
        """Ids of guilds not yet sent since READY, or in an outage."""
        return self.stores.unavailable.keys()

    def is_unavailable(self, guild_id: int) -> bool:
        """True while the guild is unavailable."""
        return self.stores.unavailable.get(guild_id) is not None

    def shard_of(self, guild_id: int) -> int | None:
        """The shard that delivered the guild."""
        return self.stores.guild_shard.get(guild_id)

    # channels ------------------------------------------------------------------------
    def get_channel(self, channel_id: int) -> Channel | None:
        """A guild channel, thread or DM channel."""
        group = self.stores.channel_guild.get(channel_id)
        return None if group is None else self.stores.channels.get(group, channel_id)

    def guild_of_channel(self, channel_id: int) -> int | None:
        """The guild a channel or thread belongs to (None for DMs and unknown channels)."""
        group = self.stores.channel_guild.get(channel_id)
        return None if group == DM_GROUP else group

    def channels_of(self, guild_id: int) -> list[Channel]:
        """A guild's channels, threads excluded."""
        return [c for _, c in self.stores.channels.items(guild_id) if not c.is_thread]

    def threads_of(self, guild_id: int) -> list[Channel]:
        """A guild's active threads that the bot can see."""
        return [c for _, c in self.stores.channels.items(guild_id) if c.is_thread]

    # roles, emojis, stickers ---------------------------------------------------------
    def get_role(self, guild_id: int, role_id: int) -> Role | None:
        """One role of a guild."""
        return self.stores.roles.get(guild_id, role_id)

    def roles_of(self, guild_id: int) -> list[Role]:
        """A guild's roles."""
        return [role for _, role in self.stores.roles.items(guild_id)]

    def get_emoji(self, guild_id: int, emoji_id: int) -> Emoji | None:
        """One custom emoji of a guild."""
        return self.stores.emojis.get(guild_id, emoji_id)

    def emojis_of(self, guild_id: int) -> list[Emoji]:
        """A guild's custom emojis."""
        return [emoji for _, emoji in self.stores.emojis.items(guild_id)]

    def stickers_of(self, guild_id: int) -> list[Sticker]:
        """A guild's stickers."""
        return [sticker for _, sticker in self.stores.stickers.items(guild_id)]

    # members, users, presences, voice ------------------------------------------------
    def get_member(self, guild_id: int, user_id: int) -> Member | None:
        """A guild member with its user."""
        return member_view(self.stores, guild_id, user_id)

    def members_of(self, guild_id: int) -> list[Member]:
        """Every cached member of a guild (built on read: prefer `member_ids` for counting)."""
        views = (
            member_view(self.stores, guild_id, user_id, record)
            for user_id, record in self.stores.members.items(guild_id)
        )
        return [member for member in views if member is not None]

    def member_ids(self, guild_id: int) -> list[int]:
        """The user ids of a guild's cached members."""
        return [user_id for user_id, _ in self.stores.members.items(guild_id)]

    def member_count(self, guild_id: int) -> int:
        """How many members of the guild are cached (the guild's `member_count` is the total)."""
        return self.stores.members.count(guild_id)

    def get_user(self, user_id: int) -> User | None:
        """A user, shared by every guild that has them."""
        return user_view(self.stores, user_id)

    def me(self) -> User | None:
        """The bot's own user (from READY and USER_UPDATE)."""
        user_id = self.stores.meta.get(0)
        return None if user_id is None else user_view(self.stores, user_id)

    def get_presence(self, guild_id: int, user_id: int) -> Presence | None:
        """A user's presence in a guild (offline users have none)."""
        return presence_view(self.stores, guild_id, user_id)

    def presences_of(self, guild_id: int) -> list[Presence]:
        """A guild's cached presences."""
        views = (
            presence_view(self.stores, guild_id, user_id, record)
            for user_id, record in self.stores.presences.items(guild_id)
        )
        return [presence for presence in views if presence is not None]

    def get_voice_state(self, guild_id: int, user_id: int) -> VoiceState | None:
        """A user's voice state in a guild (None when not in a voice channel)."""
        return self.stores.voice_states.get(guild_id, user_id)

    def voice_states_of(self, guild_id: int) -> list[VoiceState]:
        """Who is in voice in a guild."""
        return [state for _, state in self.stores.voice_states.items(guild_id)]

    # messages ------------------------------------------------------------------------
    def get_message(self, message_id: int) -> Message | None:
        """One of the last `message_limit` messages."""
        return message_of(self.stores.messages.get(message_id))

    def messages(self) -> list[Message]:
        """The cached messages, oldest first."""
        return [message_of(record) for record in self.stores.messages.values()]
