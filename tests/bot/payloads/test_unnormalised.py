"""`Payload.unnormalised`: a MESSAGE_CREATE as the reader leaves it (snowflakes still digit
strings) reads the same as the normalised payload, and is normalised only when something reads
more than its ids and scalars."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import orjson
import pytest

from bot.cache import Cache, CacheConfig, Stores, apply
from bot.gateway import EtfCodec, JsonCodec
from bot.gateway.normalise import LAZY_EVENTS, normalise_json
from bot.payloads import Message
from tests.bot.gateway.corpus import payload_files

JSON = JsonCodec()
WAIT = 10.0


def _message_frames() -> list[Path]:
    return [
        path
        for path in payload_files()
        if path.name.endswith(".frame.json") and b'"MESSAGE_CREATE"' in path.read_bytes()
    ]


FRAMES = _message_frames()


def _parsed() -> dict[str, Any]:
    return {
        "id": "1191588344627200007",
        "channel_id": "1191189885747200000",
        "guild_id": "1191168918421504000",
        "content": "hello 123",
        "nonce": "7",
        "author": {"id": "1191210857296560128", "username": "u"},
        "member": {"roles": ["11", "12"], "nick": None},
        "mentions": [{"id": "13", "username": "m"}],
        "mention_roles": ["14"],
    }


def test_the_corpus_has_message_creates() -> None:
    assert len(FRAMES) >= 2


@pytest.mark.parametrize("path", FRAMES, ids=[path.name for path in FRAMES])
def test_a_reader_leaves_the_message_as_parsed_and_its_payload_equals_the_normalised_one(
    path: Path,
) -> None:
    frame = path.read_bytes()
    eager = JSON.decode(frame)
    assert eager["t"] == "MESSAGE_CREATE"
    lazy = JSON.decode_dispatch(frame)
    assert lazy["d"] == orjson.loads(frame)["d"]  # untouched
    assert {k: v for k, v in lazy.items() if k != "d"} == {
        k: v for k, v in eager.items() if k != "d"
    }
    message = Message.unnormalised(lazy["d"])
    assert message.id == Message(eager["d"]).id
    assert message.raw == eager["d"]
    assert message == Message(eager["d"])


def test_other_dispatches_and_etf_are_normalised_whole() -> None:
    frame = orjson.dumps({"op": 0, "s": 1, "t": "MESSAGE_UPDATE", "d": {"id": "5"}})
    assert JSON.decode_dispatch(frame)["d"] == {"id": 5}
    assert "MESSAGE_UPDATE" not in LAZY_EVENTS
    etf = EtfCodec()
    blob = etf.encode_as_discord({"op": 0, "s": 1, "t": "MESSAGE_CREATE", "d": {"id": "5"}})
    assert etf.decode_dispatch(blob)["d"] == {"id": 5}


def test_ids_and_scalars_are_read_without_normalising() -> None:
    data = _parsed()
    message = Message.unnormalised(data)
    assert message.id == 1191588344627200007 and message.guild_id == 1191168918421504000
    assert message.content == "hello 123" and message.nonce == "7"
    assert data["id"] == "1191588344627200007"  # still as parsed: nothing walked it


@pytest.mark.parametrize(
    "read",
    [
        lambda m: m.raw,
        lambda m: m.author,
        lambda m: m.mentions,
        lambda m: m.member,
        lambda m: m.to_dict(),
        lambda m: m.get("id"),
        lambda m: m.mention_roles,
        lambda m: hash(m),
        lambda m: m == Message({}),
    ],
    ids=["raw", "nested", "nested list", "member", "to_dict", "get", "id list", "hash", "eq"],
)
def test_anything_else_normalises_it_first(read: Any) -> None:
    data = _parsed()
    message = Message.unnormalised(data)
    read(message)
    assert data == normalise_json(_parsed())
    assert message.author is not None and message.author.raw["id"] == 1191210857296560128
    assert message.raw["member"]["roles"] == [11, 12]


def test_the_cache_keeps_it_as_parsed_and_gives_it_back_normalised() -> None:
    stores = Stores.in_memory(CacheConfig())
    applied = apply(stores, "MESSAGE_CREATE", _parsed(), 0)
    assert applied.data.content == "hello 123"
    cached = Cache(stores).get_message(1191588344627200007)
    assert cached is not None and cached.raw == normalise_json(_parsed())
    assert cached.author is not None and cached.author.id == 1191210857296560128


def test_threads_reading_raw_at_once_all_see_it_normalised() -> None:
    # Many handlers share one event's payload: the first `raw` normalises in place, the others
    # wait for it and never see a half-normalised mapping.
    for _ in range(50):
        data = _parsed()
        data["mentions"] = [{"id": str(n), "username": "m"} for n in range(200)]
        message = Message.unnormalised(data)
        start = threading.Barrier(4)
        seen: list[Any] = []

        def read(
            message: Message = message, start: threading.Barrier = start, seen: list[Any] = seen
        ) -> None:
            start.wait(WAIT)
            seen.append([mention["id"] for mention in message.raw["mentions"]])

        threads = [threading.Thread(target=read) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(WAIT)
        assert seen == [list(range(200))] * 4


def _guild_frames() -> list[Path]:
    return [
        path
        for path in payload_files()
        if path.name.startswith("GUILD_CREATE--") and path.name.endswith(".frame.json")
    ]


GUILD_FRAMES = _guild_frames()


def _cached(stores: Stores) -> dict[str, Any]:
    """Everything the cache's read API gives, as plain data."""
    cache = Cache(stores)
    seen: dict[str, Any] = {}
    for guild_id in sorted(cache.guild_ids()) + sorted(cache.unavailable_guilds()):
        guild = cache.get_guild(guild_id)
        seen[f"guild {guild_id}"] = None if guild is None else guild.raw
        seen[f"channels {guild_id}"] = [c.raw for c in cache.channels_of(guild_id)]
        seen[f"threads {guild_id}"] = [c.raw for c in cache.threads_of(guild_id)]
        seen[f"roles {guild_id}"] = [r.raw for r in cache.roles_of(guild_id)]
        seen[f"emojis {guild_id}"] = [e.raw for e in cache.emojis_of(guild_id)]
        seen[f"stickers {guild_id}"] = [s.raw for s in cache.stickers_of(guild_id)]
        seen[f"members {guild_id}"] = [m.raw for m in cache.members_of(guild_id)]
        seen[f"presences {guild_id}"] = [p.raw for p in cache.presences_of(guild_id)]
        seen[f"voice {guild_id}"] = [v.raw for v in cache.voice_states_of(guild_id)]
        for member in cache.members_of(guild_id):
            user = cache.get_user(member.user.id) if member.user is not None else None
            seen[f"user {member.raw['user']['id']}"] = None if user is None else user.raw
    return seen


