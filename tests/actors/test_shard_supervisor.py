"""ShardSupervisor and ShardTree: restarts that resume, fatal codes that stop, run-time control."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from actors.shard_supervisor import ShardOptions, ShardSupervisor
from bot.gateway.errors import FatalCloseError
from bot.gateway.shards import shard_set
from bot.testing import FakeDiscord, GatewayConfig, World
from supervisors import Names
from tests.actors.shard_helpers import CRASH, Recorder, RecordingProducer


@pytest.fixture
def discord() -> Iterator[FakeDiscord]:
    config = GatewayConfig(
        heartbeat_interval_ms=500, identify_window=0.0, max_concurrency=2, world=World(4, 2)
    )
    with FakeDiscord(config=config, shards=2) as fake:
        yield fake


@pytest.fixture
def tree(discord: FakeDiscord) -> Iterator[tuple[Any, dict[int, Recorder], Names]]:
    recorders = {0: Recorder(), 1: Recorder()}
    names = Names()
    options = ShardOptions(
        token=discord.token,
        intents=513,
        shard_count=2,
        producer_start=lambda n, _names: RecordingProducer.start(recorders[n]),
        gateway_url=discord.gateway_url,
        encoding="json",
        compression="zlib-stream",
        names=names,
    )
    supervisor = ShardSupervisor.start(options, shard_set("auto", 2))
    try:
        yield supervisor, recorders, names
    finally:
        supervisor.stop(timeout=20)


def test_every_shard_connects_and_gets_its_guilds(discord, tree):
    _supervisor, recorders, _names = tree
    for shard_id, recorder in recorders.items():
        ready = recorder.wait_for_event("READY")
        assert ready.data["shard"] == [shard_id, 2]
        recorder.wait_for_event("GUILD_CREATE", len(ready.data["guilds"]))
    assert "token" not in repr(tree[0].proxy().options.get())


def test_a_producer_crash_restarts_its_shard_which_resumes(discord, tree):
    _supervisor, recorders, names = tree
    recorders[0].wait_for_event("READY")
    first = discord.stream_messages(20, shard_id=0)
    recorders[0].wait_until(lambda: first[-1] in recorders[0].seqs())
    producer = names.whereis(("producer", 0))
    old_shard = names.whereis(("shard", 0))
    producer.tell(CRASH)
    assert old_shard.actor_stopped.wait(10)  # rest_for_one: the shard goes with it
    discord.wait_for_resume(timeout=10, shard_id=0)
    more = discord.stream_messages(5, shard_id=0, first=20)
    recorders[0].wait_until(lambda: more[-1] in recorders[0].seqs())
    seqs = [s for s in recorders[0].seqs() if s is not None]
    assert set(range(1, more[-1] + 1)) <= set(seqs)


def test_a_fatal_close_stops_the_shard_tree_without_retrying(discord, tree):
    supervisor, recorders, names = tree
    recorders[1].wait_for_event("READY")
    shard = names.whereis(("shard", 1))
    proxy = supervisor.proxy()
    children = proxy.which_children().get(timeout=10)
    shard_tree = next(child.ref for child in children if child.id == ("shard_tree", 1))
    discord.close(4014, shard_id=1)
    assert shard.actor_stopped.wait(10)
    # Its tree stops with it (auto_shutdown); the tree's Down reaches the ShardSupervisor
    # before it ends, so the supervisor takes it before the ask below.
    assert shard_tree.lifeline.wait(10)
    assert proxy.running_shards().get(timeout=10) == [0]
    errors = proxy.fatal_errors().get()
    assert list(errors) == [1]
    assert isinstance(errors[1], FatalCloseError)
    assert errors[1].code == 4014
    assert len([c for c in discord.connections if c.shard_id == 1]) == 1


def test_disconnect_connect_and_reconnect_one_shard(discord, tree):
    supervisor, recorders, _names = tree
    recorders[0].wait_for_event("READY")
    recorders[1].wait_for_event("READY")
    proxy = supervisor.proxy()
    proxy.disconnect(0).get(timeout=10)
    assert proxy.running_shards().get() == [1]
    closed = [c for c in discord.connections if c.shard_id == 0 and c.closed_at]
    assert discord.wait_until(
        lambda: any(c.close_code == 1000 for c in discord.connections if c.shard_id == 0)
    ), closed
    proxy.connect(0).get(timeout=10)
    recorders[0].wait_for_event("READY", 2)  # a new session: the old one ended with 1000
    proxy.reconnect(1).get(timeout=10)
    discord.wait_for_resume(timeout=10, shard_id=1)
    assert proxy.running_shards().get() == [0, 1]
