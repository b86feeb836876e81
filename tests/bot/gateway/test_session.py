"""The sans-IO session state machine, driven with an injected clock and randomness."""

from __future__ import annotations

from typing import Any

import pytest

from bot.gateway import (
    Close,
    Compression,
    Dispatch,
    Encoding,
    FatalCloseError,
    GatewaySession,
    Opcode,
    Reconnect,
    RequestIdentify,
    Send,
    SessionConfig,
    SessionState,
    ShardSession,
    Stop,
)
from bot.gateway.errors import DecodeError

TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4OQ.GabcDE.abcdefghijklmnopqrstuvwxyz0123456789AB"
HELLO = {"op": 10, "d": {"heartbeat_interval": 40000}, "s": None, "t": None}
ACK = {"op": 11}


def ready(seq: int = 1, session_id: str = "abc123") -> dict[str, Any]:
    data = {"v": 10, "session_id": session_id, "resume_gateway_url": "wss://resume.example/"}
    return {"op": 0, "t": "READY", "s": seq, "d": data}


def dispatch(seq: int, name: str = "MESSAGE_CREATE") -> dict[str, Any]:
    return {"op": 0, "t": name, "s": seq, "d": {"id": seq}}


def make(
    jitter: float = 0.5, shard_session: ShardSession | None = None, **config: Any
) -> GatewaySession:
    defaults: dict[str, Any] = {"token": TOKEN, "intents": 513, "shard_id": 1, "shard_count": 4}
    defaults.update(config)
    return GatewaySession(SessionConfig(**defaults), shard_session, rng=lambda: jitter)


def connected(session: GatewaySession, now: float = 0.0) -> list[Any]:
    """Opens, HELLOs, identifies and READYs a session; returns the READY actions."""
    assert session.on_open(now) == []
    assert session.on_payload(HELLO, now) == [RequestIdentify()]
    sent = session.identify(now)
    assert len(sent) == 1 and isinstance(sent[0], Send) and sent[0].op == Opcode.IDENTIFY
    return session.on_payload(ready(), now)


def test_identify_flow_and_payload() -> None:
    session = make(presence={"status": "online", "afk": False, "since": None, "activities": []})
    session.on_open(0.0)
    assert session.status is SessionState.WAITING_HELLO
    assert session.on_payload(HELLO, 0.0) == [RequestIdentify()]
    assert session.status is SessionState.WAITING_IDENTIFY
    (send,) = session.identify(0.1)
    assert isinstance(send, Send) and not send.is_heartbeat
    data = send.payload["d"]
    assert data["token"] == TOKEN and data["intents"] == 513 and data["shard"] == [1, 4]
    assert data["large_threshold"] == 50 and data["compress"] is False
    assert set(data["properties"]) == {"os", "browser", "device"}
    assert data["presence"]["status"] == "online"
    assert (
        TOKEN not in repr(send) and TOKEN not in repr(session) and TOKEN not in repr(session.config)
    )
    assert session.identify(0.2) == []  # a second grant does not IDENTIFY twice (4005)
    actions = session.on_payload(ready(), 0.3)
    assert actions == [Dispatch("READY", ready()["d"], 1)]
    assert session.status is SessionState.CONNECTED
    assert session.shard_session.session_id == "abc123"
    assert session.shard_session.resume_gateway_url == "wss://resume.example/"


def test_heartbeats_jittered_first_beat_then_every_interval_with_acked_seq() -> None:
    session = make(jitter=0.25)
    connected(session)
    assert session.next_deadline() == pytest.approx(10.0)  # 40 s * 0.25
    assert session.tick(9.9) == []
    (beat,) = session.tick(10.0)
    assert isinstance(beat, Send) and beat.is_heartbeat and beat.payload == {"op": 1, "d": None}
    session.on_payload(ACK, 10.05)
    assert session.latency == pytest.approx(0.05)
    # Dispatch 2 received but not acknowledged by the producer: heartbeats carry the acked seq.
    session.on_payload(dispatch(2), 11.0)
    session.shard_session.acknowledge(1)
    assert session.next_deadline() == pytest.approx(50.0)
    (beat,) = session.tick(50.0)
    assert isinstance(beat, Send) and beat.payload["d"] == 1
    session.shard_session.acknowledge(2)
    session.on_payload(ACK, 50.1)
    (beat,) = session.tick(90.0)
    assert isinstance(beat, Send) and beat.payload["d"] == 2


