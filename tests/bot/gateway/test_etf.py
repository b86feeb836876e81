"""ETF as Discord sends it: atoms, STRING_EXT, tuples, int and string snowflakes; and encoding."""

from __future__ import annotations

import struct
import zlib

import erlpack
import pytest

from bot.gateway import DecodeError, EtfCodec, JsonCodec, PayloadTooLarge
from bot.gateway.etf_guard import MAX_ETF_DEPTH

ETF = EtfCodec()


def binary(text: str) -> bytes:
    data = text.encode()
    return b"m" + struct.pack(">I", len(data)) + data


def small_atom(name: str) -> bytes:
    return b"s" + bytes([len(name)]) + name.encode()


def atom_ext(name: str) -> bytes:
    return b"d" + struct.pack(">H", len(name)) + name.encode()


def etf_map(*pairs: tuple[bytes, bytes]) -> bytes:
    return b"t" + struct.pack(">I", len(pairs)) + b"".join(k + v for k, v in pairs)


def small_big(value: int) -> bytes:
    raw = value.to_bytes(8, "little")
    return b"n\x08\x00" + raw


def test_atoms_nil_true_false_and_others() -> None:
    frame = b"\x83" + etf_map(
        (small_atom("a"), small_atom("nil")),
        (small_atom("b"), atom_ext("true")),
        (b"v\x00\x01c", b"w\x05false"),
        (small_atom("t"), small_atom("MESSAGE_CREATE")),
        (small_atom("e"), small_atom("null")),
    )
    value = ETF.decode(frame)
    assert value == {"a": None, "b": True, "c": False, "t": "MESSAGE_CREATE", "e": "null"}
    assert type(value["t"]) is str and all(type(k) is str for k in value)


def test_string_ext_is_a_list_of_small_ints() -> None:
    # Erlang packs [0, 1] (a shard) as STRING_EXT bytes 00 01.
    frame = b"\x83" + etf_map((small_atom("shard"), b"k\x00\x02\x00\x01"))
    assert ETF.decode(frame) == {"shard": [0, 1]}


def test_tuples_become_lists() -> None:
    frame = b"\x83" + etf_map((small_atom("size"), b"h\x02a\x02a\x05"))
    assert ETF.decode(frame) == {"size": [2, 5]}


def test_snowflakes_int_or_string_become_int_and_match_json() -> None:
    big = 175928847299117063
    frame = b"\x83" + etf_map(
        (small_atom("id"), small_big(big)),
        (small_atom("channel_id"), binary(str(big))),
        (small_atom("guild_id"), b"a\x07"),
        (
            small_atom("roles"),
            b"l\x00\x00\x00\x02" + binary("41771983423143936") + small_big(5) + b"j",
        ),
        (small_atom("nonce"), binary("123")),
        (small_atom("custom_id"), binary("42")),
        (small_atom("permissions"), binary("8")),
    )
    expected = {
        "id": big,
        "channel_id": big,
        "guild_id": 7,
        "roles": [41771983423143936, 5],
        "nonce": "123",
        "custom_id": "42",
        "permissions": "8",
    }
    assert ETF.decode(frame) == expected
    json_frame = (
        b'{"id":"175928847299117063","channel_id":175928847299117063,"guild_id":"7",'
        b'"roles":["41771983423143936","5"],"nonce":"123","custom_id":"42","permissions":"8"}'
    )
    assert JsonCodec().decode(json_frame) == expected


def test_map_int_keys_become_str() -> None:
    frame = b"\x83" + etf_map((b"a\x01", b"a\x02"), (small_big(80351110224678912), binary("x")))
    assert ETF.decode(frame) == {"1": 2, "80351110224678912": "x"}


def test_unknown_keys_pass_through() -> None:
    assert ETF.decode(erlpack.pack({"brand_new_field": 1})) == {"brand_new_field": 1}
    assert JsonCodec().decode(b'{"brand_new_field_id": "12"}') == {"brand_new_field_id": 12}


def test_encode_uses_string_keys_never_compressed_and_refuses_large_payloads() -> None:
    payload = {"op": 2, "d": {"token": "x", "shard": (0, 1), erlpack.Atom("intents"): 513}}
    data = ETF.encode(payload)
    assert data[:2] == b"\x83t"  # a map, not tag 80 (compressed)
    assert b"s\x02op" not in data and b"m\x00\x00\x00\x02op" in data
    assert ETF.decode(data) == {"op": 2, "d": {"token": "x", "shard": [0, 1], "intents": 513}}
    big = {"op": 3, "d": {"status": "x" * 5000}}
    for codec in (ETF, JsonCodec()):
        with pytest.raises(PayloadTooLarge) as info:
            codec.encode(big)
        assert info.value.size > 4096 and info.value.op == 3
        assert codec.decode(codec.encode(big, limit=None))["d"]["status"] == "x" * 5000


def test_text_frame_non_utf8_and_foreign_terms_are_decode_errors() -> None:
    with pytest.raises(DecodeError):
        ETF.decode("text")
    with pytest.raises(DecodeError):
        ETF.decode(b"\x83" + etf_map((small_atom("a"), b"m\x00\x00\x00\x02\xff\xfe")))
    pid = b"\x83gs\x04node\x00\x00\x00\x01\x00\x00\x00\x00\x00"
    with pytest.raises(DecodeError):
        ETF.decode(pid)


def test_compressed_terms_are_refused() -> None:
    inner = erlpack.pack([1, 2])[1:]
    compressed = zlib.compress(inner)
    frame = b"\x83P" + struct.pack(">I", len(compressed)) + compressed
    with pytest.raises(DecodeError, match="compressed"):
        ETF.decode(frame)


@pytest.mark.parametrize("tag", [b"h\x01", b"l\x00\x00\x00\x01"])
def test_deep_nesting_is_refused_not_a_crash(tag: bytes) -> None:
    # erlpack would overflow the C stack on this (SIGSEGV): the guard must stop it first.
    depth = 100_000
    tail = b"j" * depth if tag.startswith(b"l") else b""
    with pytest.raises(DecodeError, match="deeper"):
        ETF.decode(b"\x83" + tag * depth + b"a\x01" + tail)
    # Python's recursion limit stops the normaliser near 1000 levels: a DecodeError, no crash.
    with pytest.raises(DecodeError):
        ETF.decode(b"\x83" + tag * 3000 + b"a\x01" + (b"j" * 3000 if tag.startswith(b"l") else b""))
    shallow = 200
    tail = b"j" * shallow if tag.startswith(b"l") else b""
    padding = binary("hilt" * MAX_ETF_DEPTH)  # many container-tag bytes: the full scan runs
    frame = b"\x83" + b"l\x00\x00\x00\x02" + padding + tag * shallow + b"a\x01" + tail + b"j"
    ETF.decode(frame)
