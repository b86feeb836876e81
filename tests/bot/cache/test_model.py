"""Random sequences of creates, updates and deletes against a simple model of the cache."""

from __future__ import annotations

from typing import Any

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from bot.cache import Cache, CacheConfig, Stores, apply

GUILDS = st.integers(1, 4)
USERS = st.integers(100, 110)
CHANNELS = st.integers(1000, 1006)
MESSAGES = st.integers(1, 30)
LIMIT = 5


class CacheModel(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.stores = Stores.in_memory(CacheConfig(message_limit=LIMIT))
        self.cache = Cache(self.stores)
        self.guilds: dict[int, str] = {}
        self.members: dict[int, dict[int, tuple[int, ...]]] = {}  # guild -> user -> roles
        self.names: dict[int, str] = {}
        self.channels: dict[int, int] = {}  # channel -> guild
        self.messages: dict[int, str] = {}  # insertion ordered
        self.unavailable: set[int] = set()

    def send(self, name: str, data: Any) -> Any:
        return apply(self.stores, name, data, 0)

    def _drop_guild(self, guild_id: int) -> None:
        self.members.pop(guild_id, None)
        for channel_id, owner in list(self.channels.items()):
            if owner == guild_id:
                del self.channels[channel_id]

    @rule(guild_id=GUILDS, users=st.lists(USERS, max_size=6, unique=True), name=st.text(max_size=5))
    def guild_create(self, guild_id: int, users: list[int], name: str) -> None:
        data = {
            "id": str(guild_id),
            "name": name,
            "members": [
                {"user": {"id": str(u), "username": f"u{u}"}, "roles": [str(guild_id)]}
                for u in users
            ],
            "channels": [{"id": guild_id * 1000 + 1, "type": 0}],
        }
        self._drop_guild(guild_id)
        self.send("GUILD_CREATE", data)
        self.guilds[guild_id] = name
        self.unavailable.discard(guild_id)
        self.members[guild_id] = {u: (guild_id,) for u in users}
        self.names.update({u: f"u{u}" for u in users})
        self.channels[guild_id * 1000 + 1] = guild_id

    @rule(guild_id=GUILDS, unavailable=st.booleans())
    def guild_delete(self, guild_id: int, unavailable: bool) -> None:
        result = self.send("GUILD_DELETE", {"id": guild_id, "unavailable": unavailable}).data
        assert result.id == guild_id
        if unavailable:
            self.unavailable.add(guild_id)
        else:
            self.guilds.pop(guild_id, None)
            self.unavailable.discard(guild_id)
            self._drop_guild(guild_id)

    @rule(guild_id=GUILDS, user_id=USERS, roles=st.lists(st.integers(1, 9), max_size=3))
    def member_add_or_update(self, guild_id: int, user_id: int, roles: list[int]) -> None:
        name = f"v{len(roles)}"
        data = {"guild_id": guild_id, "user": {"id": user_id, "username": name}, "roles": roles}
        if roles:
            self.send("GUILD_MEMBER_ADD", {**data, "joined_at": None})
        else:
            self.send("GUILD_MEMBER_UPDATE", data)
            if user_id not in self.members.get(guild_id, {}):
                # not cached and no joined_at: the cache does not add it, but the user refreshes
                if any(user_id in m for m in self.members.values()):
                    self.names[user_id] = name
                return
        self.members.setdefault(guild_id, {})[user_id] = tuple(roles)
        self.names[user_id] = name

    @rule(guild_id=GUILDS, user_id=USERS)
    def member_remove(self, guild_id: int, user_id: int) -> None:
        old = self.send("GUILD_MEMBER_REMOVE", {"guild_id": guild_id, "user": {"id": user_id}})
        assert old.data.id == user_id
        expected = self.members.get(guild_id, {}).pop(user_id, None)
        if expected is not None:
            assert old.data.roles == expected
        if guild_id in self.members and not self.members[guild_id]:
            del self.members[guild_id]

    @rule(channel_id=CHANNELS, guild_id=GUILDS)
    def channel_create(self, channel_id: int, guild_id: int) -> None:
        self.send("CHANNEL_CREATE", {"id": channel_id, "guild_id": guild_id, "type": 0})
        self.channels[channel_id] = guild_id

    @rule(channel_id=CHANNELS, guild_id=GUILDS)
    def channel_delete(self, channel_id: int, guild_id: int) -> None:
        self.send("CHANNEL_DELETE", {"id": channel_id, "guild_id": guild_id, "type": 0})
        self.channels.pop(channel_id, None)

    @rule(message_id=MESSAGES, content=st.text(max_size=3))
    def message_create(self, message_id: int, content: str) -> None:
        self.send("MESSAGE_CREATE", {"id": message_id, "channel_id": 1, "content": content})
        if message_id not in self.messages and len(self.messages) >= LIMIT:
            del self.messages[next(iter(self.messages))]
        self.messages[message_id] = content

    @rule(message_id=MESSAGES, content=st.text(max_size=3))
    def message_update(self, message_id: int, content: str) -> None:
        old, new = self.send("MESSAGE_UPDATE", {"id": message_id, "content": content}).data
        assert (old is None) == (message_id not in self.messages)
        assert new.content == content
        if message_id in self.messages:
            self.messages[message_id] = content

    @rule(message_id=MESSAGES)
    def message_delete(self, message_id: int) -> None:
        self.send("MESSAGE_DELETE", {"id": message_id, "channel_id": 1})
        self.messages.pop(message_id, None)

    @invariant()
    def matches_the_model(self) -> None:
        cache = self.cache
        assert sorted(cache.guild_ids()) == sorted(self.guilds)
        assert {g.id: g.name for g in cache.guilds()} == self.guilds
        assert sorted(cache.unavailable_guilds()) == sorted(self.unavailable)
        # a guild with no cached member has no group (an emptied group goes away)
        cached = sorted(g for g, members in self.members.items() if members)
        assert sorted(self.stores.members.groups()) == cached
        for guild_id, members in self.members.items():
            got = {m.id: m.roles for m in cache.members_of(guild_id)}
            assert got == members
        # one user per distinct member, no more: nothing outlives its last membership
        users = {u for members in self.members.values() for u in members}
        assert sorted(self.stores.users.keys()) == sorted(users)
        for user_id in users:
            assert cache.get_user(user_id).username == self.names[user_id]  # type: ignore[union-attr]
        assert {c: cache.guild_of_channel(c) for c in self.channels} == self.channels
        assert self.stores.channels.total() == len(self.channels)
        assert len(self.stores.channel_guild) == len(self.channels)
        assert [(m.id, m.content) for m in cache.messages()] == list(self.messages.items())


CacheModel.TestCase.settings = settings(max_examples=150, stateful_step_count=40, deadline=None)
TestCacheModel = CacheModel.TestCase
