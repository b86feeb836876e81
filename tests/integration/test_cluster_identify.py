"""IDENTIFY pacing across nodes, as separate processes: two `python -m bot run` nodes of 8 shards
each (16 in all, max_concurrency 8) against one `python -m bot simulate`, so every rate-limit
bucket has one shard on each node. The simulator records an IDENTIFY of a bucket within 5 s of
the last as a violation (`identify_concurrency`) and answers it INVALID_SESSION; its record is
read through its test-only route (`ClusterHarness.records`). With the cluster's shared windows
there is none, the two shards of a bucket identify at least 5 s apart, and every message of
every shard is handled (by number, so nothing lost). With `backend = "local"` the nodes pace
only themselves and the simulator records violations (checked by hand: docs/cluster.md)."""

from __future__ import annotations

from collections import defaultdict

import pytest

from bot.testing.cluster_harness import ClusterHarness
from bot.testing.redis_server import RedisServer

SHARDS, CONCURRENCY, WINDOW, MESSAGES = 16, 8, 5.0, 25

pytestmark = pytest.mark.timeout(120)


def test_two_node_processes_of_eight_shards_share_the_identify_windows(
    redis_server: RedisServer, redis_prefix: str
) -> None:
    with ClusterHarness(
        redis_server.url,
        redis_prefix,
        nodes=2,
        shards=SHARDS,
        messages=MESSAGES,
        max_concurrency=CONCURRENCY,
        static_shards=[(0, 7), (8, 15)],
    ) as cluster:
        report = cluster.wait_for_all(timeout=60)
        records = cluster.records()
    assert report.lost == 0, report
    assert report.events_delivered == report.events_sent == SHARDS * MESSAGES
    assert records["violations"] == []
    identifies = records["identifies"]
    assert sorted(i["shard"] for i in identifies) == list(range(SHARDS))
    assert records["resumes"] == []
    by_bucket: dict[int, list[float]] = defaultdict(list)
    for identify in identifies:
        by_bucket[identify["shard"] % CONCURRENCY].append(identify["at"])
    assert len(by_bucket) == CONCURRENCY
    for times in by_bucket.values():
        first, second = sorted(times)
        assert second - first >= WINDOW - 0.05
