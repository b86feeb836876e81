"""Errors of the gateway wire protocol: one root, `GatewayError`, with structured fields.

Every failure the codecs, the inflaters, the send limiter and the session report is a
`GatewayError`; errors of third-party libraries (erlpack, orjson, zlib, zstandard) are translated
here, at one boundary, with the original as `__cause__`. No message ever holds the token: the
payload that failed is never put in a message, only its size, opcode or a short reason.
"""

from __future__ import annotations

__all__ = [
    "DecodeError",
    "DecompressionError",
    "EncodeError",
    "FatalCloseError",
    "GatewayError",
    "PayloadTooLarge",
    "UnknownIntentError",
]


class GatewayError(Exception):
    """Root of every gateway error.

    `code` is the gateway close code that goes with the error (the one Discord sent, or the one
    the client should close with), or None. `can_reconnect` says whether a new connection may
    help; `can_resume` whether that connection may RESUME rather than IDENTIFY.
    """

    def __init__(
        self,
        reason: str,
        *,
        code: int | None = None,
        can_reconnect: bool = True,
        can_resume: bool = True,
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.code = code
        self.can_reconnect = can_reconnect
        self.can_resume = can_resume

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(reason={self.reason!r}, code={self.code!r}, "
            f"can_reconnect={self.can_reconnect!r})"
        )


class DecodeError(GatewayError):
    """A frame is not valid JSON or ETF, or holds a term the gateway never sends."""

    def __init__(self, reason: str, *, encoding: str, size: int) -> None:
        super().__init__(f"cannot decode {encoding} frame of {size} bytes: {reason}")
        self.encoding = encoding
        self.size = size


class EncodeError(GatewayError):
    """An outgoing payload holds a value the encoding cannot carry."""


class DecompressionError(GatewayError):
    """A transport-compressed stream is broken, or a frame inflates past the size limit.

    The inflater of that connection is unusable afterwards: close it (non-1000, so the session
    survives) and RESUME on a new connection, which gets a fresh inflater.
    """

    def __init__(self, reason: str, *, compression: str, limit: int | None = None) -> None:
        super().__init__(f"{compression}: {reason}", code=None, can_reconnect=True)
        self.compression = compression
        self.limit = limit


class PayloadTooLarge(GatewayError):
    """An outgoing payload is over Discord's 4096-byte limit; it was not sent."""

    def __init__(self, size: int, limit: int, *, op: int | None = None) -> None:
        super().__init__(
            f"outgoing payload of {size} bytes (op {op}) is over the gateway limit "
            f"of {limit} bytes",
            code=4002,
        )
        self.size = size
        self.limit = limit
        self.op = op


class FatalCloseError(GatewayError):
    """Discord closed with a code that forbids reconnecting (4004, 4010 to 4014).

    The shard stops and does not retry: the configuration (token, shard count, API version,
    intents) must change first.
    """

    def __init__(self, code: int, description: str, hint: str) -> None:
        super().__init__(
            f"gateway closed with {code} ({description}): {hint}",
            code=code,
            can_reconnect=False,
            can_resume=False,
        )
        self.description = description
        self.hint = hint


class UnknownIntentError(GatewayError, ValueError):
    """An intent name in the configuration is not a Discord gateway intent."""

    def __init__(self, name: str, known: list[str]) -> None:
        super().__init__(
            f"unknown intent {name!r}; known intents: {', '.join(known)}, "
            "or 'all' / 'nonprivileged'",
            can_reconnect=False,
            can_resume=False,
        )
        self.name = name