def test_the_corpus_has_guild_creates() -> None:
    assert len(GUILD_FRAMES) >= 5


@pytest.mark.parametrize("path", GUILD_FRAMES, ids=[path.name for path in GUILD_FRAMES])
def test_a_guild_create_left_as_parsed_caches_and_reads_as_the_normalised_one(path: Path) -> None:
    frame = path.read_bytes()
    eager, lazy = JSON.decode(frame), JSON.decode_dispatch(frame)
    assert lazy["t"] == "GUILD_CREATE" and lazy["d"] == orjson.loads(frame)["d"]
    stores = {kind: Stores.in_memory(CacheConfig()) for kind in ("eager", "lazy")}
    given = {
        "eager": apply(stores["eager"], "GUILD_CREATE", eager["d"], 0),
        "lazy": apply(stores["lazy"], "GUILD_CREATE", lazy["d"], 0),
    }
    assert _cached(stores["lazy"]) == _cached(stores["eager"])
    assert given["lazy"].name == given["eager"].name
    assert given["lazy"].data == given["eager"].data  # the consumer's payload, normalised
    assert given["lazy"].data.raw == normalise_json(orjson.loads(frame)["d"])


def test_what_the_member_records_keep_of_unknown_fields_is_normalised() -> None:
    stores = Stores.in_memory(CacheConfig())
    member = {
        "user": {"id": "9", "username": "u", "primary_guild": {"identity_guild_id": "5"}},
        "roles": ["11"],
        "joined_at": "2024-01-01T00:00:00+00:00",
        "avatar_decoration_data": {"sku_id": "77", "asset": "a_1"},
    }
    data = {"id": "1", "name": "g", "members": [member], "roles": [{"id": "11", "name": "r"}]}
    apply(stores, "GUILD_CREATE", data, 0)
    cached = Cache(stores).get_member(1, 9)
    assert cached is not None and cached.raw["avatar_decoration_data"] == {
        "sku_id": 77,
        "asset": "a_1",
    }
    assert cached.raw["roles"] == [11] and cached.raw["user"]["primary_guild"] == {
        "identity_guild_id": 5
    }


def _nested(levels: int) -> str:
    """JSON nested `levels` times over (a dict in a list in a dict...), ids at the bottom."""
    inner = '{"id": "5", "role_ids": ["6"]}'
    for _ in range(levels):
        inner = '{"embeds": [' + inner + "]}"
    return inner


def _leaf(node: Any) -> Any:
    """The bottom of `_nested` (walked without recursion: `==` on it would overflow)."""
    while True:
        for key in ("embeds", "x", "channels"):
            if isinstance(node, dict) and key in node:
                node = node[key][0]
                break
        else:
            return node


@pytest.mark.parametrize("levels", [10, 505])  # 505 x 2: past Python's stack, inside orjson's
def test_hostile_nesting_is_normalised_wherever_it_is_read(levels: int) -> None:
    # A reader that leaves MESSAGE_CREATE and GUILD_CREATE as parsed must not leave a payload
    # that fails in the cache or in every handler that reads it (RecursionError, before), and
    # the eager decode takes it too (DecodeError, before: the frame was dropped).
    deep = _nested(levels)
    frames = {
        "MESSAGE_CREATE": '{"id": "5", "channel_id": "6", "content": "x", "embeds": [DEEP]}',
        "GUILD_CREATE": '{"id": "7", "channels": [{"id": "8", "type": 0, "x": [DEEP]}]}',
    }
    for name, shape in frames.items():
        data = shape.replace("DEEP", deep)
        frame = f'{{"op": 0, "s": 1, "t": "{name}", "d": {data}}}'.encode()
        assert _leaf(JSON.decode(frame)["d"]) == {"id": 5, "role_ids": [6]}
        stores = Stores.in_memory(CacheConfig())
        applied = apply(stores, name, JSON.decode_dispatch(frame)["d"], 0)
        assert applied.name == name and _leaf(applied.data.raw) == {"id": 5, "role_ids": [6]}
        cache = Cache(stores)
        cached = cache.get_message(5) if name == "MESSAGE_CREATE" else cache.get_channel(8)
        assert cached is not None and cached.id in (5, 8)
        assert _leaf(cached.raw) == {"id": 5, "role_ids": [6]}
