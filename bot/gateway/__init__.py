"""The gateway wire protocol as pure code: codecs, compression, opcodes, close codes, intents,
send limits and the sans-IO session state machine. No threads, no sockets: `actors/shard.py`
does the IO around these objects.
"""

from __future__ import annotations

from .close_codes import CloseAction, CloseCode, classify
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
from .intents import Intents, parse_intents
from .messages import Action, Close, Dispatch, Reconnect, RequestIdentify, Send, Stop
from .opcodes import Opcode
from .ratelimit import SendLimiter
from .session import GatewaySession, SessionConfig, SessionState
from .session_state import ShardSession
from .url import gateway_url

__all__ = [
    "Action",
    "Close",
    "CloseAction",
    "CloseCode",
    "Codec",
    "Compression",
    "Compressor",
    "DecodeError",
    "DecompressionError",
    "Dispatch",
    "EncodeError",
    "Encoding",
    "EtfCodec",
    "FatalCloseError",
    "GatewayError",
    "GatewaySession",
    "Inflater",
    "Intents",
    "JsonCodec",
    "Opcode",
    "PayloadTooLarge",
    "Reconnect",
    "RequestIdentify",
    "Send",
    "SendLimiter",
    "SessionConfig",
    "SessionState",
    "ShardSession",
    "Stop",
    "UnknownIntentError",
    "classify",
    "codec_for",
    "gateway_url",
    "make_compressor",
    "make_inflater",
    "parse_intents",
]