def test_zombie_connection_closes_non_1000_and_resumes() -> None:
    session = make(jitter=0.0)
    connected(session)
    session.shard_session.acknowledge(1)
    (beat,) = session.tick(0.0)
    assert isinstance(beat, Send)
    # No ACK before the next beat.
    actions = session.tick(40.0)
    assert actions == [Close(4000, "zombie connection"), Reconnect(resume=True, delay=0.0)]
    assert session.status is SessionState.DISCONNECTED
    assert session.next_deadline() is None
    # The next connection resumes to the resume URL with the acknowledged seq.
    assert session.connect_url().startswith("wss://resume.example/?v=10&encoding=json")
    session.on_open(41.0)
    (resume,) = session.on_payload(HELLO, 41.0)
    assert isinstance(resume, Send) and resume.op == Opcode.RESUME
    assert resume.payload["d"] == {"token": TOKEN, "session_id": "abc123", "seq": 1}
    assert session.status is SessionState.RESUMING
    replay = session.on_payload(dispatch(2), 41.1)
    assert replay == [Dispatch("MESSAGE_CREATE", {"id": 2}, 2)]
    assert session.on_payload({"op": 0, "t": "RESUMED", "s": 3, "d": {}}, 41.2) == [
        Dispatch("RESUMED", {}, 3)
    ]
    assert session.status is SessionState.CONNECTED


def test_heartbeat_request_answered_at_once_and_does_not_cause_a_false_zombie() -> None:
    session = make(jitter=0.5)
    connected(session)
    (beat,) = session.on_payload({"op": 1, "d": None}, 19.99)
    assert isinstance(beat, Send) and beat.is_heartbeat
    # The scheduled beat comes 10 ms later, before the ACK: not a zombie.
    (beat,) = session.tick(20.0)
    assert isinstance(beat, Send)
    session.on_payload(ACK, 20.1)
    assert isinstance(session.tick(60.0)[0], Send)


def test_no_zombie_verdict_while_the_reader_is_paused() -> None:
    session = make(jitter=0.0)
    connected(session)
    assert isinstance(session.tick(0.0)[0], Send)
    session.reader_paused()  # the ACK of beat 0 may sit unread behind held frames
    (beat,) = session.tick(40.0)
    assert isinstance(beat, Send) and beat.is_heartbeat
    (beat,) = session.tick(80.0)  # still paused when beat 40 went out: still no verdict
    assert isinstance(beat, Send) and beat.is_heartbeat
    session.reader_resumed()
    # Beat 80 went out while paused: its ACK too may have been unread, so beat 120 goes out.
    (beat,) = session.tick(120.0)
    assert isinstance(beat, Send) and beat.is_heartbeat
    # Beat 120 went out with the reader running: no ACK by the next beat is a real zombie.
    actions = session.tick(160.0)
    assert actions == [Close(4000, "zombie connection"), Reconnect(resume=True, delay=0.0)]


def test_a_pause_between_two_beats_spares_only_that_beat() -> None:
    session = make(jitter=0.0)
    connected(session)
    assert isinstance(session.tick(0.0)[0], Send)
    session.reader_paused()
    session.reader_resumed()
    (beat,) = session.tick(40.0)  # the reader paused after beat 0: no verdict for it
    assert isinstance(beat, Send) and beat.is_heartbeat
    assert session.tick(80.0)[0] == Close(4000, "zombie connection")


def beaten_while_paused() -> GatewaySession:
    """A connected session whose first heartbeat (at 0 s) went out while the reader was paused."""
    session = make(jitter=0.0)
    connected(session)
    session.reader_paused()
    assert isinstance(session.tick(0.0)[0], Send)
    session.reader_resumed()
    return session


def test_acks_read_while_paused_keep_the_connection_and_the_latency() -> None:
    session = beaten_while_paused()
    session.on_payload(ACK, 0.2)
    assert session.latency == pytest.approx(0.2)
    session.tick(40.0)
    session.on_payload(ACK, 40.1)
    assert isinstance(session.tick(80.0)[0], Send)


def test_a_real_zombie_is_still_detected_on_the_next_connection_after_a_pause() -> None:
    session = beaten_while_paused()
    session.reconnect(1.0)
    session.on_open(2.0)
    session.on_payload(HELLO, 2.0)  # RESUME; the first beat is due at once (jitter 0)
    assert isinstance(session.tick(2.0)[0], Send)
    assert session.tick(42.0)[0] == Close(4000, "zombie connection")


def test_reconnect_opcode_resumes() -> None:
    session = make()
    connected(session)
    actions = session.on_payload({"op": 7, "d": None}, 5.0)
    assert actions == [Close(4000, "reconnect requested"), Reconnect(resume=True, delay=0.0)]
    assert session.on_payload(dispatch(9), 5.1) == []  # the old connection is gone
    assert session.on_close(4000, 5.2) == []  # our own close echoing back


def test_invalid_session_false_waits_1_to_5_s_then_identifies() -> None:
    session = make(jitter=1.0)
    connected(session)
    actions = session.on_payload({"op": 9, "d": False}, 1.0)
    assert actions == [Close(1000, "invalid session"), Reconnect(resume=False, delay=5.0)]
    assert not session.shard_session.can_resume
    assert session.connect_url().startswith("wss://gateway.discord.gg/?v=10")
    session.on_open(7.0)
    assert session.on_payload(HELLO, 7.0) == [RequestIdentify()]


def test_invalid_session_true_resumes_after_a_wait() -> None:
    session = make(jitter=0.0)
    connected(session)
    actions = session.on_payload({"op": 9, "d": True}, 1.0)
    assert actions == [
        Close(4000, "invalid session, resumable"),
        Reconnect(resume=True, delay=1.0),
    ]
    assert session.shard_session.can_resume


