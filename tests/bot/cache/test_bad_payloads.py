"""Bad payloads change nothing in the cache (all or nothing), are logged naming the event and
the shard, and still reach the consumers; the CacheActor never dies of one."""

from __future__ import annotations

import math
from typing import Any

import pykka
import pytest
import structlog

import supervisors
from actors.cache import cache_child_spec
from actors.messages import ApplyEvent
from bot.cache import Cache, CacheConfig, Stores, apply
from bot.cache.memory import BoundedDictStore
from bot.events import GUILD_AVAILABLE
from bot.gateway import JsonCodec
from bot.payloads import Channel, Guild, Member
from tests.bot.cache import invariants

WAIT = 10.0


def member(user_id: int, roles: list[Any] | None = None) -> dict[str, Any]:
    return {
        "user": {"id": user_id, "username": f"u{user_id}"},
        "roles": roles or [],
        "joined_at": "2020-01-01T00:00:00+00:00",
    }


def guild(guild_id: int, members: list[Any]) -> dict[str, Any]:
    return {
        "id": guild_id,
        "name": "g",
        "roles": [{"id": guild_id, "name": "@everyone"}],
        "channels": [{"id": guild_id * 10, "type": 0, "name": "general"}],
        "members": members,
    }


@pytest.fixture
def stores() -> Stores:
    stores = Stores.in_memory(CacheConfig(message_limit=3))
    apply(stores, "READY", {"user": {"id": 1, "username": "bot"}, "guilds": [{"id": 7}]}, 0)
    apply(stores, "GUILD_CREATE", guild(5, [member(100), member(101)]), 0)
    for message_id in (1, 2, 3):
        apply(stores, "MESSAGE_CREATE", {"id": message_id, "channel_id": 50, "guild_id": 5}, 0)
    invariants.check(stores)
    return stores


def rejected(stores: Stores, name: str, data: Any, shard_id: int = 3) -> tuple[str, Any]:
    """Applies a bad event; asserts it changed nothing and was logged once; what consumers get."""
    before = invariants.snapshot(stores)
    with structlog.testing.capture_logs() as logs:
        result = apply(stores, name, data, shard_id)
    assert invariants.snapshot(stores) == before
    invariants.check(stores)
    (entry,) = [e for e in logs if e["event"] == "cache.payload_rejected"]
    assert entry["event_name"] == name and entry["shard"] == shard_id and entry["passed_on"]
    return result


@pytest.mark.parametrize("role", [2**64, 2**70, -1, math.inf, "1e400", None, [1]])
def test_member_add_with_a_role_id_that_is_no_snowflake(stores: Stores, role: Any) -> None:
    name, data = rejected(stores, "GUILD_MEMBER_ADD", {**member(102, [5, role]), "guild_id": 5})
    assert name == "GUILD_MEMBER_ADD" and isinstance(data, Member) and data.id == 102
    assert Cache(stores).get_member(5, 102) is None


def test_channel_create_with_id_1e400_from_a_json_frame(stores: Stores) -> None:
    frame = b'{"op":0,"s":9,"t":"CHANNEL_CREATE","d":{"id":1e400,"guild_id":5,"type":0}}'
    payload = JsonCodec().decode(frame)  # orjson refuses it; the stdlib fallback gives inf
    assert payload["d"]["id"] == math.inf
    name, data = rejected(stores, "CHANNEL_CREATE", payload["d"])
    assert name == "CHANNEL_CREATE" and isinstance(data, Channel)


def test_guild_create_with_garbage_members_is_all_or_nothing_and_well_named(
    stores: Stores,
) -> None:
    # guild 7 is unavailable since READY: its GUILD_CREATE is GUILD_AVAILABLE, bad or not
    bad = guild(7, [member(200), 42, {"user": []}, member(201)])
    name, data = rejected(stores, "GUILD_CREATE", bad)
    assert name == GUILD_AVAILABLE and isinstance(data, Guild) and data.id == 7
    cache = Cache(stores)
    assert cache.is_unavailable(7) and cache.get_guild(7) is None
    assert cache.get_user(200) is None and cache.member_ids(7) == []
    # a GUILD_CREATE that replaces a cached guild is undone whole: the old guild is back
    name, _ = rejected(stores, "GUILD_CREATE", guild(5, [member(300), {"user": {"id": 2**64}}]))
    assert name == "GUILD_CREATE"
    assert sorted(cache.member_ids(5)) == [100, 101] and cache.get_user(300) is None


@pytest.mark.parametrize(
    "user_id",
    ["", "18446744073709551616", "99999999999999999999", "-5", "+5", " 5", "5_0", "\uff15", "1e3"],
)
def test_guild_create_with_a_member_user_id_string_that_is_no_snowflake(
    stores: Stores, user_id: str
) -> None:
    # add_members reads a string of up to 19 ASCII digits without `ids.key`: the others,
    # unicode digits (isdigit but not isascii) and 20 digits past 2**64 - 1, still go to it
    name, _ = rejected(stores, "GUILD_CREATE", guild(5, [member(300), {"user": {"id": user_id}}]))
    assert name == "GUILD_CREATE"
    assert sorted(Cache(stores).member_ids(5)) == [100, 101]


