"""Nodes of one bot as separate processes against one `python -m bot simulate` and a real Redis
(`bot.testing.cluster_harness`): each failure is checked by message number, so nothing lost
and what was doubled are counted, not guessed. Each test is bounded (a few thousand messages)."""

from __future__ import annotations

import json
import time
from datetime import datetime

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


def connected_without_lease(log: str, woke_at: float) -> list[str]:
    """The `gateway.connected` lines a node logged after it woke (`woke_at`, a Unix time taken
    before SIGCONT) for a shard it had not taken a new lease of since waking (a
    `cluster.lease_taken` stamped after `woke_at`, not dropped since): a connection on a lease
    that ran out while the node was paused.

    Lines are placed by their own timestamps, not by the log's length at the pause: SIGSTOP
    reaches a process's threads one by one, so a line of a connection made (on a lease then
    held) just before the pause may be written after the main thread stopped. Taking a lease
    after waking is how a shard comes back legitimately, and it may be any shard: the other
    node, holding them all, hands its extra ones over to the woken node once it heartbeats
    again, not necessarily those it held before the pause."""
    leased: set[int] = set()
    wrong = []
    for line in log.splitlines():
        if not line.startswith("{"):
            continue
        entry = json.loads(line)
        stamp = entry.get("timestamp")
        if stamp is None or _unix(stamp) < woke_at:
            continue
        shard = entry.get("shard")
        if entry.get("event") == "cluster.lease_taken":
            leased.add(shard)
        elif entry.get("event") == "cluster.lease_dropped":
            leased.discard(shard)
        elif entry.get("event") == "gateway.connected" and shard not in leased:
            wrong.append(line[:200])
    return wrong


def _unix(stamp: str) -> float:
    """A log line's ISO 8601 UTC timestamp (`...Z`) as a Unix time."""
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()


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
        paused = cluster.busiest_node()
        other = next(name for name in cluster.nodes if name != paused)
        cluster.pause(paused)
        try:
            moved = cluster.wait_for_owners(among={other})
            assert set(moved.values()) == {other}  # the leases ran out; the other took them
        finally:
            woke_at = time.time()
            cluster.resume(paused)
        report = cluster.wait_for_all()
        assert_nothing_lost(report, cluster)
        log = cluster.log_of(paused)
        assert '"cluster.lease_dropped"' in log or '"cluster.fenced_out"' in log
        # On waking it neither RESUMEd nor IDENTIFYed a shard whose lease ran out meanwhile:
        # its shards checked the lease first and the keeper dropped them; it connected only
        # shards it took a new lease of afterwards (those handed back to it).
        assert connected_without_lease(log, woke_at) == []
        # Every session was started once (READY) and only ever resumed afterwards.
        assert connected_via(cluster, [paused, other], "READY") == 4


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
