"""Bad input from the server: nothing crashes past the shard's own reconnect, each logged once."""

from __future__ import annotations

import zlib
from collections.abc import Iterator

import pytest
import structlog
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.testing import FakeDiscord, GatewayConfig, World
from tests.actors.shard_helpers import Recorder, running_shard

# One shard and simulator serve the whole module; each bad frame makes it reconnect, so its
# connection threads outlive single tests (the fixture stops them all at the end).
pytestmark = pytest.mark.allow_threads("fake-gateway-", "shard-")


@pytest.fixture(scope="module")
def world() -> Iterator[tuple[FakeDiscord, object, Recorder]]:
    config = GatewayConfig(heartbeat_interval_ms=500, identify_window=0.0, world=World(1, 1))
    with FakeDiscord(config=config) as discord:  # noqa: SIM117 (the shard needs discord)
        with running_shard(discord, compression="zlib-stream") as (shard, recorder, _state):
            recorder.wait_for_event("GUILD_CREATE")
            yield discord, shard, recorder


def still_works(discord: FakeDiscord, recorder: Recorder) -> None:
    """The shard (resumed if it had to) still hands every new dispatch to the producer."""
    assert discord.wait_until(lambda: _live(discord), timeout=10)
    seq = discord.dispatch("TYPING_START", {"channel_id": "1", "user_id": "2", "timestamp": 1})
    assert recorder.wait_until(lambda: seq in recorder.seqs(), timeout=10)


def _live(discord: FakeDiscord) -> bool:
    try:
        session = discord.session(0)
    except LookupError:
        return False
    return session.connection is not None and session.connection.streaming


def frame_errors(logs: list[dict[str, object]]) -> list[dict[str, object]]:
    return [e for e in logs if e["event"] == "gateway.frame_error"]


@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.binary(min_size=1, max_size=64))
def test_random_bytes_without_compression_framing(world, data):
    discord, _shard, recorder = world
    with structlog.testing.capture_logs() as logs:
        discord.send_raw(data, compress=False, shard_id=0)  # never a valid zlib-stream message
        still_works(discord, recorder)
    errors = frame_errors(logs)
    assert len(errors) <= 1
    assert all(e["shard"] == 0 and e["reason"] for e in errors)


@settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.binary(min_size=1, max_size=64))
def test_random_bytes_through_the_compressor_are_a_decode_error(world, data):
    discord, _shard, recorder = world
    with structlog.testing.capture_logs() as logs:
        discord.send_raw(b"\xff" + data, compress=True, shard_id=0)
        still_works(discord, recorder)
    errors = frame_errors(logs)
    assert len(errors) == 1
    assert errors[0]["shard"] == 0
    assert errors[0]["error"] == "DecodeError"


@pytest.mark.parametrize(
    "frame",
    [
        b'{"op": 0, "t": "MESSAGE_CREATE", "s": 99, "d": {"id": "1"',  # truncated JSON
        zlib.compress(b'{"op": 11}')[:-3],  # corrupted zlib
        b"\x00\x00\xff\xff",  # a sync marker with nothing before it
    ],
)
def test_truncated_and_corrupted_frames(world, frame):
    discord, _shard, recorder = world
    with structlog.testing.capture_logs() as logs:
        discord.send_raw(frame, compress=False, shard_id=0)
        still_works(discord, recorder)
    assert len(frame_errors(logs)) <= 1


def test_unknown_opcodes_and_missing_fields_are_logged_once(world):
    discord, _shard, recorder = world
    with structlog.testing.capture_logs() as logs:
        for _ in range(3):
            discord.send_payload({"op": 42, "d": None}, shard_id=0)
        discord.send_payload({"op": 0, "d": {}, "s": None}, shard_id=0)  # dispatch without t
        discord.send_payload({"d": 1}, shard_id=0)  # no op at all
        still_works(discord, recorder)
    unknown = [e for e in logs if e["event"] == "gateway.unknown_opcode" and e["op"] == "42"]
    assert len(unknown) == 1
    assert unknown[0]["shard"] == 0
    invalid = [e for e in logs if e["event"] == "gateway.payload_invalid"]
    assert len(invalid) == 1
    assert [v for v in discord.violations if v.kind == "heartbeat_late"] == []
