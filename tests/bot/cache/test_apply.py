"""What `apply` does to the stores and gives consumers, event by event."""

from __future__ import annotations

import copy
from typing import Any

from bot.cache import Cache, CacheConfig, Stores, apply
from bot.events import GUILD_AVAILABLE, GUILD_UNAVAILABLE, Update
from bot.payloads import Guild, Member, Message, MessageDelete, Role, UnavailableGuild
from tests.bot.cache.corpus import intify, load

BIG = "GUILD_CREATE--serenity--discord-api-guild-9593-members-2017"
BIG_ID = 81384788765712384


def guild(guild_id: int, members: int = 3, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "id": guild_id,
        "name": f"g{guild_id}",
        "member_count": members,
        "roles": [{"id": guild_id, "name": "@everyone", "permissions": "0"}],
        "emojis": [],
        "channels": [{"id": guild_id * 10 + 1, "type": 0, "name": "general"}],
        "members": [
            {"user": {"id": 1000 + i, "username": f"u{i}"}, "roles": [guild_id], "joined_at": None}
            for i in range(members)
        ],
        "presences": [{"user": {"id": 1000}, "status": "online"}],
        **(extra or {}),
    }


def test_guild_create_is_split_three_ways() -> None:
    stores = Stores.in_memory()
    apply(stores, "READY", {"user": {"id": 1, "username": "bot"}, "guilds": [{"id": 5}]}, 2)
    assert Cache(stores).unavailable_guilds() == [5]
    name, data = apply(stores, "GUILD_CREATE", {"id": 5, "unavailable": True}, 2)
    assert (name, type(data)) == (GUILD_UNAVAILABLE, UnavailableGuild)
    name, data = apply(stores, "GUILD_CREATE", guild(5), 2)
    assert (name, type(data)) == (GUILD_AVAILABLE, Guild)
    name, data = apply(stores, "GUILD_CREATE", guild(6), 2)
    assert (name, data.id) == ("GUILD_CREATE", 6)
    cache = Cache(stores)
    assert cache.unavailable_guilds() == []
    assert sorted(cache.guild_ids()) == [5, 6]
    assert cache.shard_of(5) == 2
    assert cache.me() is not None and cache.me().username == "bot"  # type: ignore[union-attr]


def test_guild_delete_unavailable_keeps_it_marked() -> None:
    stores = Stores.in_memory()
    apply(stores, "GUILD_CREATE", guild(5), 0)
    name, old = apply(stores, "GUILD_DELETE", {"id": "5", "unavailable": True}, 0)
    assert isinstance(old, Guild) and old.name == "g5" and old.unavailable
    cache = Cache(stores)
    assert cache.is_unavailable(5)
    assert cache.member_count(5) == 3  # what was known stays until the guild is back
    name, _ = apply(stores, "GUILD_CREATE", guild(5, members=2), 0)
    assert name == GUILD_AVAILABLE
    assert cache.member_count(5) == 2 and not cache.is_unavailable(5)


def test_guild_delete_removes_the_guild_and_what_is_only_its() -> None:
    stores = Stores.in_memory()
    apply(stores, "GUILD_CREATE", guild(5), 0)
    apply(stores, "GUILD_CREATE", guild(6, members=1), 0)  # user 1000 is in both
    apply(stores, "MESSAGE_CREATE", {"id": 9, "channel_id": 51, "guild_id": 5}, 0)
    apply(stores, "VOICE_STATE_UPDATE", {"guild_id": 5, "user_id": 1001, "channel_id": 51}, 0)
    _name, old = apply(stores, "GUILD_DELETE", {"id": 5}, 0)
    assert old.name == "g5" and old.unavailable is False
    cache = Cache(stores)
    assert cache.get_guild(5) is None and cache.get_channel(51) is None
    assert cache.members_of(5) == [] and cache.get_presence(5, 1000) is None
    assert cache.voice_states_of(5) == [] and cache.get_message(9) is None
    assert cache.roles_of(5) == [] and cache.shard_of(5) is None
    assert cache.get_user(1000) is not None  # still a member of guild 6
    assert cache.get_user(1001) is None and cache.get_user(1002) is None
    assert len(stores.users) == 1


def test_unknown_guild_delete_still_reaches_consumers() -> None:
    name, data = apply(Stores.in_memory(), "GUILD_DELETE", {"id": "77"}, 0)
    assert name == "GUILD_DELETE" and data.id == 77 and data.unavailable is False


def test_one_user_copy_shared_by_every_guild() -> None:
    stores = Stores.in_memory()
    for guild_id in (5, 6, 7):
        apply(stores, "GUILD_CREATE", guild(guild_id), 0)
    assert len(stores.users) == 3
    apply(
        stores,
        "GUILD_MEMBER_UPDATE",
        {"guild_id": 6, "user": {"id": 1000, "username": "renamed"}, "roles": []},
        0,
    )
    cache = Cache(stores)
    assert {cache.get_member(g, 1000).user.username for g in (5, 6, 7)} == {"renamed"}  # type: ignore[union-attr]
    for guild_id in (5, 6):
        apply(stores, "GUILD_MEMBER_REMOVE", {"guild_id": guild_id, "user": {"id": 1000}}, 0)
    assert cache.get_user(1000) is not None
    old = apply(stores, "GUILD_MEMBER_REMOVE", {"guild_id": 7, "user": {"id": 1000}}, 0).data
    assert isinstance(old, Member) and old.user.username == "renamed"  # type: ignore[union-attr]
    assert cache.get_user(1000) is None


