"""The gateway wire protocol as pure code: codecs, compression, opcodes, close codes, intents,
send limits and the sans-IO session state machine. No threads, no sockets: `actors/shard.py`
does the IO around these objects.
"""

from __future__ import annotations

from .codecs import Codec, Encoding, EtfCodec, JsonCodec, codec_for
from .compression import (
    Compression,
    Compressor,
    Inflater,
    make_compressor,
    make_inflater,
)
from .errors import (
    DecodeError,
    DecompressionError,
    EncodeError,
    FatalCloseError,
    GatewayError,
    PayloadTooLarge,
    UnknownIntentError,
)
from .opcodes import Opcode

__all__ = [
    "Codec",
    "Compression",
    "Compressor",
    "DecodeError",
    "DecompressionError",
    "EncodeError",
    "Encoding",
    "EtfCodec",
    "FatalCloseError",
    "GatewayError",
    "Inflater",
    "JsonCodec",
    "Opcode",
    "PayloadTooLarge",
    "UnknownIntentError",
    "codec_for",
    "make_compressor",
    "make_inflater",
]