@pytest.mark.parametrize("user_id", ["7", "1191210857267200000", "18446744073709551615"])
def test_guild_create_takes_member_user_id_strings_of_1_to_20_digits(
    stores: Stores, user_id: str
) -> None:
    apply(stores, "GUILD_CREATE", guild(5, [{**member(0), "user": {"id": user_id}}]), 0)
    assert Cache(stores).member_ids(5) == [int(user_id)]
    assert Cache(stores).get_user(int(user_id)) is not None
    invariants.check(stores)


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("GUILD_DELETE", {"id": math.nan}),
        ("GUILD_ROLE_CREATE", {"guild_id": 5, "role": {"id": None}}),
        ("MESSAGE_CREATE", {"id": 4, "channel_id": 50, "guild_id": "5x"}),  # would evict 1
        ("MESSAGE_DELETE_BULK", {"ids": [1, 2, 2**64], "channel_id": 50}),
        ("CHANNEL_DELETE", {"id": 50, "guild_id": 5, "type": []}),
        ("THREAD_LIST_SYNC", {"guild_id": 5, "threads": [{"id": 60, "type": 11}, {"id": -1}]}),
        ("CHANNEL_UPDATE", {"id": 50, "guild_id": 5, "type": {"x": 1}}),
        ("PRESENCE_UPDATE", {"user": {"id": 100}, "guild_id": 5, "activities": [2**70]}),
        ("USER_UPDATE", {"id": 1, "username": "bot", "extra": 2**65}),
    ],
)
def test_other_bad_payloads_change_nothing(stores: Stores, name: str, data: Any) -> None:
    got, _ = rejected(stores, name, data)
    assert got == name


def test_a_burst_of_bad_payloads_never_restarts_the_cache_actor() -> None:
    stores = Stores.in_memory()
    names = supervisors.Names()
    root = supervisors.Supervisor.start([cache_child_spec(stores)], names=names, intensity=3)
    try:
        cache: pykka.ActorRef[Any] = names.get("cache", timeout=WAIT)
        bad = [
            ("GUILD_MEMBER_ADD", {**member(9, [2**64]), "guild_id": 1}),
            ("CHANNEL_CREATE", {"id": math.inf, "guild_id": 1, "type": 0}),
            ("GUILD_CREATE", guild(1, [member(9), "garbage"])),
        ]
        for index in range(30):  # ten times past the intensity, as fast as it goes
            name, data = bad[index % len(bad)]
            reply = cache.ask(ApplyEvent(name, data, 0), timeout=WAIT)
            assert reply.name in (name, "GUILD_CREATE")
        assert names.get("cache", timeout=WAIT) is cache and cache.is_alive()
        good = cache.ask(ApplyEvent("GUILD_CREATE", guild(1, [member(9)]), 0), timeout=WAIT)
        assert good.name == "GUILD_CREATE" and Cache(stores).member_ids(1) == [9]
    finally:
        root.stop(timeout=WAIT)


def test_rollback_restores_the_message_order_after_an_eviction(stores: Stores) -> None:
    # MESSAGE_DELETE_BULK's bad third id and MESSAGE_CREATE's bad guild id are refused before
    # anything is popped or evicted
    rejected(stores, "MESSAGE_DELETE_BULK", {"ids": [3, 1, "bad"], "channel_id": 50})
    rejected(stores, "MESSAGE_CREATE", {"id": 4, "channel_id": 50, "guild_id": [5]})
    assert [m.id for m in Cache(stores).messages()] == [1, 2, 3]
    apply(stores, "MESSAGE_CREATE", {"id": 4, "channel_id": 50}, 0)
    assert [m.id for m in Cache(stores).messages()] == [2, 3, 4]  # 1 was still the oldest


def test_message_events_never_copy_a_full_store(
    stores: Stores, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the undo of a journaled write to a full bounded store is a copy of all of it: O(limit) per
    # message; message events refuse before writing and must not take that path
    def copied(self: BoundedDictStore[Any]) -> dict[int, Any]:
        raise AssertionError("the whole message store was copied")

    monkeypatch.setattr(BoundedDictStore, "snapshot", copied)
    assert len(Cache(stores).messages()) == stores.config.message_limit  # full
    apply(stores, "MESSAGE_CREATE", {"id": 4, "channel_id": 50}, 0)
    apply(stores, "MESSAGE_UPDATE", {"id": 5, "channel_id": 50, "author": {"id": 9}}, 0)
    apply(stores, "MESSAGE_UPDATE", {"id": 4, "content": "edited"}, 0)
    apply(stores, "MESSAGE_DELETE", {"id": 2, "channel_id": 50}, 0)
    apply(stores, "MESSAGE_DELETE_BULK", {"ids": [3, 99], "channel_id": 50}, 0)
    rejected(stores, "MESSAGE_DELETE_BULK", {"ids": [4, "bad"], "channel_id": 50})
    rejected(stores, "MESSAGE_CREATE", {"id": 6, "channel_id": [50]})
    assert [(m.id, m.raw.get("content")) for m in Cache(stores).messages()] == [
        (4, "edited"),
        (5, None),
    ]


def test_good_events_are_kept(stores: Stores) -> None:
    with structlog.testing.capture_logs() as logs:
        apply(stores, "GUILD_MEMBER_ADD", {**member(102, [5]), "guild_id": 5}, 0)
        apply(stores, "GUILD_CREATE", guild(7, [member(100), member(100)]), 0)  # twice: once
    assert not [e for e in logs if e["event"] == "cache.payload_rejected"]
    cache = Cache(stores)
    assert cache.get_member(5, 102) is not None and cache.member_ids(7) == [100]
    invariants.check(stores)
