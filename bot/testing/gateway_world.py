"""The simulated Discord's world: a bot user, G guilds of M members, and generated messages.

Everything is computed from indexes, so a world of any size costs no memory until a payload is
built, and the same index always gives the same payload. Snowflakes are JSON-style strings (the
way Discord's JSON gateway sends them); the ETF side of the simulator sends them as they are,
which Discord also does for some fields.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.testing.payloads import (
    channel_object,
    everyone_role,
    guild_create,
    guild_object,
    member_object,
    message_object,
    user_object,
)

__all__ = ["World", "everyone_role", "snowflake"]

# https://discord.com/developers/docs/reference#snowflakes
DISCORD_EPOCH_MS = 1_420_070_400_000
# A fixed "now" for generated ids (2024-01-01T00:00:00Z) so that runs are reproducible.
WORLD_EPOCH_MS = 1_704_067_200_000
# https://discord.com/developers/docs/events/gateway-events#guild-members-chunk
MEMBERS_PER_CHUNK = 1000
# https://discord.com/developers/docs/events/gateway-events#request-guild-members
MAX_QUERY_RESULTS = 100


def snowflake(offset_ms: int, increment: int = 0) -> int:
    """Returns a snowflake made `offset_ms` after the world's epoch (worker and process 0)."""
    return ((WORLD_EPOCH_MS + offset_ms - DISCORD_EPOCH_MS) << 22) | (increment & 0xFFF)


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
        """The bot's user, as READY and `GET /users/@me` both give it."""
        user = user_object(self.bot_user_id, self.bot_username, bot=True)
        user.update(flags=0, verified=True, mfa_enabled=False, email=None)
        return user

    def user(self, guild_index: int, member_index: int) -> dict[str, Any]:
        return user_object(
            self.user_id(guild_index, member_index),
            f"user{guild_index}_{member_index}",
            global_name=f"User {guild_index}.{member_index}",
        )

    def member(self, guild_index: int, member_index: int) -> dict[str, Any]:
        return member_object(self.user(guild_index, member_index))

    def bot_member(self) -> dict[str, Any]:
        """The bot as a member of every world guild (Discord lists the bot in its guilds)."""
        return member_object(user_object(self.bot_user_id, self.bot_username, bot=True))

    def channel(self, guild_index: int, channel_index: int) -> dict[str, Any]:
        # Channels inside GUILD_CREATE carry no guild_id on the real gateway.
        return channel_object(
            str(self.channel_id(guild_index, channel_index)),
            name=f"channel-{channel_index}",
            position=channel_index,
        )

    def role(self, guild_index: int) -> dict[str, Any]:
        return everyone_role(str(self.guild_id(guild_index)))

    def guild(self, guild_id: int) -> dict[str, Any]:
        """The guild object (no GUILD_CREATE extras), as `GET /guilds/{id}` answers it."""
        index = self._index(guild_id)
        owner = self.user_id(index, 0) if self.members_per_guild else self.bot_user_id
        return guild_object(str(guild_id), f"Guild {index}", str(owner), roles=[self.role(index)])

    def guild_create(
        self, guild_id: int, *, members: bool = True, large_threshold: int = 250
    ) -> dict[str, Any]:
        """A GUILD_CREATE payload: the bot and the members, as for a small guild.

        `members=False` (no GUILD_PRESENCES intent) lists only the bot, as Discord does; so
        does a guild larger than `large_threshold` (its users have no role, nick or presence).
        https://discord.com/developers/docs/events/gateway-events#guild-create
        """
        index = self._index(guild_id)
        member_count = self.members_per_guild + 1
        large = member_count > large_threshold
        listed = [self.bot_member()]
        if members and not large:
            listed += [self.member(index, m) for m in range(self.members_per_guild)]
        return guild_create(
            self.guild(guild_id),
            members=listed,
            channels=[self.channel(index, c) for c in range(self.channels_per_guild)],
            member_count=member_count,
            large=large,
        )

    def message_create(self, number: int, guild_id: int | None = None) -> dict[str, Any]:
        """MESSAGE_CREATE number `number`: ids and content increase with it."""
        index = self._index(guild_id) if guild_id is not None else number % max(self.guild_count, 1)
        author_index = number % max(self.members_per_guild, 1)
        member = self.member(index, author_index)
        message = message_object(
            str(self.message_id(number)),
            str(self.channel_id(index, 0)),
            member["user"],
            f"message {number}",
            guild_id=str(self.guild_id(index)),
        )
        message["member"] = {k: v for k, v in member.items() if k != "user"}
        message["nonce"] = str(number)
        return message

    def message_at(self, channel_id: int, message_id: int, below: int) -> dict[str, Any] | None:
        """The generated message `message_id` in `channel_id` (as `stream_messages` sent it:
        number N goes to the first channel of a guild), if its number is below `below`."""
        offset = (message_id >> 22) - (WORLD_EPOCH_MS - DISCORD_EPOCH_MS) - 100_000_000
        number = offset * 4096 + (message_id & 0xFFF)
        place = self._channel_place(channel_id)
        if not 0 <= number < below or place is None or place[1] != 0:
            return None
        message = self.message_create(number, self.guild_id(place[0]))
        return message if message["id"] == str(message_id) else None

    def member_at(self, guild_id: int, user_id: int) -> dict[str, Any] | None:
        """The generated member `user_id` of `guild_id`, or None if it is none of them."""
        index = self.guild_index(guild_id)
        offset = (user_id >> 22) - (WORLD_EPOCH_MS - DISCORD_EPOCH_MS) - 10_000_000
        member_index = offset - (index or 0) * 100_000
        if index is None or not 0 <= member_index < self.members_per_guild:
            return None
        return (
            self.member(index, member_index)
            if self.user_id(index, member_index) == user_id
            else None
        )

    def _channel_place(self, channel_id: int) -> tuple[int, int] | None:
        offset = (channel_id >> 22) - (WORLD_EPOCH_MS - DISCORD_EPOCH_MS) - 5_000_000
        guild_index, channel_index = divmod(offset, 100)
        ok = 0 <= guild_index < self.guild_count and channel_index < self.channels_per_guild
        if not ok or self.channel_id(guild_index, channel_index) != channel_id:
            return None
        return guild_index, channel_index

    def members_matching(
        self, guild_id: int, query: str | None, user_ids: list[int] | None, limit: int
    ) -> tuple[list[dict[str, Any]], list[int]]:
        """The members a REQUEST_GUILD_MEMBERS finds (the bot first, as it is a member too),
        and the requested ids that were not found."""
        index = self._index(guild_id)
        everyone = [(self.bot_user_id, self.bot_member)] + [
            (self.user_id(index, m), lambda m=m: self.member(index, m))
            for m in range(self.members_per_guild)
        ]
        if user_ids is not None:
            wanted = set(user_ids)
            found = [make() for uid, make in everyone if uid in wanted][:MAX_QUERY_RESULTS]
            found_ids = {int(m["user"]["id"]) for m in found}
            return found, [uid for uid in user_ids if uid not in found_ids]
        query = query or ""
        cap = len(everyone) if (query == "" and limit == 0) else min(limit, MAX_QUERY_RESULTS)
        members: list[dict[str, Any]] = []
        for _uid, make in everyone:
            if len(members) >= cap:
                break
            member = make()
            if member["user"]["username"].startswith(query):
                members.append(member)
        return members, []

    def _index(self, guild_id: int | None) -> int:
        index = self.guild_index(guild_id) if guild_id is not None else None
        if index is None:
            raise KeyError(f"the simulated world has no guild {guild_id}")
        return index
