"""The fake REST API's route table: templates like `/channels/{channel_id}` mapped to handlers.

A handler takes the `FakeRest` and the parsed `Request` and returns a `Reply`, or raises
`RouteError` for a Discord-style JSON error. The handlers themselves live in
`bot.testing.rest_handlers`, which registers them on `ROUTES` when imported.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import default as default_policy
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, unquote

import orjson

if TYPE_CHECKING:
    from bot.testing.rest import FakeRest

__all__ = [
    "ROUTES",
    "Reply",
    "Request",
    "Route",
    "RouteError",
    "RouteTable",
    "UploadedFile",
]

# Discord's major parameters: a bucket is per route *and* per value of these.
# https://discord.com/developers/docs/topics/rate-limits
MAJOR_PARAMETERS = ("channel_id", "guild_id", "webhook_id", "webhook_token")


@dataclass
class Request:
    """One parsed request, as a handler sees it."""

    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes
    params: dict[str, str]
    template: str
    # Gateway dispatches the request caused (MESSAGE_CREATE for a posted message...), sent by
    # FakeRest once the state lock is released: Discord tells the bot what its requests did.
    events: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def emit(self, name: str, data: dict[str, Any]) -> None:
        """Queues a gateway dispatch (a copy of `data`) for after the request."""
        self.events.append((name, dict(data)))

    def args(self) -> dict[str, str]:
        """The query string as a dict (last value wins)."""
        return {key: values[-1] for key, values in parse_qs(self.query).items()}

    def payload(self) -> tuple[Any, list[UploadedFile]]:
        """The JSON body, or for multipart the `payload_json` part and the uploaded files."""
        content_type = self.headers.get("content-type", "")
        if content_type.startswith("multipart/form-data"):
            return _parse_multipart(content_type, self.body)
        if not self.body:
            return None, []
        try:
            return orjson.loads(self.body), []
        except orjson.JSONDecodeError:
            raise RouteError(400, 50109, "The request body contains invalid JSON.") from None

    @property
    def major(self) -> str:
        """The route's major parameter values joined, e.g. `"123"` for a channel route."""
        return ":".join(self.params[name] for name in MAJOR_PARAMETERS if name in self.params)


@dataclass(frozen=True)
class UploadedFile:
    """One file of a multipart upload."""

    field: str
    filename: str
    content_type: str
    data: bytes


def _parse_multipart(content_type: str, body: bytes) -> tuple[Any, list[UploadedFile]]:
    message = BytesParser(policy=default_policy).parsebytes(
        b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body
    )
    payload: Any = None
    files: list[UploadedFile] = []
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        data = part.get_payload(decode=True)
        if not isinstance(name, str) or not isinstance(data, bytes):
            continue
        if name == "payload_json":
            payload = orjson.loads(data)
        elif name.startswith("files["):
            filename = part.get_filename() or name
            files.append(UploadedFile(name, filename, part.get_content_type(), data))
    return payload, files


@dataclass
class Reply:
    """What a handler answers: status, JSON body (None for no body) and extra headers."""

    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


class RouteError(Exception):
    """Raised by a handler for a Discord JSON error (`{"code", "message", "errors"}`)."""

    def __init__(
        self, status: int, code: int, message: str, errors: dict[str, Any] | None = None
    ) -> None:
        super().__init__(status, code, message)
        self.status = status
        self.code = code
        self.message = message
        self.errors = errors


Handler = Callable[["FakeRest", Request], Reply]


@dataclass(frozen=True)
class Route:
    """One route: method, template, handler, and the bucket it shares (by default its own)."""

    method: str
    template: str
    pattern: re.Pattern[str]
    handler: Handler
    bucket: str


_PARAM_RE = re.compile(r"\{(\w+)\}")


def _compile(template: str) -> re.Pattern[str]:
    def group(match: re.Match[str]) -> str:
        name = match.group(1)
        # Snowflakes are digits, so `/users/@me` never matches `/users/{user_id}`.
        body = r"\d+" if name.endswith("_id") else r"[^/]+"
        return f"(?P<{name}>{body})"

    return re.compile(
        "^"
        + _PARAM_RE.sub(group, re.escape(template).replace(r"\{", "{").replace(r"\}", "}"))
        + "$"
    )


class RouteTable:
    """Routes by method; the first registered match wins."""

    def __init__(self) -> None:
        self._routes: dict[str, list[Route]] = {}

    def add(
        self, method: str, template: str, *, bucket: str | None = None
    ) -> Callable[[Handler], Handler]:
        """Decorator: registers `handler` for `method template`; `bucket` names a shared bucket."""

        def register(handler: Handler) -> Handler:
            route = Route(
                method, template, _compile(template), handler, bucket or f"{method} {template}"
            )
            self._routes.setdefault(method, []).append(route)
            return handler

        return register

    def match(self, method: str, path: str) -> tuple[Route, dict[str, str]] | None:
        for route in self._routes.get(method, ()):
            found = route.pattern.match(path)
            if found is not None:
                return route, {k: unquote(v) for k, v in found.groupdict().items()}
        return None

    def __iter__(self) -> Any:
        for routes in self._routes.values():
            yield from routes


ROUTES = RouteTable()