def test_member_events_and_counts() -> None:
    stores = Stores.in_memory()
    apply(stores, "GUILD_CREATE", guild(5), 0)
    cache = Cache(stores)
    new = apply(
        stores,
        "GUILD_MEMBER_ADD",
        {"guild_id": "5", "user": {"id": "2000", "username": "n"}, "roles": ["5"]},
        0,
    ).data
    assert isinstance(new, Member) and new.roles == (5,) and new.guild_id == 5
    assert cache.get_guild(5).member_count == 4  # type: ignore[union-attr]
    old, updated = apply(
        stores,
        "GUILD_MEMBER_UPDATE",
        {"guild_id": 5, "user": {"id": 2000, "username": "n"}, "roles": [], "nick": "nn"},
        0,
    ).data
    assert old.roles == (5,) and updated.roles == () and updated.nick == "nn"
    assert cache.get_member(5, 2000).nick == "nn"  # type: ignore[union-attr]
    unknown = apply(
        stores, "GUILD_MEMBER_UPDATE", {"guild_id": 5, "user": {"id": 3000}, "roles": []}, 0
    ).data
    assert unknown.old is None and unknown.new.id == 3000
    gone = apply(stores, "GUILD_MEMBER_REMOVE", {"guild_id": 5, "user": {"id": 4000}}, 0).data
    assert isinstance(gone, Member) and gone.id == 4000


def test_members_chunk_fills_members_and_presences() -> None:
    stores = Stores.in_memory()
    data = load("GUILD_MEMBERS_CHUNK--twilight--fixture-presences")
    apply(stores, "GUILD_MEMBERS_CHUNK", data, 0)
    cache = Cache(stores)
    guild_id = int(data["guild_id"])
    assert cache.member_count(guild_id) == len(data["members"])
    online = [p for p in data["presences"] if p["status"] != "offline"]
    assert len(cache.presences_of(guild_id)) == len(online)


def test_the_big_guild_in_both_shapes() -> None:
    raw = load(BIG)
    for data in (raw, intify(copy.deepcopy(raw))):
        stores = Stores.in_memory()
        name, result = apply(stores, "GUILD_CREATE", data, 0)
        cache = Cache(stores)
        assert name == "GUILD_CREATE" and result.id == BIG_ID
        assert cache.member_count(BIG_ID) == 9593
        assert len(stores.users) == 9593
        assert len(cache.presences_of(BIG_ID)) == 8834
        assert len(cache.channels_of(BIG_ID)) == 53 and len(cache.roles_of(BIG_ID)) == 51
        first = raw["members"][0]
        member = cache.get_member(BIG_ID, int(first["user"]["id"]))
        assert member is not None
        assert member.user.username == first["user"]["username"]  # type: ignore[union-attr]
        assert member.user.avatar == first["user"]["avatar"]  # type: ignore[union-attr]
        assert member.raw["joined_at"] == first["joined_at"]
        # v6 shapes: integer permissions, string overwrite types
        role = cache.get_role(BIG_ID, 159592059873787904)
        assert role is not None and role.permissions == 0 and role.color == 9090293
        channel = cache.get_channel(290944320192774154)
        assert channel is not None and channel.guild_id == BIG_ID
        assert [o.type for o in channel.permission_overwrites][:3] == [0, 0, 1]
        assert channel.permission_overwrites[2].allow == 805309457


def test_updates_give_old_and_new_and_old_may_be_none() -> None:
    stores = Stores.in_memory()
    apply(stores, "GUILD_CREATE", guild(5), 0)
    first = apply(stores, "GUILD_ROLE_UPDATE", {"guild_id": 5, "role": {"id": 5, "name": "x"}}, 0)
    assert isinstance(first.data, Update) and first.data.old.name == "@everyone"
    unknown = apply(stores, "CHANNEL_UPDATE", {"id": 999, "guild_id": 5, "type": 0}, 0).data
    assert unknown.old is None and unknown.new.id == 999
    deleted = apply(stores, "GUILD_ROLE_DELETE", {"guild_id": 5, "role_id": "12"}, 0).data
    assert isinstance(deleted, Role) and deleted.id == 12 and deleted.guild_id == 5
    emojis = apply(stores, "GUILD_EMOJIS_UPDATE", {"guild_id": 5, "emojis": [{"id": 7}]}, 0)
    assert emojis.data.old == () and [e.id for e in emojis.data.new] == [7]
    unknown_guild = apply(stores, "GUILD_EMOJIS_UPDATE", {"guild_id": 8, "emojis": []}, 0)
    assert unknown_guild.data.old is None