@pytest.mark.parametrize("code", [4004, 4010, 4011, 4012, 4013, 4014])
def test_fatal_close_codes_stop_without_retry(code: int) -> None:
    session = make()
    connected(session)
    (stop,) = session.on_close(code, 1.0)
    assert isinstance(stop, Stop) and isinstance(stop.error, FatalCloseError)
    assert stop.error.code == code and not stop.error.can_reconnect
    assert TOKEN not in str(stop.error)
    assert session.stopped
    assert session.on_open(2.0) == [] and session.on_payload(HELLO, 2.0) == []


@pytest.mark.parametrize("code", [4007, 4009])
def test_new_session_close_codes(code: int) -> None:
    session = make()
    connected(session)
    assert session.on_close(code, 1.0) == [Reconnect(resume=False, delay=0.0)]
    assert not session.shard_session.can_resume


@pytest.mark.parametrize("code", [None, 1000, 1001, 1006, 4000, 4001, 4002, 4003, 4005, 4008, 4999])
def test_other_close_codes_resume_with_growing_backoff(code: int | None) -> None:
    session = make(jitter=1.0)
    connected(session)
    assert session.on_close(code, 1.0) == [Reconnect(resume=True, delay=0.0)]
    # Failing again before READY/RESUMED backs off: 1, 2, 4 ... s.
    delays = []
    for attempt in range(4):
        session.on_open(2.0 + attempt)
        (action,) = session.on_close(code, 2.5 + attempt)
        assert isinstance(action, Reconnect)
        delays.append(action.delay)
    assert delays == [1.0, 2.0, 4.0, 8.0]


def test_hello_timeout() -> None:
    session = make()
    session.on_open(0.0)
    assert session.next_deadline() == pytest.approx(20.0)
    actions = session.tick(20.0)
    assert actions == [Close(4000, "no HELLO"), Reconnect(resume=False, delay=0.0)]


def test_bad_hello_and_unknown_and_malformed_payloads() -> None:
    session = make()
    session.on_open(0.0)
    assert session.on_payload({"op": 99, "d": None}, 0.0) == []
    assert session.on_payload({"d": None}, 0.0) == []
    assert session.on_payload({"op": 0, "s": 1, "d": {}}, 0.0) == []  # dispatch without t
    actions = session.on_payload({"op": 10, "d": {}}, 0.0)
    assert isinstance(actions[0], Close) and isinstance(actions[1], Reconnect)


def test_dispatch_without_s_or_d_is_passed_on() -> None:
    session = make()
    connected(session)
    assert session.on_payload({"op": 0, "t": "X"}, 1.0) == [Dispatch("X", None, None)]


def test_frame_error_resumes() -> None:
    session = make()
    connected(session)
    actions = session.on_error(DecodeError("bad", encoding="json", size=3), 1.0)
    assert actions == [Close(4000, "bad frame"), Reconnect(resume=True, delay=0.0)]


def test_close_on_purpose() -> None:
    session = make()
    connected(session)
    assert session.close(keep_session=True) == [Close(4000, "shutting down")]
    assert session.shard_session.can_resume and session.stopped
    other = make()
    connected(other)
    assert other.close() == [Close(1000, "shutting down")]
    assert not other.shard_session.can_resume


def test_shard_session_outlives_the_session_object() -> None:
    shared = ShardSession(1, 4)
    first = make(shard_session=shared)
    connected(first)
    shared.acknowledge(1)
    first.on_payload(dispatch(2), 1.0)
    first.on_payload(dispatch(3), 1.0)
    shared.acknowledge(2)  # the producer took 2; the actor crashed before 3 was taken
    # A restarted actor gets a new GatewaySession around the same ShardSession.
    second = make(shard_session=shared)
    assert second.connect_url().startswith("wss://resume.example/")
    second.on_open(5.0)
    (resume,) = second.on_payload(HELLO, 5.0)
    assert isinstance(resume, Send) and resume.payload["d"]["seq"] == 2


def test_acknowledge_ignores_none_and_older_and_ready_restarts_seq() -> None:
    shared = ShardSession()
    shared.start("s1", None)
    shared.acknowledge(5)
    shared.acknowledge(None)
    shared.acknowledge(3)
    assert shared.seq == 5
    shared.start("s2", "wss://x/")
    assert shared.seq is None and shared.session_id == "s2"


def test_connect_url_query() -> None:
    session = make(
        gateway_url="ws://127.0.0.1:8765/gateway?x=1",
        encoding=Encoding.ETF,
        compression=Compression.ZSTD_STREAM,
    )
    assert session.connect_url() == (
        "ws://127.0.0.1:8765/gateway?x=1&v=10&encoding=etf&compress=zstd-stream"
    )
    plain = make(compression=Compression.NONE)
    assert plain.connect_url() == "wss://gateway.discord.gg/?v=10&encoding=json"


def test_config_validation() -> None:
    with pytest.raises(ValueError):
        make(large_threshold=251)
    with pytest.raises(ValueError):
        make(shard_id=4, shard_count=4)
