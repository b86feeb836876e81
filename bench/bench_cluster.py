"""The cluster backend's throughput: events/s across nodes through Redis, and 1 vs 2 nodes.

    .venv/bin/python bench/bench_cluster.py [--events N] [--messages M] [--shards S]
                                            [--redis URL]

- cross_node: one node's `RedisGroups.dispatch` (XADD) to a shared consumer on another node
  (XREADGROUP, handed to a member that acknowledges at once): events/s from the first publish
  to the last acknowledgement, in one process (two RedisGroups, two node names).
- fenced_publish: a leased shard's events through the fenced script, one call per event
  (`ShardLeases.publish`, as before batching) vs queued to the node's `FencedPublisher` (one
  call per batch of what queued up): events/s until the last is in the stream.
- nodes_1 / nodes_2: the whole bot, as processes (`bot.testing.cluster_harness`): S shards of
  M simulator messages each, every node running `examples.cluster_tally:Tally` (one Redis
  round trip per message); MESSAGE_CREATE/s from the first tallied message to the last. Does a
  second process add throughput on this machine?

A redis-server of its own is started unless `--redis` names one.
"""

from __future__ import annotations

import argparse
import contextlib
import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

import redis

from actors.cluster_groups import Durable, RedisGroups, StreamSettings
from actors.fenced_publisher import FencedPublisher, LeaseTable
from actors.registry import start_local_groups
from bot.cluster import Keys, ShardLeases
from bot.events import Event, ShardInfo
from bot.payloads import Message
from bot.testing.cluster_harness import ClusterHarness
from bot.testing.redis_server import RedisServer


@contextlib.contextmanager
def redis_url(given: str | None) -> Iterator[str]:
    if given:
        yield given
        return
    with RedisServer() as server:
        yield server.url


class Counter:
    """A member that acknowledges each event at once and counts them."""

    name = "bench"
    actor_urn = "urn:bench:counter"

    def __init__(self, expected: int) -> None:
        self.expected = expected
        self.count = 0
        self.done = threading.Event()

    def is_alive(self) -> bool:
        return True

    def tell(self, event: Any) -> None:
        event.settle(False)
        self.count += 1
        if self.count >= self.expected:
            self.done.set()


def cross_node(url: str, events: int) -> None:
    prefix = f"bench-{uuid.uuid4().hex[:8]}"
    durable = {"bench": Durable("bench:Counter", "shared")}
    settings = StreamSettings(min_idle=30.0, max_deliveries=5, maxlen=events * 2)
    stops = []
    client = redis.Redis.from_url(url)
    try:
        nodes = []
        for name in ("a", "b"):
            local, registry = start_local_groups()
            stops.append(registry.stop)
            nodes.append(
                RedisGroups(local, client, Keys(prefix), name, durable=durable, settings=settings)
            )
        publisher, reader = nodes
        publisher.prepare("consumers")
        counter = Counter(events)
        reader.join("consumers", counter)
        event = Event("MESSAGE_CREATE", Message({"id": 1, "content": "x" * 200}), ShardInfo(0))
        started = time.perf_counter()
        for _ in range(events):
            publisher.dispatch("consumers", event)
        published = time.perf_counter() - started
        counter.done.wait(120)
        elapsed = time.perf_counter() - started
        print(
            f"cross_node  events={counter.count}  publish={events / published:,.0f}/s  "
            f"end_to_end={counter.count / elapsed:,.0f}/s  ({elapsed:.2f} s)"
        )
        for node in nodes:
            node.close()
    finally:
        for stop in stops:
            stop()
        for key in client.scan_iter(match=f"{prefix}:*"):
            client.delete(key)
        client.close()


def fenced_publish(url: str, events: int) -> None:
    client = redis.Redis.from_url(url)
    payload = Message({"id": 1, "content": "x" * 200})
    try:
        for mode in ("one_by_one", "batched"):
            prefix = f"bench-{uuid.uuid4().hex[:8]}"
            leases = ShardLeases(client, Keys(prefix), "a", 30.0, maxlen=events * 2)
            table = LeaseTable()
            lease = leases.acquire(0)
            assert lease is not None
            table.put(lease)
            started = time.perf_counter()
            if mode == "one_by_one":
                for seq in range(1, events + 1):
                    leases.publish(lease, "consumers", "MESSAGE_CREATE", payload, seq)
            else:
                publisher = FencedPublisher(leases, table, lambda shard: None)
                event = Event("MESSAGE_CREATE", payload, ShardInfo(0))
                for seq in range(1, events + 1):
                    publisher.put(0, "consumers", event, seq)
                publisher.close(timeout=120)
            elapsed = time.perf_counter() - started
            assert client.xlen(Keys(prefix).stream("consumers")) == events
            print(f"fenced_publish  {mode:10}  {events / elapsed:,.0f} events/s  ({elapsed:.2f} s)")
            for key in client.scan_iter(match=f"{prefix}:*"):
                client.delete(key)
    finally:
        client.close()


def nodes_throughput(url: str, nodes: int, shards: int, messages: int) -> float:
    prefix = f"bench-{uuid.uuid4().hex[:8]}"
    expected = shards * messages
    with ClusterHarness(url, prefix, nodes=nodes, shards=shards, messages=messages) as cluster:
        pause = threading.Event()
        while cluster.handled() == 0:
            pause.wait(0.01)
        first, started = cluster.handled(), time.perf_counter()
        deadline = started + 300
        while cluster.handled() < expected and time.perf_counter() < deadline:
            pause.wait(0.05)
        elapsed = time.perf_counter() - started
        handled = cluster.handled() - first
    rate = handled / elapsed
    print(f"nodes_{nodes}     messages={expected}  {rate:,.0f} MESSAGE_CREATE/s  ({elapsed:.2f} s)")
    return rate


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--messages", type=int, default=5_000, help="per shard")
    parser.add_argument("--shards", type=int, default=4)
    parser.add_argument("--redis", default=None)
    args = parser.parse_args()
    with redis_url(args.redis) as url:
        cross_node(url, args.events)
        fenced_publish(url, args.events)
        one = nodes_throughput(url, 1, args.shards, args.messages)
        two = nodes_throughput(url, 2, args.shards, args.messages)
        print(f"2 nodes / 1 node: {two / one:.2f}x")


if __name__ == "__main__":
    main()
