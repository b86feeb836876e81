"""Nodes of one bot as separate processes against one `python -m bot simulate` and a real Redis
(`bot.testing.cluster_harness`): each failure is checked by message number, so nothing lost
and what was doubled are counted, not guessed. Each test is bounded (a few thousand messages)."""

from __future__ import annotations

import json

import pytest

from bot.testing.cluster_harness import ClusterHarness, Report
from bot.testing.redis_server import RedisServer

FAILOVER_LIMIT = 10.0

# Each test runs a simulator and 2-3 node processes: more than the suite's default 60 s guard.
pytestmark = pytest.mark.timeout(150)


def _events(log: str) -> str:
    skip = ('"status"', '"child_started"', '"child_stopped"', '"actor_ended"')
    return "\n".join(line[:240] for line in log.splitlines() if not any(k in line for k in skip))


def connected_via(cluster: ClusterHarness, names: list[str], how: str) -> int:
    """How many `gateway.connected` lines with `via = how` the nodes logged."""
    count = 0
    for name in names:
        for line in cluster.log_of(name).splitlines():
            if '"gateway.connected"' in line and json.loads(line).get("via") == how:
                count += 1
    return count


def sessions_of(cluster: ClusterHarness) -> dict[int, bytes | None]:
    """Shard -> the session id its checkpoint holds (what a new owner RESUMEs), or None."""
    return {
        shard: cluster.client.hget(f"{cluster.prefix}:checkpoint:{shard}", "session_id")
        for shard in range(cluster.shards)
    }


def assert_nothing_lost(report: Report, cluster: ClusterHarness | None = None) -> None:
    if report.lost and cluster is not None:
        tally = cluster.tally()
        by_shard = {
            s: sum(1 for k in tally if k.startswith(f"{s}:")) for s in range(cluster.shards)
        }
        logs = {name: _events(cluster.log_of(name)) for name in sorted(cluster.nodes)}
        pytest.fail(f"{report}\nby shard: {by_shard}\n{logs}")
    assert report.lost == 0, report
    assert report.events_delivered >= report.events_sent
    # A duplicate is an event handled on a node that died before acknowledging it: redelivered.
    assert report.duplicates <= report.redelivered, report


def test_sigkill_of_a_node_mid_flood_loses_nothing(
    redis_server: RedisServer, redis_prefix: str
) -> None:
    with ClusterHarness(
        redis_server.url, redis_prefix, nodes=2, shards=4, messages=1500
    ) as cluster:
        cluster.wait_for_owners()
        assert cluster.wait_for_handled(1000)
        failover = cluster.kill(cluster.busiest_node())
        assert failover is not None and failover <= FAILOVER_LIMIT
        report = cluster.wait_for_all(failover_s=failover)
        assert_nothing_lost(report, cluster)
        assert report.cross_node_events > 0  # consumers on one node got the other's shards


def test_a_node_paused_past_its_lease_is_fenced_and_the_new_owner_keeps_the_session(
    redis_server: RedisServer, redis_prefix: str
) -> None:
    with ClusterHarness(
        redis_server.url, redis_prefix, nodes=2, shards=4, messages=1500, lease_ttl=1.0
    ) as cluster:
        cluster.wait_for_owners()
        assert cluster.wait_for_handled(1000)
        # Every shard has a session before the pause. Under load a rebalance at start can move
        # a shard before its READY; it then has no session for anyone to keep.
        assert cluster.wait_until(lambda: None not in sessions_of(cluster).values())
        before = sessions_of(cluster)
        paused = cluster.busiest_node()
        other = next(name for name in cluster.nodes if name != paused)
        cluster.pause(paused)
        try:
            moved = cluster.wait_for_owners(among={other})
            assert set(moved.values()) == {other}  # the leases ran out; the other took them
        finally:
            cluster.resume(paused)
        report = cluster.wait_for_all()
        assert_nothing_lost(report, cluster)
        log = cluster.log_of(paused)
        assert '"cluster.lease_dropped"' in log or '"cluster.fenced_out"' in log
        # On waking, a shard of the paused node may still RESUME once before its keeper drops
        # it (its connect gate checks the lease before each connection, but a connection can be
        # under way across the pause): that is churn, not a loss. What must hold is above (its
        # publishes were fenced, nothing was lost) and below (no session was started anew).
        # Every session was only ever resumed after the pause: each shard has the one it had.
        assert sessions_of(cluster) == before
        assert connected_via(cluster, [paused, other], "RESUMED") >= 1


def test_a_redis_restart_mid_flood_loses_nothing() -> None:
    with (
        RedisServer(persistent=True) as server,
        ClusterHarness(
            server.url, "restart", nodes=2, shards=2, messages=1500, lease_ttl=2.0
        ) as cluster,
    ):
        cluster.wait_for_owners()
        assert cluster.wait_for_handled(800)
        server.kill()  # a crash: only what the append-only file holds comes back
        server.start()
        report = cluster.wait_for_all()
        assert_nothing_lost(report)


@pytest.mark.parametrize("nodes", [3])
def test_three_nodes_share_six_shards_evenly(
    redis_server: RedisServer, redis_prefix: str, nodes: int
) -> None:
    with ClusterHarness(
        redis_server.url, redis_prefix, nodes=nodes, shards=6, messages=300
    ) as cluster:
        owners = cluster.wait_for_owners()
        assert sorted(owners) == list(range(6))
        assert sorted(list(owners.values()).count(name) for name in cluster.nodes) == [2, 2, 2]
        assert_nothing_lost(cluster.wait_for_all())
