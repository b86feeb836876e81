"""The JSON codec's parser: msgspec first, then orjson for deep nesting, then the stdlib.

What each frame must give, whichever parser took it: the same values the stdlib would give
where the stdlib can read the frame, and a `DecodeError` (never another exception) where none
can."""

from __future__ import annotations

import json
import math

import pytest

from bot.gateway import DecodeError, JsonCodec

JSON = JsonCodec()


def _dispatch(data: str) -> bytes:
    return f'{{"op": 0, "s": 1, "t": "MESSAGE_CREATE", "d": {data}}}'.encode()


@pytest.mark.parametrize("number", [2**64, 2**64 + 1, -(2**63) - 1, 10**30])
def test_an_integer_past_64_bits_stays_exact(number: int) -> None:
    # orjson gave a float here (1.8446744073709552e+19 for 2**64): not the number sent
    data = JSON.decode_dispatch(_dispatch(f'{{"id": "5", "nonce": {number}}}'))["d"]
    assert data["nonce"] == number and type(data["nonce"]) is int


@pytest.mark.parametrize(
    ("text", "check"),
    [
        ("1e400", lambda value: value == math.inf),
        ("NaN", math.isnan),
        ('"\\ud800"', lambda value: value == "\ud800"),
    ],
)
def test_what_msgspec_refuses_the_stdlib_still_reads(text: str, check: object) -> None:
    data = JSON.decode(_dispatch(f'{{"id": "5", "x": {text}}}'))["d"]
    assert callable(check) and check(data["x"])


@pytest.mark.parametrize("levels", [990, 1010])
def test_nesting_past_pythons_stack_but_within_orjsons_is_read(levels: int) -> None:
    frame = _dispatch("[" * levels + "1" + "]" * levels)
    node = JSON.decode_dispatch(frame)["d"]
    for _ in range(levels - 1):
        (node,) = node
    assert node == [1]


@pytest.mark.parametrize("levels", [1100, 100_000])
def test_nesting_no_parser_reads_is_a_decode_error(levels: int) -> None:
    with pytest.raises(DecodeError):
        JSON.decode_dispatch(_dispatch("[" * levels + "]" * levels))


@pytest.mark.parametrize(
    "frame", [b"", b"{", b'{"op": 0}x', b"\xff\xfe", b'{"a": tru}', b"[1,]", "\u00e9"]
)
def test_a_broken_frame_is_a_decode_error(frame: bytes | str) -> None:
    with pytest.raises(DecodeError):
        JSON.decode(frame)


@pytest.mark.parametrize("kind", [bytes, bytearray, memoryview, str])
def test_every_frame_type_gives_the_stdlib_values(kind: type) -> None:
    text = '{"op": 0, "s": 3, "t": "TYPING_START", "d": {"x": [1.5, -0, true, null, "\\u00e9"]}}'
    frame = text if kind is str else kind(text.encode())
    assert JSON.decode(frame)["d"] == json.loads(text)["d"]
    broken = text[:-1] if kind is str else kind(text.encode()[:-1])
    with pytest.raises(DecodeError):
        JSON.decode(broken)


@pytest.mark.parametrize("digits", [4_301, 100_000, 1_000_000])
def test_an_integer_of_thousands_of_digits_is_a_decode_error(digits: int) -> None:
    # msgspec refuses it; the stdlib refuses past Python's 4,300 digits (no quadratic int())
    frame = _dispatch(f'{{"id": "5", "x": {"7" * digits}}}')
    with pytest.raises(DecodeError):
        JSON.decode_dispatch(frame)
    assert JSON.decode_dispatch(_dispatch(f'{{"id": "5", "x": {"7" * 4_300}}}'))["d"]["x"] > 0
