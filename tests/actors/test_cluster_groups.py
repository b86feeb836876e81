"""Groups across nodes on Redis Streams: two `RedisGroups` of one bot (two nodes) on a real Redis.

Shared consumers split the events with none lost or doubled; broadcast consumers each get all;
an event is acknowledged only once its handler ran; a node that dies with events in hand has
them handed to another node marked `redelivered`; a poison event ends in the dead letters."""

from __future__ import annotations

import threading
from typing import Any

import redis

from actors.cluster_groups import Durable, StreamSettings
from actors.consumer import Consumer
from bot.cluster import Keys
from bot.events import Event, ShardInfo, Update
from bot.payloads import Guild
from bot.testing.redis_server import RedisServer
from tests.actors.cluster_helpers import Recorder, redis_backend

GROUP = "consumers"
WAIT = 5.0


def event(seq: int) -> Event:
    return Event(
        "GUILD_UPDATE",
        Update(Guild({"id": seq, "name": "old"}), Guild({"id": seq})),
        ShardInfo(seq % 2),
    )


def test_shared_members_on_two_nodes_split_the_events_each_once(
    redis_server: RedisServer, redis_prefix: str, redis_client: redis.Redis
) -> None:
    durable = {"worker": Durable("my_bot:Worker", "shared")}
    with (
        redis_backend(redis_server.url, redis_prefix, "a", durable) as node_a,
        redis_backend(redis_server.url, redis_prefix, "b", durable) as node_b,
    ):
        node_a.prepare(GROUP)
        on_a, on_b = Recorder("worker"), Recorder("worker")
        node_a.join(GROUP, on_a)
        node_b.join(GROUP, on_b)
        for seq in range(200):
            node_a.dispatch(GROUP, event(seq))
        done = threading.Event()

        def all_in() -> bool:
            return len(on_a.received) + len(on_b.received) >= 200

        for _ in range(100):
            if all_in():
                done.set()
                break
            on_a.wait_for(len(on_a.received) + 1, 0.05)
        assert done.is_set()
        seqs = sorted(e.data.new.id for e in on_a.received + on_b.received)
        assert seqs == list(range(200))  # none lost, none twice
        first = on_b.received[0] if on_b.received else on_a.received[0]
        assert isinstance(first.data, Update) and first.data.old.name == "old"
        assert first.origin == "a"
        stream = Keys(redis_prefix).stream(GROUP)
        # Every handler ran, so every event is acknowledged (in batches, by the next read).
        for _ in range(100):
            if redis_client.xpending(stream, "shared:my_bot:Worker")["pending"] == 0:
                break
            threading.Event().wait(0.05)
        assert redis_client.xpending(stream, "shared:my_bot:Worker")["pending"] == 0


def test_broadcast_members_each_get_every_event(
    redis_server: RedisServer, redis_prefix: str
) -> None:
    durable = {"audit": Durable("my_bot:Audit", "broadcast")}
    with (
        redis_backend(redis_server.url, redis_prefix, "a", durable) as node_a,
        redis_backend(redis_server.url, redis_prefix, "b", durable) as node_b,
    ):
        on_a, on_b = Recorder("audit"), Recorder("audit")
        node_a.join(GROUP, on_a)
        node_b.join(GROUP, on_b)
        for seq in range(20):
            node_b.dispatch(GROUP, event(seq))
        assert [e.data.new.id for e in on_a.wait_for(20)] == list(range(20))
        assert [e.data.new.id for e in on_b.wait_for(20)] == list(range(20))


def test_a_dead_nodes_unfinished_event_is_redelivered_elsewhere_once(
    redis_server: RedisServer, redis_prefix: str
) -> None:
    durable = {"worker": Durable("my_bot:Worker", "shared")}
    with redis_backend(redis_server.url, redis_prefix, "a", durable) as node_a:
        node_a.prepare(GROUP)
        # A member whose handler never finishes well (never acknowledged); its node then dies.
        stuck = Recorder("worker", settle_failed=lambda _e: True)
        node_a.join(GROUP, stuck)
        node_a.dispatch(GROUP, event(7))
        assert len(stuck.wait_for(1)) == 1
    with redis_backend(redis_server.url, redis_prefix, "b", durable) as node_b:
        survivor = Recorder("worker")
        node_b.join(GROUP, survivor)
        (again,) = survivor.wait_for(1)
        assert again.data.new.id == 7 and again.redelivered


