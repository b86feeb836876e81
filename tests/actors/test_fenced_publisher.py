"""`FencedPublisher` against a real Redis: queued events of leased shards go out in batches, in
order, under the lease; a fenced shard's events are dropped and the keeper told."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import redis

from actors.fenced_publisher import FencedPublisher, LeaseTable
from bot.cluster import Keys, ShardLeases
from bot.cluster.codec import parse_entry
from bot.events import Event, ShardInfo


def event(number: int) -> Event:
    return Event("MESSAGE_CREATE", {"id": number}, ShardInfo(0))


@pytest.fixture
def parts(
    redis_client: redis.Redis, redis_prefix: str
) -> Iterator[tuple[ShardLeases, LeaseTable, FencedPublisher, list[int]]]:
    leases = ShardLeases(redis_client, Keys(redis_prefix), "a", 5.0, maxlen=10_000)
    table = LeaseTable()
    fenced: list[int] = []
    publisher = FencedPublisher(leases, table, fenced.append, max_batch=50, max_pending=100)
    yield leases, table, publisher, fenced
    publisher.close()


def test_queued_events_go_out_in_order_in_batches(
    parts: tuple[ShardLeases, LeaseTable, FencedPublisher, list[int]],
    redis_client: redis.Redis,
) -> None:
    leases, table, publisher, fenced = parts
    for shard in (0, 1):
        lease = leases.acquire(shard)
        assert lease is not None
        table.put(lease)
    for number in range(1, 301):
        assert publisher.put(number % 2, "consumers", event(number), number)
    assert publisher.flush(timeout=10)
    entries = [parse_entry(f) for _, f in redis_client.xrange(leases.keys.stream("consumers"))]
    for shard in (0, 1):
        seqs = [e.seq for e in entries if e.shard == shard]
        assert seqs == list(range(2 - shard, 301, 2))  # all of them, in order, once
        assert leases.load_checkpoint(shard).seq == 300 - shard
    assert fenced == []


def test_a_fenced_shard_is_reported_and_its_events_dropped(
    parts: tuple[ShardLeases, LeaseTable, FencedPublisher, list[int]],
    redis_client: redis.Redis,
) -> None:
    leases, table, publisher, fenced = parts
    lease = leases.acquire(3)
    assert lease is not None
    table.put(lease)
    redis_client.set(leases.keys.lease(3), f"b {lease.epoch + 1}")  # another node took it
    for number in range(1, 11):
        publisher.put(3, "consumers", event(number), number)
    assert publisher.flush(timeout=10)
    assert fenced and set(fenced) == {3}
    assert redis_client.xlen(leases.keys.stream("consumers")) == 0
    publisher.close()
    assert publisher.put(3, "consumers", event(11), 11) is False  # closed
