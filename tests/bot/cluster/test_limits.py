"""Identify pacing and REST limits shared by nodes, against a real Redis."""

from __future__ import annotations

import redis

from bot.cluster import ClusterIdentify, ClusterRestLimits, Keys
from bot.cluster.rest_limits import PROBE_POLL_MS, SELF_STARTED_MARGIN_MS


def test_one_identify_per_bucket_per_window_across_nodes(
    redis_client: redis.Redis, redis_prefix: str
) -> None:
    keys = Keys(redis_prefix)
    a, b = ClusterIdentify(redis_client, keys, "a"), ClusterIdentify(redis_client, keys, "b")
    a.seed(remaining=3, reset_after=86400)
    b.seed(remaining=1000, reset_after=86400)  # the first seed wins
    first = a.try_identify(0, max_concurrency=2)
    assert first.granted and first.remaining == 2
    held = b.try_identify(2, max_concurrency=2)  # 2 % 2 == 0: the same bucket, held
    assert not held.granted and 4.0 < held.wait <= 5.25
    assert b.try_identify(1, max_concurrency=2).granted  # bucket 1 is free
    redis_client.delete(keys.identify_window(0), keys.identify_window(1))
    assert a.try_identify(0, max_concurrency=2).remaining == 0
    redis_client.delete(keys.identify_window(0))
    assert a.try_identify(0, max_concurrency=2).exhausted


def test_two_nodes_share_a_rest_bucket_and_the_global_pause(
    redis_client: redis.Redis, redis_prefix: str
) -> None:
    now = [1_000_000]
    keys = Keys(redis_prefix)
    a = ClusterRestLimits(redis_client, keys, 50, clock_ms=lambda: now[0])
    b = ClusterRestLimits(redis_client, keys, 50, clock_ms=lambda: now[0])
    assert a.take("channel:1") == 0  # unknown bucket: one request goes to learn it
    assert 0 < b.take("channel:1") <= PROBE_POLL_MS / 1000  # the others wait for its answer
    a.update("channel:1", remaining=2, reset_after=1.5)
    b.update("channel:1", remaining=4, reset_after=1.5)  # an older answer: remaining stays 2
    assert a.take("channel:1") == 0 and b.take("channel:1") == 0
    assert a.take("channel:1") == 1.5 and b.take("channel:1") == 1.5  # nobody gets a 429
    now[0] += 1500
    assert b.take("channel:1") == 0  # reset
    a.pause_global(2.0)
    assert b.take_global() == 2.0
    now[0] += 2000
    assert b.take_global() == 0


def test_the_global_limit_counts_every_node(redis_client: redis.Redis, redis_prefix: str) -> None:
    now = [5_000_000]
    keys = Keys(redis_prefix)
    nodes = [ClusterRestLimits(redis_client, keys, 3, clock_ms=lambda: now[0]) for _ in range(2)]
    answers = [nodes[i % 2].take_global() for i in range(4)]
    assert answers[:3] == [0, 0, 0] and answers[3] == 1.0
    now[0] += 1000
    assert nodes[1].take_global() == 0


def test_a_window_the_cluster_starts_itself_lasts_a_margin_longer(
    redis_client: redis.Redis, redis_prefix: str
) -> None:
    now = [2_000_000]
    limits = ClusterRestLimits(redis_client, Keys(redis_prefix), 50, clock_ms=lambda: now[0])
    limits.update("channel:2", remaining=0, reset_after=1.0, limit=2)
    now[0] += 1000  # Discord's window ended: the cluster starts the next one on its own
    assert limits.take("channel:2") == 0 and limits.take("channel:2") == 0
    # Discord's next window began when that request arrived, a little later: no third request
    # at `now + window` already, only once the margin has passed too.
    now[0] += 1000
    assert limits.take("channel:2") == SELF_STARTED_MARGIN_MS / 1000
    now[0] += SELF_STARTED_MARGIN_MS
    assert limits.take("channel:2") == 0