class Poisoned(Consumer):
    """Fails on every event: each ends in the dead letters after max_deliveries."""

    def handle_event(self, event: Event) -> None:
        raise RuntimeError("poison")


def test_a_poison_event_ends_in_the_dead_letters_after_max_deliveries(
    redis_server: RedisServer, redis_prefix: str, redis_client: redis.Redis
) -> None:
    durable = {"poisoned": Durable("my_bot:Poisoned", "shared")}
    with redis_backend(redis_server.url, redis_prefix, "a", durable) as node_a:
        node_a.prepare(GROUP)
        consumer = Poisoned.start(node_a, subscription=None)
        try:
            # A Consumer joins under no name: give it the durable one through a named member.
            proxy = Recorder("poisoned")
            proxy.tell = consumer.proxy().deliver  # type: ignore[method-assign]
            node_a.join(GROUP, proxy, lambda e: consumer.proxy().deliver(e).get(WAIT))
            node_a.dispatch(GROUP, event(3))
            dead = Keys(redis_prefix).dead_letters(GROUP)
            entries: Any = []
            for _ in range(200):
                entries = redis_client.xrange(dead)
                if entries:
                    break
                threading.Event().wait(0.05)
            assert len(entries) == 1
            fields = entries[0][1]
            assert int(fields[b"deliveries"]) == 4 and fields[b"reason"] == b"max_deliveries"
        finally:
            consumer.stop()


def test_a_dispatch_waits_out_a_redis_restart_and_loses_nothing() -> None:
    with (
        RedisServer(persistent=True) as server,
        redis_backend(server.url, "restart", "a", {"w": Durable("my_bot:W", "shared")}) as node,
    ):
        node.prepare(GROUP)
        member = Recorder("w")
        node.join(GROUP, member)
        node.dispatch(GROUP, event(1))
        assert len(member.wait_for(1)) == 1
        server.kill()
        restarted = threading.Timer(0.5, server.start)  # Redis is back while dispatch waits
        restarted.start()
        try:
            assert node.dispatch(GROUP, event(2)) == 1
        finally:
            restarted.join()
        assert [e.data.new.id for e in member.wait_for(2, timeout=10)] == [1, 2]


def test_an_ordered_shared_consumer_reads_on_one_node_and_fails_over_in_order(
    redis_server: RedisServer, redis_prefix: str
) -> None:
    durable = {"ordered": Durable("my_bot:Ordered", "shared", ordered=True)}
    settings = StreamSettings(min_idle=30.0, max_deliveries=5, maxlen=10_000, sole_reader_ttl=1.0)
    with redis_backend(redis_server.url, redis_prefix, "b", durable, settings) as node_b:
        node_b.prepare(GROUP)
        on_b = Recorder("ordered")
        with redis_backend(redis_server.url, redis_prefix, "a", durable, settings) as node_a:
            # A takes the events and never finishes the last ones: its node then stops.
            on_a = Recorder("ordered", settle_failed=lambda e: e.data.new.id >= 7)
            node_a.join(GROUP, on_a)
            node_a.dispatch(GROUP, event(0))
            assert len(on_a.wait_for(1)) == 1  # A is the sole reader now
            node_b.join(GROUP, on_b)
            for seq in range(1, 10):
                node_a.dispatch(GROUP, event(seq))
            assert [e.data.new.id for e in on_a.wait_for(10)] == list(range(10))
        assert on_b.received == []  # B stood by while A read
        for seq in range(10, 13):
            node_b.dispatch(GROUP, event(seq))
        got = on_b.wait_for(6)
        # What A left unfinished first (redelivered), then the new events: one order.
        assert [e.data.new.id for e in got] == [7, 8, 9, 10, 11, 12]
        assert [e.redelivered for e in got] == [True, True, True, False, False, False]
