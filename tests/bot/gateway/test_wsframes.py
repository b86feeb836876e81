"""Websocket frames cut out of bulk reads (bot.gateway.wsframes), without sockets."""

from __future__ import annotations

import pytest

from bot.gateway.wsframes import (
    OP_BINARY,
    OP_CLOSE,
    OP_CONTINUATION,
    OP_PING,
    OP_TEXT,
    FrameBuffer,
    FrameError,
)


def frame(opcode: int, payload: bytes, *, fin: bool = True, mask: bytes | None = None) -> bytes:
    first = (0x80 if fin else 0) | opcode
    size = len(payload)
    masked = 0x80 if mask is not None else 0
    if size < 126:
        head = bytes([first, masked | size])
    elif size < 1 << 16:
        head = bytes([first, masked | 126]) + size.to_bytes(2, "big")
    else:
        head = bytes([first, masked | 127]) + size.to_bytes(8, "big")
    if mask is None:
        return head + payload
    body = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    return head + mask + body


def messages(buffer: FrameBuffer) -> list[tuple[int, bytes]]:
    out = []
    while (message := buffer.next()) is not None:
        out.append(message)
    return out


@pytest.mark.parametrize("size", [0, 5, 125, 126, 65535, 65536, 300_000])
def test_every_length_form_one_byte_at_a_time_and_all_at_once(size: int) -> None:
    payload = bytes(range(256)) * (size // 256 + 1)
    data = frame(OP_BINARY, payload[:size]) + frame(OP_TEXT, b"next")
    whole = FrameBuffer()
    whole.feed(data)
    assert messages(whole) == [(OP_BINARY, payload[:size]), (OP_TEXT, b"next")]
    if size <= 65536:
        split = FrameBuffer()
        got = []
        for index in range(len(data)):
            split.feed(data[index : index + 1])
            got += messages(split)
        assert got == [(OP_BINARY, payload[:size]), (OP_TEXT, b"next")]


def test_fragments_are_joined_and_control_frames_pass_between_them() -> None:
    buffer = FrameBuffer()
    buffer.feed(
        frame(OP_TEXT, b"he", fin=False)
        + frame(OP_PING, b"p")
        + frame(OP_CONTINUATION, b"ll", fin=False)
        + frame(OP_CONTINUATION, b"o")
        + frame(OP_CLOSE, (4000).to_bytes(2, "big") + b"bye")
    )
    assert messages(buffer) == [
        (OP_PING, b"p"),
        (OP_TEXT, b"hello"),
        (OP_CLOSE, (4000).to_bytes(2, "big") + b"bye"),
    ]


def test_a_masked_frame_is_unmasked() -> None:
    buffer = FrameBuffer()
    buffer.feed(frame(OP_TEXT, b"masked payload", mask=b"\x01\x02\x03\x04"))
    assert messages(buffer) == [(OP_TEXT, b"masked payload")]


@pytest.mark.parametrize(
    "data",
    [
        bytes([0x80 | 0x40 | OP_TEXT, 0]),  # a reserved bit
        bytes([0x80 | 0x3, 0]),  # opcode 3 is reserved
        frame(OP_CONTINUATION, b"x"),  # nothing to continue
        frame(OP_PING, b"x", fin=False),  # a fragmented control frame
        frame(OP_PING, b"x" * 126),  # a control frame over 125 bytes
        frame(OP_TEXT, b"a", fin=False) + frame(OP_TEXT, b"b"),  # a message inside another
    ],
)
def test_protocol_errors_raise(data: bytes) -> None:
    buffer = FrameBuffer()
    buffer.feed(data)
    with pytest.raises(FrameError):
        messages(buffer)


def test_a_message_past_the_limit_raises_before_it_is_buffered() -> None:
    buffer = FrameBuffer(max_message=1000)
    buffer.feed(bytes([0x80 | OP_BINARY, 127]) + (1 << 40).to_bytes(8, "big"))
    with pytest.raises(FrameError, match="too big"):
        buffer.next()


@pytest.mark.parametrize("size", [50, 300])
def test_a_whole_frame_past_a_small_limit_raises_too(size: int) -> None:
    # The one-step path for whole text/binary frames keeps the limit of the general one.
    buffer = FrameBuffer(max_message=20)
    buffer.feed(frame(OP_BINARY, b"x" * size) + frame(OP_TEXT, b"next"))
    with pytest.raises(FrameError, match="too big"):
        buffer.next()


def test_masked_and_fragmented_frames_with_a_16_bit_length_go_the_general_way() -> None:
    buffer = FrameBuffer()
    payload = bytes(range(256)) * 2
    buffer.feed(
        frame(OP_BINARY, payload, mask=b"\x05\x06\x07\x08")
        + frame(OP_TEXT, payload, fin=False)
        + frame(OP_CONTINUATION, payload)
        + frame(OP_BINARY, payload)
    )
    assert messages(buffer) == [
        (OP_BINARY, payload),
        (OP_TEXT, payload + payload),
        (OP_BINARY, payload),
    ]
