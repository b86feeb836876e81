"""Every real payload decodes to the same value through JSON and ETF, with each compression."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import erlpack
import pytest

from bot.gateway import Compression, EtfCodec, JsonCodec, make_compressor, make_inflater
from bot.gateway.keys import is_snowflake_key

from .corpus import PAYLOADS, payload_files, payload_ids, unknown_keys

pytestmark = pytest.mark.skipif(not PAYLOADS.is_dir(), reason="payload corpus not present")

JSON = JsonCodec()
ETF = EtfCodec()
FILES = payload_files()


def _reference(path: Path) -> Any:
    return JSON.decode(path.read_bytes())


def _check_shape(value: Any, key: str = "") -> None:
    """The contract shape: str keys, no bytes or tuples, id-shaped strings under id keys gone."""
    if isinstance(value, dict):
        for k, v in value.items():
            assert type(k) is str
            _check_shape(v, k)
    elif isinstance(value, list):
        for item in value:
            _check_shape(item, key)
    else:
        assert not isinstance(value, bytes | tuple)
        if key and is_snowflake_key(key) and isinstance(value, str):
            assert not (value.isascii() and value.isdigit() and len(value) <= 20), (key, value)


def test_corpus_is_there() -> None:
    assert len(FILES) >= 100


def test_every_key_of_the_corpus_is_in_the_key_table() -> None:
    unknown = {path.name: unknown_keys(_reference(path)) for path in FILES}
    assert {name: keys for name, keys in unknown.items() if keys} == {}


@pytest.mark.parametrize("path", FILES, ids=payload_ids())
def test_json_bytes_and_text_agree_and_have_the_contract_shape(path: Path) -> None:
    raw = path.read_bytes()
    value = JSON.decode(raw)
    assert JSON.decode(raw.decode("utf-8")) == value
    _check_shape(value)


@pytest.mark.parametrize("path", FILES, ids=payload_ids())
def test_etf_equals_json(path: Path) -> None:
    expected = _reference(path)
    loaded = json.loads(path.read_bytes())
    # As erlpack encodes a client payload: binary keys, snowflakes as strings.
    assert ETF.decode(erlpack.pack(loaded)) == expected
    # As Discord sends it: atom keys, snowflakes as integers.
    assert ETF.decode(ETF.encode_as_discord(loaded)) == expected


@pytest.mark.parametrize("compression", list(Compression))
@pytest.mark.parametrize("codec", [JSON, ETF], ids=["json", "etf"])
def test_whole_corpus_through_one_compressed_connection(
    codec: JsonCodec | EtfCodec, compression: Compression
) -> None:
    # One connection carries every payload in turn: the stream context is shared throughout.
    compressor = make_compressor(compression)
    inflater = make_inflater(compression)
    for path in FILES:
        loaded = json.loads(path.read_bytes())
        if isinstance(codec, EtfCodec):
            data = codec.encode_as_discord(loaded)
        else:
            data = codec.encode(loaded, limit=None)
        message = compressor.compress(data)
        payload = inflater.feed(message)
        assert payload is not None
        assert codec.decode(payload) == _reference(path), path.name


def test_zlib_message_split_over_many_websocket_frames() -> None:
    compressor = make_compressor(Compression.ZLIB_STREAM)
    inflater = make_inflater(Compression.ZLIB_STREAM)
    big = max(FILES, key=lambda p: p.stat().st_size)
    message = compressor.compress(big.read_bytes())
    chunks = [message[i : i + 4096] for i in range(0, len(message), 4096)]
    results = [inflater.feed(chunk) for chunk in chunks]
    assert results[:-1] == [None] * (len(chunks) - 1)
    assert JSON.decode(results[-1] or b"") == _reference(big)


def test_snowflakes_and_nonces() -> None:
    def load(name: str) -> Any:
        return JSON.decode((PAYLOADS / name).read_bytes())

    created = load("MESSAGE_CREATE--serenity--edge-negative-int-nonce.d.json")
    assert isinstance(created["nonce"], int) and created["nonce"] < 0
    assert isinstance(created["id"], int) and isinstance(created["channel_id"], int)
    docs = load("MESSAGE_CREATE--docs--example-message.d.json")
    raw = json.loads((PAYLOADS / "MESSAGE_CREATE--docs--example-message.d.json").read_bytes())
    assert docs.get("nonce") == raw.get("nonce")  # a str nonce stays a str
    assert docs["author"]["id"] == int(raw["author"]["id"])
    edge = load("GUILD_CREATE--serenity--edge-int-snowflakes.d.json")
    raw_edge = json.loads(
        (PAYLOADS / "GUILD_CREATE--serenity--edge-int-snowflakes.d.json").read_text()
    )
    assert raw_edge["channels"][0]["guild_id"] > 2**53  # an int in the JSON: no float on the way
    assert edge["channels"][0]["guild_id"] == raw_edge["channels"][0]["guild_id"]
    assert edge["channels"][0]["id"] == int(raw_edge["channels"][0]["id"])
    chunk = load("GUILD_MEMBERS_CHUNK--docs--int-not-found.frame.json")
    assert all(isinstance(i, int) for i in chunk["d"]["not_found"])
