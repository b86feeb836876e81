"""The shards' connect gate with shard leases (`ClusterRuntime.may_connect`): a shard connects
(and so IDENTIFYs or RESUMEs) only while its node's lease holds, checked on the node's clock and
in Redis; refused, the keeper is told to drop the shard."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
import redis

from actors.lease_keeper import ShardFenced
from bot.app.cluster import ClusterRuntime, cluster_connect_gate, cluster_runtime
from bot.config import load_config
from bot.testing.redis_server import RedisServer


class Keeper:
    def __init__(self) -> None:
        self.told: list[Any] = []

    def tell(self, message: Any) -> None:
        self.told.append(message)


@pytest.fixture
def runtime(redis_server: RedisServer, redis_prefix: str) -> Iterator[ClusterRuntime]:
    config = load_config(
        {
            "cluster": {
                "backend": "redis",
                "redis_url": redis_server.url,
                "key_prefix": redis_prefix,
                "shards": "leases",
                "node": "a",
            }
        },
        env={"DISCORD_TOKEN": "x.y.z"},
    )
    cluster = cluster_runtime(config, [])
    assert cluster is not None
    cluster.keeper = Keeper()
    yield cluster
    cluster.close()


def test_a_held_lease_lets_the_shard_connect(runtime: ClusterRuntime) -> None:
    lease = runtime.leases.acquire(2)
    assert lease is not None
    runtime.table.put(lease)
    assert cluster_connect_gate(runtime) == runtime.may_connect
    assert runtime.may_connect(2) is True
    assert runtime.keeper.told == []


def test_a_lease_past_its_stop_time_is_refused_without_asking_redis(
    runtime: ClusterRuntime,
) -> None:
    lease = runtime.leases.acquire(2)
    assert lease is not None
    runtime.table.put(replace(lease, renewed_at=lease.renewed_at - 60))  # paused a minute
    assert runtime.may_connect(2) is False
    assert [m.shard for m in runtime.keeper.told if isinstance(m, ShardFenced)] == [2]


def test_a_lease_another_node_took_is_refused(
    runtime: ClusterRuntime, redis_client: redis.Redis
) -> None:
    lease = runtime.leases.acquire(1)
    assert lease is not None
    runtime.table.put(lease)
    redis_client.set(runtime.keys.lease(1), f"b {lease.epoch + 1}")  # the successor's lease
    assert runtime.may_connect(1) is False
    assert runtime.may_connect(3) is False  # no lease at all
    assert [m.shard for m in runtime.keeper.told] == [1, 3]


def test_static_shards_have_no_gate(redis_server: RedisServer, redis_prefix: str) -> None:
    config = load_config(
        {"cluster": {"backend": "redis", "redis_url": redis_server.url, "key_prefix": "p"}},
        env={"DISCORD_TOKEN": "x.y.z"},
    )
    cluster = cluster_runtime(config, [])
    assert cluster is not None
    try:
        assert cluster_connect_gate(cluster) is None
        assert cluster.may_connect(0) is True
    finally:
        cluster.close()
    assert cluster_connect_gate(None) is None
