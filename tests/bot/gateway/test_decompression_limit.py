"""The decompressed size limit per frame: a bomb is refused with a clear error, each compression."""

from __future__ import annotations

import pytest

from bot.gateway import Compression, make_compressor, make_inflater
from bot.gateway.errors import DecompressionError

LIMIT = 64 * 1024


@pytest.mark.parametrize("compression", [Compression.ZLIB_STREAM, Compression.ZSTD_STREAM])
def test_a_message_inflating_past_the_limit_is_refused_then_the_stream_is_dead(
    compression: Compression,
) -> None:
    compressor = make_compressor(compression)
    inflater = make_inflater(compression, max_size=LIMIT)
    at_limit = b"0" * LIMIT
    assert inflater.feed(compressor.compress(at_limit)) == at_limit
    bomb = compressor.compress(b"0" * (LIMIT * 16))
    assert len(bomb) < LIMIT  # small on the wire, large once inflated
    with pytest.raises(DecompressionError, match="past the limit") as caught:
        inflater.feed(bomb)
    assert caught.value.limit == LIMIT
    assert caught.value.compression == compression.value
    with pytest.raises(DecompressionError, match="new connection"):
        inflater.feed(compressor.compress(b"{}"))


def test_a_zlib_message_with_no_end_is_refused_past_the_limit() -> None:
    inflater = make_inflater(Compression.ZLIB_STREAM, max_size=LIMIT)
    assert inflater.feed(b"x" * (LIMIT // 2)) is None
    with pytest.raises(DecompressionError, match="no message end"):
        inflater.feed(b"x" * LIMIT)


def test_an_uncompressed_frame_over_the_limit_is_refused() -> None:
    inflater = make_inflater(Compression.NONE, max_size=LIMIT)
    assert inflater.feed("x" * LIMIT) == "x" * LIMIT
    with pytest.raises(DecompressionError, match="over the limit"):
        inflater.feed("x" * (LIMIT + 1))
