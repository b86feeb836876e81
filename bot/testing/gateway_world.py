"""The simulated Discord's world: a bot user, G guilds of M members, and generated messages.

Everything is computed from indexes, so a world of any size costs no memory until a payload is
built, and the same index always gives the same payload. Snowflakes are JSON-style strings (the
way Discord's JSON gateway sends them); the ETF side of the simulator sends them as they are,
which Discord also does for some fields.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["World", "snowflake"]

# https://discord.com/developers/docs/reference#snowflakes
DISCORD_EPOCH_MS = 1_420_070_400_000
# A fixed "now" for generated ids (2024-01-01T00:00:00Z) so that runs are reproducible.
WORLD_EPOCH_MS = 1_704_067_200_000
# https://discord.com/developers/docs/events/gateway-events#guild-members-chunk
MEMBERS_PER_CHUNK = 1000
# https://discord.com/developers/docs/events/gateway-events#request-guild-members
MAX_QUERY_RESULTS = 100
TIMESTAMP = "2024-01-01T00:00:00.000000+00:00"


def snowflake(offset_ms: int, increment: int = 0) -> int:
    """Returns a snowflake made `offset_ms` after the world's epoch (worker and process 0)."""
    return ((WORLD_EPOCH_MS + offset_ms - DISCORD_EPOCH_MS) << 22) | (increment & 0xFFF)


def everyone_role(guild_id: str) -> dict[str, Any]:
    """A guild's @everyone role as Discord sends it: its id is the guild's id. The simulator's
    gateway world and its REST state both make guilds with it."""
    return {
        "id": guild_id,
        "name": "@everyone",
        "color": 0,
        "hoist": False,
        "position": 0,
        "permissions": "1071698660929",
        "managed": False,
        "mentionable": False,
        "flags": 0,
    }


