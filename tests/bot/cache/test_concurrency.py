"""Reads from many threads while the single writer writes: never a torn object, never raises."""

from __future__ import annotations

import threading
from typing import Any

from bot.cache import Cache, Stores, apply

READERS = 6
ROUNDS = 300
GUILDS = 3
USERS = 40


def guild(guild_id: int, round_: int) -> dict[str, Any]:
    # Every field of every object carries the round it was written in: a torn read would mix two.
    return {
        "id": guild_id,
        "name": f"r{round_}",
        "description": f"r{round_}",
        "roles": [{"id": guild_id, "name": f"r{round_}", "position": round_}],
        "channels": [
            {"id": guild_id * 100 + c, "name": f"r{round_}", "topic": f"r{round_}"}
            for c in range(3)
        ],
        "members": [
            {"user": {"id": u, "username": f"r{round_}"}, "nick": f"r{round_}", "roles": [round_]}
            for u in range(1, USERS)
        ],
    }


def check_member(member: Any) -> None:
    round_ = int(member.nick[1:])
    assert member.roles == (round_,)


def reader(
    cache: Cache, done: threading.Event, errors: list[BaseException], reads: list[int]
) -> None:
    count = 0
    try:
        while not done.is_set():
            for guild_id in range(1, GUILDS + 1):
                g = cache.get_guild(guild_id)
                if g is not None:
                    assert g.name == g.description
                    assert all(role.name == f"r{role.position}" for role in g.roles)
                for channel in cache.channels_of(guild_id):
                    assert channel.name == channel.topic
                for member in cache.members_of(guild_id):
                    check_member(member)
                member = cache.get_member(guild_id, 7)
                if member is not None:
                    check_member(member)
            for message in cache.messages():
                assert message.content == message.raw["nonce"]
            for g in cache.guilds():
                assert g.name == g.description
            count += 1
    except BaseException as exc:  # reported to the test thread
        errors.append(exc)
    finally:
        reads.append(count)


def test_readers_never_see_torn_objects_nor_raise() -> None:
    stores = Stores.in_memory()
    cache = Cache(stores)
    done = threading.Event()
    errors: list[BaseException] = []
    reads: list[int] = []
    threads = [
        threading.Thread(target=reader, args=(cache, done, errors, reads)) for _ in range(READERS)
    ]
    for thread in threads:
        thread.start()
    try:
        for round_ in range(ROUNDS):
            for guild_id in range(1, GUILDS + 1):
                apply(stores, "GUILD_CREATE", guild(guild_id, round_), 0)
                user = {"id": 7, "username": "x"}
                apply(
                    stores,
                    "GUILD_MEMBER_UPDATE",
                    {
                        "guild_id": guild_id,
                        "user": user,
                        "nick": f"r{round_ + 1}",
                        "roles": [round_ + 1],
                    },
                    0,
                )
                if round_ % 7 == 0:
                    apply(stores, "GUILD_DELETE", {"id": guild_id}, 0)
            text = f"m{round_}"
            apply(
                stores,
                "MESSAGE_CREATE",
                {"id": round_, "channel_id": 1, "content": text, "nonce": text},
                0,
            )
            apply(stores, "MESSAGE_UPDATE", {"id": round_ // 2, "content": "e", "nonce": "e"}, 0)
            if round_ % 3 == 0:
                apply(stores, "MESSAGE_DELETE", {"id": round_ // 3, "channel_id": 1}, 0)
    finally:
        done.set()
        for thread in threads:
            thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads)
    assert errors == []
    assert len(reads) == READERS and all(count > 0 for count in reads)
