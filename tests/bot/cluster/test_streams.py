"""Events on Redis Streams against a real Redis: publish, read, ack after the handler, claim a
dead consumer's entries (delivery count grows), dead letters, the trim reported."""

from __future__ import annotations

from typing import Any

import redis

from bot.cluster import EventPublisher, GroupReader, Keys, decode_data, encode_data
from bot.events import Update
from bot.payloads import Guild, Message, Payload, Role

GROUP = "consumers"


def reader(client: redis.Redis, keys: Keys, consumer: str, **options: Any) -> GroupReader:
    # min_idle 0: an unacknowledged entry may be claimed at once (no waiting in the test).
    settings: dict[str, Any] = {"min_idle": 0, "max_deliveries": 3, "maxlen": 1000}
    settings.update(options)
    redis_group = settings.pop("redis_group", "shared:test")
    return GroupReader(client, keys, GROUP, redis_group, consumer, **settings)


def test_codec_keeps_payload_types_updates_and_tuples() -> None:
    new = Guild({"id": 1, "name": "new"})
    for data in (
        Message({"id": 5, "content": "hi", "author": {"id": 2}}),
        Update(None, new),
        Update(Guild({"id": 1, "name": "old"}), new),
        Update((Role({"id": 3}),), (Role({"id": 3}), Role({"id": 4}))),
        {"raw": [1, 2, {"x": None}]},
        None,
    ):
        back = decode_data(encode_data(data))
        assert back == data and type(back) is type(data)
    assert isinstance(decode_data(encode_data(Update(None, new))).new, Guild)
    big = Payload({"id": 2**63 + 5})
    assert decode_data(encode_data(big)).raw["id"] == 2**63 + 5


def test_shared_group_hands_each_event_to_one_reader_and_ack_empties_pending(
    redis_client: redis.Redis, redis_prefix: str
) -> None:
    keys = Keys(redis_prefix)
    a, b = reader(redis_client, keys, "a"), reader(redis_client, keys, "b")
    assert a.ensure_group() is True and b.ensure_group() is False
    publisher = EventPublisher(redis_client, keys, "node-x", maxlen=1000)
    for seq in range(1, 11):
        publisher.publish(GROUP, "MESSAGE_CREATE", Message({"id": seq}), 0, seq)
    got_a, got_b = a.read(4, 0.1), b.read(100, 0.1)
    seqs = sorted(d.entry.seq for d in got_a + got_b if d.entry is not None)
    assert seqs == list(range(1, 11)) and len(got_a) == 4
    first = got_a[0]
    assert first.entry is not None and first.entry.node == "node-x"
    assert isinstance(first.entry.data, Message) and not first.redelivered
    a.ack(*(d.id for d in got_a))
    b.ack(*(d.id for d in got_b))
    assert a.lag().pending == 0


def test_a_dead_readers_entries_are_claimed_redelivered_then_dead_lettered(
    redis_client: redis.Redis, redis_prefix: str
) -> None:
    keys = Keys(redis_prefix)
    dead, live = reader(redis_client, keys, "dead"), reader(redis_client, keys, "live")
    dead.ensure_group()
    EventPublisher(redis_client, keys, "n", maxlen=1000).publish(GROUP, "X", {"v": 1}, 0, 7)
    (taken,) = dead.read(10, 0.1)  # never acknowledged: its node died
    assert live.read(10, 0.05) == []
    claimed = live.claim()
    assert [c.id for c in claimed] == [taken.id]
    assert claimed[0].deliveries == 2 and claimed[0].redelivered
    # Delivered past max_deliveries (3): the next claim moves it to the dead letters.
    assert [c.deliveries for c in live.claim()] == [3]
    assert live.claim() == []  # the 4th delivery is past max_deliveries
    (dead_entry,) = redis_client.xrange(keys.dead_letters(GROUP))
    fields = dead_entry[1]
    assert fields[b"origin_id"].decode() == taken.id and int(fields[b"deliveries"]) == 4
    assert fields[b"reason"] == b"max_deliveries" and int(fields[b"seq"]) == 7
    assert live.lag().pending == 0


def test_a_group_behind_the_trim_is_reported(redis_client: redis.Redis, redis_prefix: str) -> None:
    keys = Keys(redis_prefix)
    slow = reader(redis_client, keys, "slow", redis_group="bcast:slow")
    slow.ensure_group()
    publisher = EventPublisher(redis_client, keys, "n", maxlen=1000)
    publisher.publish(GROUP, "X", 0, 0, 0)
    slow.read(1, 0.05)
    for seq in range(1, 3001):  # far past maxlen: the trim overtakes the slow group
        publisher.publish(GROUP, "X", seq, 0, seq)
    lag = slow.lag()
    assert lag.behind_trim
    assert redis_client.xlen(keys.stream(GROUP)) < 3000
