"""Errors of the REST client: one root, `DiscordHTTPError`, with structured fields.

Every error names the route by its template (`POST /channels/{channel_id}/messages`), never
by its URL, because webhook and interaction tokens sit in URLs; the bot token is never held.
httpx's errors are translated here, at one boundary (`NetworkError` keeps the cause).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = [
    "BadRequest",
    "DiscordHTTPError",
    "Forbidden",
    "HTTPResponseError",
    "InvalidRequestLimit",
    "NetworkError",
    "NotFound",
    "RateLimitWaitTooLong",
    "RateLimited",
    "RatelimiterUnavailable",
    "ResponseTooLarge",
    "ServerError",
    "Unauthorized",
    "error_for_response",
    "flatten_field_errors",
]


class DiscordHTTPError(Exception):
    """Root of every REST client error. `route` is the route's template, never its URL."""

    def __init__(self, message: str, *, route: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.route = route

    def __str__(self) -> str:
        return f"{self.message} ({self.route})" if self.route else self.message


class HTTPResponseError(DiscordHTTPError):
    """Discord answered with an error status: `status`, JSON `code`, `message`, `errors`.

    `errors` is Discord's nested field-error object; `field_errors` flattens it to
    `{"embeds.0.title": ["BASE_TYPE_REQUIRED: This field is required"]}`.
    """

    def __init__(
        self,
        status: int,
        code: int,
        message: str,
        *,
        route: str | None = None,
        errors: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(message, route=route)
        self.status = status
        self.code = code
        self.errors: Mapping[str, Any] = errors or {}
        self.field_errors = flatten_field_errors(self.errors)

    def __str__(self) -> str:
        text = f"{self.status} {self.message} (code {self.code}"
        text += f", {self.route})" if self.route else ")"
        for name, problems in self.field_errors.items():
            text += f"\n  {name}: {'; '.join(problems)}"
        return text

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(status={self.status}, code={self.code}, route={self.route!r})"
        )


class BadRequest(HTTPResponseError):
    """400: the request was malformed; see `field_errors`."""


class Unauthorized(HTTPResponseError):
    """401: the token is missing or wrong (counts toward the invalid request limit)."""


class Forbidden(HTTPResponseError):
    """403: the bot lacks a permission (counts toward the invalid request limit)."""


class NotFound(HTTPResponseError):
    """404: the resource does not exist (Discord code 10003 unknown channel, 10008 message...)."""


class ServerError(HTTPResponseError):
    """5xx: Discord failed; safe requests were retried with backoff before this was raised."""


class RateLimited(HTTPResponseError):
    """429 that the client did not wait out (too long, or too many in a row).

    `retry_after` in seconds; `scope` is Discord's `X-RateLimit-Scope`: user, global or shared.
    """

    def __init__(
        self,
        status: int,
        code: int,
        message: str,
        *,
        route: str | None = None,
        errors: Mapping[str, Any] | None = None,
        retry_after: float = 0.0,
        scope: str | None = None,
        is_global: bool = False,
    ) -> None:
        super().__init__(status, code, message, route=route, errors=errors)
        self.retry_after = retry_after
        self.scope = scope
        self.is_global = is_global


class RateLimitWaitTooLong(DiscordHTTPError):
    """The rate limit would make the caller wait past `max_ratelimit_wait`: not sent."""

    def __init__(self, wait: float | None, cap: float, *, route: str | None = None) -> None:
        shown = "unknown" if wait is None else f"{wait:.3f}s"
        super().__init__(f"rate limit wait {shown} exceeds max_ratelimit_wait {cap}s", route=route)
        self.wait = wait
        self.cap = cap


class InvalidRequestLimit(DiscordHTTPError):
    """Too many 401/403/429 answers lately: refused before Discord bans the IP for a while."""

    def __init__(self, count: int, limit: int, retry_after: float, *, route: str | None = None):
        super().__init__(
            f"{count} invalid requests in the window, refusing past {limit}", route=route
        )
        self.count = count
        self.limit = limit
        self.retry_after = retry_after


class RatelimiterUnavailable(DiscordHTTPError):
    """The rate limiter stopped or crashed while the request waited: it was not sent."""


class NetworkError(DiscordHTTPError):
    """The request failed below HTTP (connect, read, timeout); the httpx error is the cause."""


class ResponseTooLarge(DiscordHTTPError):
    """The response body was larger than the client accepts."""


_BY_STATUS: dict[int, type[HTTPResponseError]] = {
    400: BadRequest,
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    429: RateLimited,
}


def error_for_response(status: int, body: Any, *, route: str | None = None) -> HTTPResponseError:
    """Builds the typed error for an error response, from Discord's JSON error body."""
    code, message, errors = 0, f"HTTP {status}", None
    if isinstance(body, Mapping):
        code = int(body.get("code") or 0)
        message = str(body.get("message") or message)
        found = body.get("errors")
        errors = found if isinstance(found, Mapping) else None
    cls = ServerError if status >= 500 else _BY_STATUS.get(status, HTTPResponseError)
    return cls(status, code, message, route=route, errors=errors)


def flatten_field_errors(errors: Mapping[str, Any], prefix: str = "") -> dict[str, list[str]]:
    """Flattens Discord's nested `errors` object into dotted field names and their messages."""
    flat: dict[str, list[str]] = {}
    for key, value in errors.items():
        name = f"{prefix}.{key}" if prefix else str(key)
        if key == "_errors" and isinstance(value, list):
            flat[prefix or "_"] = [
                f"{item.get('code', '')}: {item.get('message', '')}"
                if isinstance(item, Mapping)
                else str(item)
                for item in value
            ]
        elif isinstance(value, Mapping):
            flat.update(flatten_field_errors(value, name))
        else:
            flat[name] = [str(value)]
    return flat
