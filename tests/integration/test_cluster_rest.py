"""REST limits across nodes, as separate processes: two `python -m bot run` nodes (backend =
"redis") against one `python -m bot simulate` send to one channel at once (the consumer
`tests.integration.cluster_sender:Sender`, started in step through a barrier in Redis). The
simulator's bucket allows 5 per second; each node alone would learn it only from its own
answers, and together they would overrun it. With the cluster's shared bucket the simulator's
record (read through its test-only route) has no 429 and no violation, and every message was
sent exactly once (counted per node). With `backend = "local"` the simulator serves 429s
(checked by hand: docs/cluster.md)."""

from __future__ import annotations

import pytest
import redis

from bot.testing.cluster_harness import ClusterHarness
from bot.testing.gateway_world import World
from bot.testing.redis_server import RedisServer

PER_NODE, NODES, SHARDS = 12, 2, 2
SENDER = "tests.integration.cluster_sender:Sender"

pytestmark = pytest.mark.timeout(120)


def test_two_node_processes_on_one_rest_bucket_cause_no_429(
    redis_server: RedisServer, redis_prefix: str, redis_client: redis.Redis
) -> None:
    key = f"{redis_prefix}:sender"
    # The harness's simulator world: 2 guilds per shard, 5 members each.
    channel = World(guild_count=2 * SHARDS, members_per_guild=5).channel_id(0, 0)
    env = {
        "SHARDLINE_SENDER_REDIS": redis_server.url,
        "SHARDLINE_SENDER_KEY": key,
        "SHARDLINE_SENDER_CHANNEL": str(channel),
        "SHARDLINE_SENDER_COUNT": str(PER_NODE),
        "SHARDLINE_SENDER_NODES": str(NODES),
    }
    with ClusterHarness(
        redis_server.url,
        redis_prefix,
        nodes=NODES,
        shards=SHARDS,
        messages=0,
        static_shards=[(0, 0), (1, 1)],
        consumers=(SENDER,),
        broadcast=(SENDER,),
        env=env,
    ) as cluster:

        def sent() -> dict[str, int]:
            return {k.decode(): int(v) for k, v in redis_client.hgetall(f"{key}:sent").items()}

        def settled() -> bool:
            return sum(sent().values()) >= NODES * PER_NODE or bool(
                redis_client.hlen(f"{key}:errors")
            )

        assert cluster.wait_until(settled, timeout=60)
        records = cluster.records()
        errors = redis_client.hgetall(f"{key}:errors")
        counts = sent()  # read before the harness deletes its keys
    assert errors == {}
    assert counts == {f"node-{i}": PER_NODE for i in range(NODES)}
    rest = records["rest"]
    assert rest["429"] == [] and rest["violations"] == []
    assert rest["requests"].get("POST") == NODES * PER_NODE  # none retried, none lost
