"""ShardActor against the gateway simulator, with a recording producer."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest

from actors.errors import MembersRequestLost
from actors.shard import ReaderFailed, ShardActor, ShardState, request_guild_members
from actors.shard_socket import check_gateway_url
from bot.gateway import members as members_module
from bot.gateway.errors import FatalCloseError
from bot.gateway.members import MembersRateLimited
from bot.gateway.opcodes import Opcode
from bot.gateway.ratelimit import SendLimiter
from bot.testing import FakeDiscord, GatewayConfig, World
from supervisors import ExitKind
from tests.actors.shard_helpers import Recorder, RecordingProducer, running_shard, session_config

FAST = GatewayConfig(heartbeat_interval_ms=300, identify_window=0.0, world=World(guild_count=2))


@pytest.fixture
def discord() -> Iterator[FakeDiscord]:
    config = GatewayConfig(
        heartbeat_interval_ms=300, identify_window=0.0, world=World(guild_count=2)
    )
    with FakeDiscord(config=config) as fake:
        yield fake


def assert_in_order_without_gaps(recorder: Recorder, last: int) -> None:
    seqs = [s for s in recorder.seqs() if s is not None]
    assert sorted(set(seqs)) == list(range(1, last + 1)), seqs
    assert seqs == sorted(seqs), seqs


@pytest.mark.parametrize(
    ("encoding", "compression"),
    [("json", "none"), ("json", "zstd-stream"), ("etf", "zlib-stream"), ("etf", "none")],
)
def test_connects_identifies_heartbeats_and_dispatches(discord, encoding, compression):
    with running_shard(discord, encoding=encoding, compression=compression) as (
        shard,
        recorder,
        state,
    ):
        recorder.wait_for_event("GUILD_CREATE", 2)
        seqs = discord.stream_messages(20)
        assert recorder.wait_until(lambda: recorder.seqs()[-1:] == [seqs[-1]])
        discord.wait_for_heartbeats(3, timeout=10)
        assert discord.wait_until(lambda: shard.proxy().latency().get() is not None)
        assert_in_order_without_gaps(recorder, seqs[-1])
        assert state.session.seq == seqs[-1]
        assert recorder.events[3].data["content"] == "message 0"
        assert discord.received(1)[-1].data is not None  # heartbeats carry the acked seq
    assert discord.violations == []
    assert discord.connections[0].close_code not in (1000, 1001)  # a stop keeps the session


def test_zombie_connection_is_closed_then_resumed_without_loss(discord):
    with running_shard(discord) as (_shard, recorder, _state):
        recorder.wait_for_event("GUILD_CREATE", 2)
        discord.set_ack_heartbeats(False)
        closed = discord.wait_for_close(1, timeout=10)
        assert (closed.closed_by, closed.close_code) == ("client", 4000)
        discord.set_ack_heartbeats(True)
        seqs = discord.stream_messages(10)  # sent while the shard is away: replayed
        resume = discord.wait_for_resume(timeout=10)
        assert resume.data["seq"] == 3
        recorder.wait_for_event("RESUMED")
        more = discord.stream_messages(5, first=10)
        assert recorder.wait_until(lambda: recorder.seqs()[-1:] == [more[-1]])
        assert seqs[0] == 4
        assert_in_order_without_gaps(recorder, more[-1])
        assert discord.connections[-1].path.startswith("/resume")


def test_reconnect_op_resumes(discord):
    with running_shard(discord) as (_shard, recorder, _state):
        recorder.wait_for_event("GUILD_CREATE", 2)
        discord.reconnect(0)
        discord.wait_for_resume(timeout=10)
        seqs = discord.stream_messages(3)
        assert recorder.wait_until(lambda: recorder.seqs()[-1:] == [seqs[-1]])
        assert_in_order_without_gaps(recorder, seqs[-1])
        assert len(discord.received(2)) == 1  # one IDENTIFY only


@pytest.mark.parametrize("resumable", [True, False])
def test_invalid_session_either_way(discord, resumable):
    with running_shard(discord) as (_shard, recorder, _state):
        recorder.wait_for_event("GUILD_CREATE", 2)
        discord.invalidate_session(resumable, shard_id=0)
        if resumable:
            discord.wait_for_resume(timeout=15)
        else:
            discord.wait_for_identify(count=2, timeout=15)
            recorder.wait_for_event("READY", 2, timeout=15)
    assert discord.violations == []


@pytest.mark.parametrize(
    ("code", "then"), [(4000, "resume"), (4008, "resume"), (4009, "identify"), (4007, "identify")]
)
def test_close_codes_resume_or_start_over(discord, code, then):
    with running_shard(discord) as (_shard, recorder, _state):
        recorder.wait_for_event("GUILD_CREATE", 2)
        first = discord.wait_for_identify(timeout=10)
        discord.close(code, shard_id=0)
        if then == "resume":
            discord.wait_for_resume(timeout=10)
        else:
            identify = discord.wait_for_identify(count=2, timeout=10)
            assert identify.connection != first.connection
            # The session is gone: the new connection starts over without trying a RESUME.
            received = discord.received()
            before = received[: next(i for i, r in enumerate(received) if r is identify)]
            assert [r.connection for r in before if r.op == Opcode.RESUME] == []


@pytest.mark.parametrize("code", [4004, 4010, 4011, 4012, 4013, 4014])
def test_fatal_close_codes_stop_with_a_clear_error_and_no_retry(discord, code):
    with running_shard(discord) as (shard, recorder, state):
        recorder.wait_for_event("GUILD_CREATE", 2)
        discord.close(code, shard_id=0)
        assert shard.actor_stopped.wait(10)
        reason = shard.exit_reason
        assert reason.kind is ExitKind.SHUTDOWN
        assert isinstance(reason.exception, FatalCloseError)
        assert reason.exception.code == code
        assert state.fatal_error is reason.exception
        assert str(code) in str(state.fatal_error)
    assert len(discord.connections) == 1  # no reconnect


def test_bad_token_is_fatal():
    with FakeDiscord(config=FAST) as discord:
        with running_shard(discord, token="not-the-token") as (shard, _recorder, state):
            assert shard.actor_stopped.wait(10)
            assert state.fatal_error.code == 4004
            assert "token" in str(state.fatal_error)
        assert "not-the-token" not in repr(state.fatal_error)


def test_a_crash_mid_stream_resumes_without_loss(discord):
    recorder = Recorder()
    state = ShardState(0, 1)
    producer = RecordingProducer.start(recorder)
    config = session_config(discord)
    shard = ShardActor.start(config, state, producer)
    try:
        recorder.wait_for_event("GUILD_CREATE", 2)
        seqs = discord.stream_messages(300)
        assert recorder.wait_until(lambda: len(recorder.events) > 50)
        shard.tell(ReaderFailed(RuntimeError("boom")))
        assert shard.actor_stopped.wait(10)
        assert shard.exit_reason.kind is ExitKind.CRASH
        shard = ShardActor.start(config, state, producer)  # what the supervisor does
        discord.wait_for_resume(timeout=10)
        recorder.wait_for_event("RESUMED")
        last = discord.session(0).log.last_seq
        assert last == seqs[-1] + 1  # the replay, then RESUMED
        assert recorder.wait_until(lambda: last in recorder.seqs())
        seen = [s for s in recorder.seqs() if s is not None]
        assert sorted(set(seen)) == list(range(1, last + 1))  # nothing lost
        assert len(seen) - len(set(seen)) <= 1  # at most the one in the producer, twice
    finally:
        shard.stop(timeout=10)
        producer.stop(timeout=10)


def test_send_limit_holds_for_500_sends():
    # Discord's 120 per 60 s, scaled down to 40 per 0.25 s. The shard's window is 0.5 s: a send
    # is counted when the limiter grants it and reaches the server after a thread switch, and on
    # a loaded 2-core machine those delays reach tens of ms (a 50 ms margin failed so). On
    # Discord's 60 s window that jitter is nothing.
    config = GatewayConfig(heartbeat_interval_ms=1000, send_limit=40, send_window=0.25)
    with FakeDiscord(config=config) as discord:

        def limiter() -> SendLimiter:
            return SendLimiter(limit=40, window=0.5, heartbeat_reserve=3)

        with running_shard(discord, send_limiter=limiter) as (shard, recorder, _state):
            recorder.wait_for_event("READY")
            proxy = shard.proxy()
            for index in range(500):
                proxy.update_presence(
                    {"since": None, "activities": [], "status": "online", "afk": bool(index % 2)}
                )
            assert discord.wait_until(lambda: len(discord.received(3)) >= 500, timeout=30)
        assert [v for v in discord.violations if v.kind == "rate_limited"] == []
        assert len(discord.connections) == 1


def test_backpressure_slow_producer_no_buffering_no_missed_heartbeats():
    # Heartbeats every 200 ms; a beat more than 1 s late is a violation. The grace was 0.3 s,
    # which a loaded 2-core machine streaming 24 MB overran now and then (a scheduling delay,
    # not a heartbeat held behind events: those would stop for the whole pause).
    config = GatewayConfig(heartbeat_interval_ms=200, heartbeat_grace=1.0, world=World(1, 1))
    with FakeDiscord(config=config) as discord:
        with running_shard(discord, compression="none") as (_shard, recorder, _state):
            recorder.wait_for_event("GUILD_CREATE")
            recorder.gate.clear()  # the producer now holds what it gets
            # 24 MB of dispatches: more than the socket buffers on both sides can hold.
            big = "x" * 16_000
            seqs = discord.stream(1500, lambda i: ("TYPING_START", {"n": i, "pad": big}))
            before = len(discord.received(1))
            discord.wait_for_heartbeats(before + 8, timeout=10)  # ~1.6 s of heartbeats
            held = len(recorder.events)
            assert held == 3  # READY, GUILD_CREATE, and the one message it holds
            sent = discord.session(0).connection.sent_seq
            assert sent < seqs[-1]  # the rest waits in the server: the shard did not read it
            recorder.gate.set()
            assert recorder.wait_until(lambda: recorder.seqs()[-1:] == [seqs[-1]], timeout=30)
            assert_in_order_without_gaps(recorder, seqs[-1])
        kinds = {v.kind for v in discord.violations}
        assert "heartbeat_late" not in kinds
        assert len(discord.connections) == 1  # no zombie verdict while paused


def test_request_guild_members_collects_chunks_by_nonce(discord):
    with running_shard(discord) as (shard, recorder, _state):
        guild = recorder.wait_for_event("GUILD_CREATE").data
        members = request_guild_members(shard, guild["id"], query="", nonce="abc", timeout=10)
        assert members.nonce == "abc"
        assert [m["user"]["id"] for m in members.members] == [
            m["user"]["id"] for m in guild["members"]
        ]
        with pytest.raises(MembersRateLimited):
            request_guild_members(shard, guild["id"], query="", timeout=10)
        some = request_guild_members(
            shard, guild["id"], user_ids=[guild["members"][0]["user"]["id"], 5]
        )
        assert some.not_found == [5]
        assert len(some.members) == 1


def test_member_requests_fail_when_the_connection_is_lost():
    config = GatewayConfig(heartbeat_interval_ms=300, identify_window=0.0, world=World(2))
    silent = dataclasses.replace(config, answer_member_requests=False)
    with FakeDiscord(config=silent) as discord, running_shard(discord) as (shard, recorder, _):
        guild = recorder.wait_for_event("GUILD_CREATE").data
        waiting = [
            shard.proxy().request_guild_members(guild["id"], query=q).get(timeout=10)
            for q in ("a", "b")
        ]
        discord.reconnect()  # op 7: the shard resumes on a new connection
        for future in waiting:
            with pytest.raises(MembersRequestLost) as lost:
                future.get(timeout=10)
            assert lost.value.reason == "connection lost" and lost.value.shard_id == 0
        assert shard.proxy().pending_member_requests().get(timeout=10) == 0


def test_member_requests_are_bounded_and_the_oldest_fails(monkeypatch):
    monkeypatch.setattr(members_module, "MAX_PENDING_REQUESTS", 2)
    config = GatewayConfig(heartbeat_interval_ms=300, identify_window=0.0, world=World(2))
    silent = dataclasses.replace(config, answer_member_requests=False)
    with FakeDiscord(config=silent) as discord, running_shard(discord) as (shard, recorder, _):
        guild = recorder.wait_for_event("GUILD_CREATE").data
        futures = [
            shard.proxy().request_guild_members(guild["id"], query=str(n)).get(timeout=10)
            for n in range(3)
        ]
        with pytest.raises(MembersRequestLost) as lost:
            futures[0].get(timeout=10)  # pushed out by the third
        assert lost.value.reason == "too many pending"
        assert shard.proxy().pending_member_requests().get(timeout=10) == 2


def test_presence_and_voice_state_commands(discord):
    with running_shard(discord) as (shard, recorder, _state):
        guild = recorder.wait_for_event("GUILD_CREATE").data
        shard.proxy().update_presence(
            {"since": None, "activities": [], "status": "idle", "afk": False}
        ).get()
        shard.proxy().update_voice_state(guild["id"], 77, self_mute=True).get()
        recorder.wait_for_event("VOICE_SERVER_UPDATE")
        assert discord.received(3)[0].data["status"] == "idle"
        assert discord.received(4)[0].data["self_mute"] is True


def test_plain_ws_is_only_for_loopback():
    check_gateway_url("wss://gateway.discord.gg/?v=10")
    check_gateway_url("ws://127.0.0.1:1234")
    check_gateway_url("ws://[::1]:1234")
    for url in ("ws://gateway.discord.gg/", "http://127.0.0.1/", "ws://10.0.0.1/"):
        with pytest.raises(ValueError, match="refusing gateway url"):
            check_gateway_url(url)
