"""`[cluster]`: the backend, the node name, shard leases and broadcast consumers, validated."""

from __future__ import annotations

import os
import socket
from typing import Any

import pytest

from tests.bot.config_helpers import GOOD, error_of, load


def test_defaults_are_one_local_process() -> None:
    cluster = load({}).cluster
    assert cluster.backend == "local" and cluster.shards == "static"
    assert cluster.node_name == f"{socket.gethostname()}-{os.getpid()}"


def test_a_redis_cluster_with_leases_and_a_broadcast_consumer() -> None:
    config = load(
        {
            "bot": {"consumers": [GOOD]},
            "cluster": {
                "backend": "redis",
                "node": "node-a",
                "shards": "leases",
                "broadcast": [GOOD],
                "key_prefix": "mybot",
            },
        }
    )
    cluster = config.cluster
    assert (cluster.node_name, cluster.shards, cluster.broadcast) == ("node-a", "leases", (GOOD,))
    assert load(config.to_dict()) == config


@pytest.mark.parametrize(
    ("cluster", "key", "expected", "got"),
    [
        ({"backend": "etcd"}, "cluster.backend", 'one of "local", "redis"', '"etcd"'),
        ({"shards": "leases"}, "cluster.shards", 'backend = "redis"', '"leases"'),
        ({"shards": 3}, "cluster.shards", 'one of "static", "leases"', "3"),
        ({"node": "a b"}, "cluster.node", "letters, digits", '"a b"'),
        ({"key_prefix": ""}, "cluster.key_prefix", "letters, digits", '""'),
        ({"broadcast": ["x.y:Z"]}, "cluster.broadcast[0]", "listed in bot.consumers", '"x.y:Z"'),
        ({"lease_ttl": 0.5}, "cluster.lease_ttl", "from 1 to 60", "0.5"),
        ({"max_deliveries": 0}, "cluster.max_deliveries", "from 1 to 1000", "0"),
    ],
)
def test_errors_name_the_key(cluster: dict[str, Any], key: str, expected: str, got: str) -> None:
    error = error_of({"bot": {"consumers": [GOOD]}, "cluster": cluster})
    assert error.key == key
    assert expected in error.expected
    assert error.got == got
