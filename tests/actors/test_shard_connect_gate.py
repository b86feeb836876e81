"""`ShardActor(connect_gate=...)`: asked before every connection; while it says no, the shard
neither RESUMEs nor IDENTIFYs (a cluster node whose lease ran out), and it connects once the
gate lets it."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from actors.shard import ShardActor, ShardState
from bot.gateway.opcodes import Opcode
from bot.testing import FakeDiscord, GatewayConfig, World
from tests.actors.shard_helpers import Recorder, RecordingProducer, session_config


@pytest.fixture
def discord() -> Iterator[FakeDiscord]:
    config = GatewayConfig(
        heartbeat_interval_ms=300, identify_window=0.0, world=World(guild_count=2)
    )
    with FakeDiscord(config=config) as fake:
        yield fake


class Gate:
    def __init__(self) -> None:
        self.open = True
        self.asked: list[int] = []
        self.refused = threading.Event()

    def __call__(self, shard_id: int) -> bool:
        self.asked.append(shard_id)
        if not self.open:
            self.refused.set()
        return self.open


def test_a_closed_gate_keeps_the_shard_from_resuming_until_it_opens(
    discord: FakeDiscord,
) -> None:
    gate = Gate()
    recorder = Recorder()
    producer = RecordingProducer.start(recorder)
    shard = ShardActor.start(session_config(discord), ShardState(0, 1), producer, connect_gate=gate)
    try:
        recorder.wait_for_event("GUILD_CREATE", 2)
        assert gate.asked == [0]  # asked before the first connection
        gate.open = False
        discord.reconnect(0)
        assert gate.refused.wait(10)
        assert discord.received(int(Opcode.RESUME)) == []  # refused: not even a RESUME
        gate.open = True
        discord.wait_for_resume(timeout=10)
        assert len(discord.received(int(Opcode.IDENTIFY))) == 1
    finally:
        shard.stop(timeout=10)
        producer.stop(timeout=10)
