"""Bad input of every kind ends in a typed GatewayError (or a value), never anything else."""

from __future__ import annotations

import json
from typing import Any

import erlpack
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.gateway import (
    Close,
    Compression,
    DecodeError,
    DecompressionError,
    Dispatch,
    EtfCodec,
    GatewayError,
    GatewaySession,
    JsonCodec,
    Reconnect,
    RequestIdentify,
    Send,
    SessionConfig,
    Stop,
    make_compressor,
    make_inflater,
)

from .corpus import PAYLOADS, payload_files

JSON = JsonCodec()
ETF = EtfCodec()
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# A few realistic frames (small ones, so that each example is quick), in both encodings.
_SAMPLES = [p for p in payload_files() if p.stat().st_size < 4000][:40] if PAYLOADS.is_dir() else []
JSON_FRAMES = [p.read_bytes() for p in _SAMPLES] or [b'{"op":11}']
ETF_FRAMES = [ETF.encode_as_discord(json.loads(frame)) for frame in JSON_FRAMES]


def _decode_or_typed_error(codec: JsonCodec | EtfCodec, data: bytes | str) -> None:
    try:
        codec.decode(data)
    except DecodeError:
        pass


@SETTINGS
@given(st.binary(max_size=2048))
def test_random_bytes(data: bytes) -> None:
    _decode_or_typed_error(JSON, data)
    _decode_or_typed_error(ETF, data)
    _decode_or_typed_error(ETF, b"\x83" + data)


@SETTINGS
@given(st.text(max_size=500))
def test_random_text(text: str) -> None:
    _decode_or_typed_error(JSON, text)
    _decode_or_typed_error(ETF, text)


@SETTINGS
@given(st.data())
def test_truncated_and_corrupted_real_frames(data: st.DataObject) -> None:
    for frames, codec in ((JSON_FRAMES, JSON), (ETF_FRAMES, ETF)):
        frame = data.draw(st.sampled_from(frames))
        cut = data.draw(st.integers(0, len(frame)))
        _decode_or_typed_error(codec, frame[:cut])
        position = data.draw(st.integers(0, len(frame) - 1))
        flipped = bytes([frame[position] ^ data.draw(st.integers(1, 255))])
        _decode_or_typed_error(codec, frame[:position] + flipped + frame[position + 1 :])


@SETTINGS
@given(st.data(), st.sampled_from([Compression.ZLIB_STREAM, Compression.ZSTD_STREAM]))
def test_broken_compressed_streams(data: st.DataObject, compression: Compression) -> None:
    compressor = make_compressor(compression)
    inflater = make_inflater(compression, max_size=64 * 1024)
    messages = [compressor.compress(frame) for frame in JSON_FRAMES[:5]]
    index = data.draw(st.integers(0, len(messages) - 1))
    message = messages[index]
    mode = data.draw(st.sampled_from(["flip", "truncate", "garbage", "drop"]))
    if mode == "flip":
        position = data.draw(st.integers(0, len(message) - 1))
        message = message[:position] + bytes([message[position] ^ 0xFF]) + message[position + 1 :]
    elif mode == "truncate":
        message = message[: data.draw(st.integers(0, len(message) - 1))]
    elif mode == "garbage":
        message = data.draw(st.binary(min_size=1, max_size=200))
    messages[index] = message
    if mode == "drop":
        del messages[index]
    for item in messages:
        try:
            payload = inflater.feed(item)
        except DecompressionError:
            # Once broken, the inflater refuses everything after, with the same typed error.
            try:
                inflater.feed(b"\x00\x00\xff\xff")
            except DecompressionError:
                pass
            else:
                raise AssertionError("a failed inflater accepted more input") from None
            return
        if payload is not None:
            _decode_or_typed_error(JSON, payload)


_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=20,
)
_payloads = st.fixed_dictionaries(
    {},
    optional={
        "op": st.one_of(st.integers(-5, 50), st.text(max_size=3), st.none(), st.floats()),
        "d": _json_values
        | st.fixed_dictionaries({}, optional={"heartbeat_interval": _json_values}),
        "s": st.one_of(st.integers(), st.none(), st.text(max_size=5), st.booleans()),
        "t": st.one_of(st.sampled_from(["READY", "RESUMED", "X"]), st.none(), st.integers()),
    },
)
_ACTION_TYPES = (Send, Close, Reconnect, RequestIdentify, Dispatch, Stop)


@SETTINGS
@given(
    st.lists(
        st.one_of(
            _payloads.map(lambda p: ("payload", p)),
            st.floats(0, 100).map(lambda t: ("tick", t)),
            st.one_of(st.none(), st.integers(1000, 4999)).map(lambda c: ("close", c)),
            st.just(("open", None)),
            st.just(("identify", None)),
        ),
        max_size=30,
    )
)
def test_session_survives_any_sequence_of_events(events: list[tuple[str, Any]]) -> None:
    session = GatewaySession(SessionConfig(token="t" * 30, intents=1), rng=lambda: 0.5)
    now = 0.0
    for kind, value in events:
        now += 1.0
        if kind == "payload":
            actions = session.on_payload(value, now)
        elif kind == "tick":
            actions = session.tick(now + value)
        elif kind == "close":
            actions = session.on_close(value, now)
        elif kind == "open":
            actions = session.on_open(now)
        else:
            actions = session.identify(now)
        assert all(isinstance(action, _ACTION_TYPES) for action in actions)
        for action in actions:
            if isinstance(action, Stop):
                assert isinstance(action.error, GatewayError)


def test_real_payloads_with_fields_removed_do_not_break_the_session() -> None:
    for frame in JSON_FRAMES:
        payload = JSON.decode(frame)
        if not isinstance(payload, dict) or "op" not in payload:
            continue
        for missing in list(payload):
            partial = {k: v for k, v in payload.items() if k != missing}
            session = GatewaySession(SessionConfig(token="t" * 30, intents=1))
            session.on_open(0.0)
            session.on_payload(partial, 0.0)
            session.on_payload(payload, 1.0)


def test_erlpack_terms_from_real_payloads_round_trip_through_bytes_keys() -> None:
    # erlpack's own encoding of the corpus (binary keys, string snowflakes) decodes like JSON.
    for frame in JSON_FRAMES:
        assert ETF.decode(erlpack.pack(json.loads(frame))) == JSON.decode(frame)