@dataclass(frozen=True, slots=True)
class World:
    """What the simulated Discord knows: its bot user and its guilds, members and channels.

    Guild `index` (0 <= index < guild_count) has id `guild_id(index)`; which shard it belongs to
    follows Discord's formula `(guild_id >> 22) % num_shards`.
    """

    guild_count: int = 2
    members_per_guild: int = 3
    channels_per_guild: int = 2
    bot_user_id: int = 1_000_000_000_000_000_001
    bot_username: str = "shardline-test-bot"
    application_id: int = 1_000_000_000_000_000_001

    # -- ids ---------------------------------------------------------------------------------

    def guild_id(self, index: int) -> int:
        return snowflake(1_000 + index)

    def guild_index(self, guild_id: int) -> int | None:
        index = (guild_id >> 22) - (WORLD_EPOCH_MS - DISCORD_EPOCH_MS) - 1_000
        ok = 0 <= index < self.guild_count and self.guild_id(index) == guild_id
        return index if ok else None

    def guild_ids(self, shard_id: int = 0, num_shards: int = 1) -> list[int]:
        """The ids of the guilds that Discord routes to shard `shard_id` of `num_shards`."""
        ids = (self.guild_id(i) for i in range(self.guild_count))
        return [gid for gid in ids if (gid >> 22) % num_shards == shard_id]

    def user_id(self, guild_index: int, member_index: int) -> int:
        return snowflake(10_000_000 + guild_index * 100_000 + member_index)

    def channel_id(self, guild_index: int, channel_index: int = 0) -> int:
        return snowflake(5_000_000 + guild_index * 100 + channel_index)

    def message_id(self, number: int) -> int:
        return snowflake(100_000_000 + number // 4096, number)

    # -- payloads ----------------------------------------------------------------------------

    def bot_user(self) -> dict[str, Any]:
        return {
            "id": str(self.bot_user_id),
            "username": self.bot_username,
            "discriminator": "0",
            "global_name": None,
            "avatar": None,
            "bot": True,
            "verified": True,
            "flags": 0,
            "mfa_enabled": False,
            "email": None,
        }

    def user(self, guild_index: int, member_index: int) -> dict[str, Any]:
        return {
            "id": str(self.user_id(guild_index, member_index)),
            "username": f"user{guild_index}_{member_index}",
            "discriminator": "0",
            "global_name": f"User {guild_index}.{member_index}",
            "avatar": None,
        }

    def member(self, guild_index: int, member_index: int) -> dict[str, Any]:
        return {
            "user": self.user(guild_index, member_index),
            "nick": None,
            "avatar": None,
            "roles": [],
            "joined_at": TIMESTAMP,
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "flags": 0,
            "pending": False,
        }

    def channel(self, guild_index: int, channel_index: int) -> dict[str, Any]:
        # Channels inside GUILD_CREATE carry no guild_id on the real gateway.
        return {
            "id": str(self.channel_id(guild_index, channel_index)),
            "type": 0,
            "name": f"channel-{channel_index}",
            "position": channel_index,
            "permission_overwrites": [],
            "topic": None,
            "nsfw": False,
            "last_message_id": None,
            "rate_limit_per_user": 0,
            "parent_id": None,
        }

    def role(self, guild_index: int) -> dict[str, Any]:
        return everyone_role(str(self.guild_id(guild_index)))

    def guild_create(self, guild_id: int) -> dict[str, Any]:
        """A GUILD_CREATE payload, with every member (as for a small guild)."""
        index = self._index(guild_id)
        members = [self.member(index, m) for m in range(self.members_per_guild)]
        return {
            "id": str(guild_id),
            "name": f"Guild {index}",
            "icon": None,
            "owner_id": members[0]["user"]["id"] if members else str(self.bot_user_id),
            "afk_channel_id": None,
            "afk_timeout": 300,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "roles": [self.role(index)],
            "emojis": [],
            "features": [],
            "mfa_level": 0,
            "application_id": None,
            "system_channel_id": None,
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "vanity_url_code": None,
            "description": None,
            "banner": None,
            "premium_tier": 0,
            "preferred_locale": "en-US",
            "public_updates_channel_id": None,
            "nsfw_level": 0,
            "premium_progress_bar_enabled": False,
            "joined_at": TIMESTAMP,
            "large": self.members_per_guild > 50,
            "unavailable": False,
            "member_count": self.members_per_guild,
            "voice_states": [],
            "members": members,
            "channels": [self.channel(index, c) for c in range(self.channels_per_guild)],
            "threads": [],
            "presences": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
            "stickers": [],
        }

    def message_create(self, number: int, guild_id: int | None = None) -> dict[str, Any]:
        """MESSAGE_CREATE number `number`: ids and content increase with it."""
        index = self._index(guild_id) if guild_id is not None else number % max(self.guild_count, 1)
        author_index = number % max(self.members_per_guild, 1)
        member = self.member(index, author_index)
        return {
            "id": str(self.message_id(number)),
            "channel_id": str(self.channel_id(index, 0)),
            "guild_id": str(self.guild_id(index)),
            "author": member["user"],
            "member": {k: v for k, v in member.items() if k != "user"},
            "content": f"message {number}",
            "timestamp": TIMESTAMP,
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": [],
            "embeds": [],
            "pinned": False,
            "type": 0,
            "flags": 0,
            "nonce": str(number),
        }

    def members_matching(
        self, guild_id: int, query: str | None, user_ids: list[int] | None, limit: int
    ) -> tuple[list[dict[str, Any]], list[int]]:
        """The members a REQUEST_GUILD_MEMBERS finds, and the requested ids that were not found."""
        index = self._index(guild_id)
        if user_ids is not None:
            wanted = set(user_ids)
            found = [
                self.member(index, m)
                for m in range(self.members_per_guild)
                if self.user_id(index, m) in wanted
            ][:MAX_QUERY_RESULTS]
            found_ids = {int(m["user"]["id"]) for m in found}
            return found, [uid for uid in user_ids if uid not in found_ids]
        query = query or ""
        cap = self.members_per_guild if (query == "" and limit == 0) else min(limit, 100)
        members: list[dict[str, Any]] = []
        for m in range(self.members_per_guild):
            if len(members) >= cap:
                break
            member = self.member(index, m)
            if member["user"]["username"].startswith(query):
                members.append(member)
        return members, []

    def _index(self, guild_id: int | None) -> int:
        index = self.guild_index(guild_id) if guild_id is not None else None
        if index is None:
            raise KeyError(f"the simulated world has no guild {guild_id}")
        return index