def test_messages_are_bounded_and_edits_merge() -> None:
    stores = Stores.in_memory(CacheConfig(message_limit=3))
    for message_id in range(1, 6):
        apply(stores, "MESSAGE_CREATE", {"id": message_id, "channel_id": 1, "content": "a"}, 0)
    cache = Cache(stores)
    assert [m.id for m in cache.messages()] == [3, 4, 5]
    old, new = apply(stores, "MESSAGE_UPDATE", {"id": 4, "channel_id": 1, "content": "b"}, 0).data
    assert old.content == "a" and new.content == "b"
    assert cache.get_message(4).content == "b"  # type: ignore[union-attr]
    gone = apply(stores, "MESSAGE_DELETE", {"id": 4, "channel_id": 1}, 0).data
    assert isinstance(gone, Message) and gone.content == "b"
    missing = apply(stores, "MESSAGE_DELETE", {"id": "1", "channel_id": "1"}, 0).data
    assert isinstance(missing, MessageDelete) and missing.id == 1
    bulk = apply(stores, "MESSAGE_DELETE_BULK", {"ids": [3, 8], "channel_id": 1}, 0).data
    assert [type(m) for m in bulk] == [Message, MessageDelete]
    assert [m.id for m in cache.messages()] == [5]


def test_switched_off_components_keep_nothing() -> None:
    stores = Stores.in_memory(CacheConfig.off())
    apply(stores, "GUILD_CREATE", load(BIG), 0)
    apply(stores, "MESSAGE_CREATE", {"id": 1, "channel_id": 1}, 0)
    assert len(stores.guilds) == 0 and len(stores.users) == 0 and len(stores.messages) == 0
    assert stores.members.total() == 0 and stores.presences.total() == 0
    assert stores.channels.total() == 0 and stores.roles.total() == 0


def test_members_off_keeps_users_unfed_and_presences_work() -> None:
    stores = Stores.in_memory(CacheConfig(members=False))
    apply(stores, "GUILD_CREATE", guild(5), 0)
    assert len(stores.users) == 0 and stores.presences.total() == 1


def test_unknown_event_and_bad_payloads_pass_through() -> None:
    stores = Stores.in_memory()
    assert apply(stores, "SOMETHING_NEW", {"a": 1}, 0) == ("SOMETHING_NEW", {"a": 1})
    name, data = apply(stores, "GUILD_MEMBER_ADD", {"guild_id": 5}, 0)  # no user
    assert name == "GUILD_MEMBER_ADD" and isinstance(data, Member)
    assert apply(stores, "MESSAGE_CREATE", None, 0) == ("MESSAGE_CREATE", None)
    name, data = apply(stores, "AUTO_MODERATION_RULE_CREATE", {"id": "5", "x": 1}, 0)
    assert data.id == "5" and data.x == 1  # generic payload: raw values by attribute


def test_presence_update_refreshes_the_shared_user_and_drops_offline() -> None:
    stores = Stores.in_memory()
    apply(stores, "GUILD_CREATE", guild(5), 0)
    cache = Cache(stores)
    old, new = apply(
        stores,
        "PRESENCE_UPDATE",
        {"guild_id": 5, "user": {"id": 1000, "username": "new"}, "status": "idle"},
        0,
    ).data
    assert old.status == "online" and new.status == "idle"
    assert cache.get_user(1000).username == "new"  # type: ignore[union-attr]
    apply(stores, "PRESENCE_UPDATE", {"guild_id": 5, "user": {"id": 1000}, "status": "offline"}, 0)
    assert cache.get_presence(5, 1000) is None
    assert cache.get_user(1000).username == "new"  # type: ignore[union-attr]


def test_threads_follow_their_events() -> None:
    stores = Stores.in_memory()
    apply(stores, "GUILD_CREATE", guild(5), 0)
    thread = {"id": 70, "guild_id": 5, "parent_id": 51, "type": 11, "member_count": 1}
    apply(stores, "THREAD_CREATE", thread, 0)
    cache = Cache(stores)
    assert [t.id for t in cache.threads_of(5)] == [70]
    apply(stores, "THREAD_MEMBERS_UPDATE", {"id": 70, "guild_id": 5, "member_count": 4}, 0)
    assert cache.get_channel(70).member_count == 4  # type: ignore[union-attr]
    apply(stores, "THREAD_LIST_SYNC", {"guild_id": 5, "threads": [], "members": []}, 0)
    assert cache.threads_of(5) == [] and cache.get_channel(70) is None
    apply(stores, "THREAD_CREATE", thread, 0)
    apply(stores, "CHANNEL_DELETE", {"id": 51, "guild_id": 5, "type": 0}, 0)
    assert cache.get_channel(70) is None and cache.channels_of(5) == []


def test_voice_state_update_join_and_leave() -> None:
    stores = Stores.in_memory()
    join = {"guild_id": 5, "user_id": 1, "channel_id": 2, "session_id": "s"}
    first = apply(stores, "VOICE_STATE_UPDATE", join, 0).data
    assert first.old is None and first.new.channel_id == 2
    leave = apply(stores, "VOICE_STATE_UPDATE", {**join, "channel_id": None}, 0).data
    assert leave.old.channel_id == 2 and leave.new.channel_id is None
    assert Cache(stores).get_voice_state(5, 1) is None
