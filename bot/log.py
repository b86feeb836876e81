"""Structured logging for Shardline: structlog, with the token redacted before any output.

`configure()` sets it up once per process: human-readable lines on a terminal, JSON lines
otherwise (or as `format` says). Every log line passes through `redact_tokens`, which replaces
anything shaped like a Discord bot token, and any secret registered with `register_secret`, by
`[REDACTED]`. Libraries (`supervisors`, `actors`) only call `structlog.get_logger()`.
"""

from __future__ import annotations

import logging
import re
import sys
import threading
from collections.abc import Mapping, MutableMapping
from typing import Any, Literal

import structlog

__all__ = ["REDACTED", "configure", "redact", "redact_tokens", "register_secret"]

REDACTED = "[REDACTED]"

# A bot token is three base64url parts: the user id (base64 of a snowflake, 23 to 28 chars),
# a timestamp (6 or 7 chars) and an HMAC (27 chars or more). See
# https://discord.com/developers/docs/reference#authentication
_TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{23,28}\.[A-Za-z0-9_-]{6,7}\.[A-Za-z0-9_-]{27,}")
# "Bot <anything>" in an Authorization header.
_AUTH_RE = re.compile(r"(Bot|Bearer)\s+[^\s'\"]+")

_secrets: set[str] = set()
_stdlib_handler: logging.Handler | None = None
_secrets_lock = threading.Lock()

LogFormat = Literal["auto", "console", "json"]

# Libraries that log every connection or request at INFO ("connection open", "HTTP Request:
# POST ..."): in a bot's output that is noise, so they log from WARNING up.
QUIET_LOGGERS = ("websockets", "httpx", "httpcore")


def register_secret(secret: str) -> None:
    """Redacts `secret` from every log line from now on (the configured token, say)."""
    if secret and len(secret) >= 8:
        with _secrets_lock:
            _secrets.add(secret)


def redact(text: str) -> str:
    """Returns `text` with every token-shaped string and registered secret replaced."""
    for secret in tuple(_secrets):
        if secret in text:
            text = text.replace(secret, REDACTED)
    text = _TOKEN_RE.sub(REDACTED, text)
    return _AUTH_RE.sub(lambda m: f"{m.group(1)} {REDACTED}", text)


def _redact_value(value: Any) -> Any:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, Mapping):
        return {k: _redact_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return (
            type(value)(_redact_value(v) for v in value)
            if isinstance(value, list)
            else tuple(_redact_value(v) for v in value)
        )
    if isinstance(value, BaseException | int | float | bool) or value is None:
        return value
    return redact(repr(value))


def redact_tokens(
    _logger: Any, _method: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """structlog processor: redacts tokens from every value of the event, tracebacks included."""
    for key, value in list(event_dict.items()):
        if key == "exc_info":
            continue
        event_dict[key] = _redact_value(value)
    return event_dict


def _redact_rendered(_logger: Any, _method: str, rendered: Any) -> Any:
    # Runs last, on the rendered line, so a token inside a formatted traceback is caught too.
    return redact(rendered) if isinstance(rendered, str) else rendered


def configure(level: str = "info", format: LogFormat = "auto", stream: Any = None) -> None:
    """Sets up structlog and the stdlib root logger for the process."""
    stream = stream if stream is not None else sys.stderr
    numeric = logging.getLevelNamesMapping().get(level.upper())
    if numeric is None:
        raise ValueError(f"unknown log level {level!r}: expected debug, info, warning or error")
    use_console = format == "console" or (
        format == "auto" and hasattr(stream, "isatty") and stream.isatty()
    )
    renderer: Any = (
        structlog.dev.ConsoleRenderer(colors=use_console and format != "json")
        if use_console
        else structlog.processors.JSONRenderer()
    )
    processors: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        redact_tokens,
    ]
    if not use_console:
        processors.append(structlog.processors.dict_tracebacks)
    processors += [renderer, _redact_rendered]
    structlog.configure(
        processors=processors,
        wrapper_class=structlog.make_filtering_bound_logger(numeric),
        logger_factory=structlog.PrintLoggerFactory(file=stream),
        cache_logger_on_first_use=False,
    )
    _configure_stdlib(numeric, stream, renderer, tracebacks=not use_console)


def _configure_stdlib(level: int, stream: Any, renderer: Any, *, tracebacks: bool) -> None:
    """Routes the stdlib's log records (libraries') through the same rendering and redaction.
    `configure` may run again (with the config's level and format): the handler it added
    before is replaced; handlers others added (pytest's, an application's) stay."""
    chain: list[Any] = [
        structlog.stdlib.add_logger_name,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        redact_tokens,
    ]
    if tracebacks:
        chain.append(structlog.processors.dict_tracebacks)
    handler = logging.StreamHandler(stream)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=chain,
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                renderer,
                _redact_rendered,
            ],
        )
    )
    global _stdlib_handler
    root = logging.getLogger()
    if _stdlib_handler is not None:
        root.removeHandler(_stdlib_handler)
    _stdlib_handler = handler
    root.addHandler(handler)
    root.setLevel(level)
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(max(level, logging.WARNING))
