"""The REST transport: one httpx client, the rate limiter around every request, and retries.

`Requester.request(route, ...)` asks the limiter, sends the request in the caller's thread,
reports the answer's headers back to the limiter, then returns the decoded JSON or raises a
typed error. 429s are waited out and retried (the limiter holds the bucket or the whole bot
until `retry_after`); 5xx answers and lost connections are retried with exponential backoff for
requests that are safe to repeat. httpx errors are translated here and nowhere else.
"""

from __future__ import annotations

import random
import time
import urllib.parse
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import httpx
import orjson
import structlog

from bot.api.buckets import RateLimitInfo, parse_ratelimit_headers
from bot.api.errors import (
    DiscordHTTPError,
    NetworkError,
    RateLimited,
    ResponseTooLarge,
    error_for_response,
)
from bot.api.limiter import Limiter
from bot.api.ratelimits import Outcome
from bot.api.routes import Route

__all__ = [
    "API_VERSION",
    "DEFAULT_BASE_URL",
    "File",
    "Requester",
    "user_agent",
]

log = structlog.get_logger(__name__)

# https://discord.com/developers/docs/reference#api-versioning
API_VERSION = 10
DEFAULT_BASE_URL = f"https://discord.com/api/v{API_VERSION}"
LIBRARY_URL = "https://github.com/shardline/shardline"
LIBRARY_VERSION = "0.1.0"
# Methods whose repetition does no harm: retried on 5xx and lost connections.
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
# Bodies past this are refused: a REST answer is JSON of a few kB, a bulk list a few MB.
MAX_RESPONSE_BYTES = 32 * 1024 * 1024
MAX_429_RETRIES = 5


def user_agent(url: str = LIBRARY_URL, version: str = LIBRARY_VERSION) -> str:
    """Discord's User-Agent format. https://discord.com/developers/docs/reference#user-agent"""
    return f"DiscordBot ({url}, {version})"


class File:
    """A file to upload with a message: name, bytes, optional content type and description."""

    __slots__ = ("content_type", "data", "description", "filename")

    def __init__(
        self,
        filename: str,
        data: bytes,
        *,
        content_type: str = "application/octet-stream",
        description: str | None = None,
    ) -> None:
        self.filename = filename
        self.data = data
        self.content_type = content_type
        self.description = description

    def __repr__(self) -> str:
        return f"File({self.filename!r}, {len(self.data)} bytes)"


class Budget:
    """What one call may still wait for the rate limiter, out of `cap` seconds in all."""

    __slots__ = ("_clock", "cap", "spent")

    def __init__(self, cap: float, clock: Callable[[], float]) -> None:
        self.cap = cap
        self.spent = 0.0
        self._clock = clock

    def left(self) -> float:
        return max(self.cap - self.spent, 0.0)

    @contextmanager
    def spending(self) -> Iterator[None]:
        """Counts the time inside as waited."""
        started = self._clock()
        try:
            yield
        finally:
            self.spent += self._clock() - started


class Requester:
    """Sends routes through the limiter with retries; shared by every thread of the bot."""

    def __init__(
        self,
        token: str,
        limiter: Limiter,
        *,
        base_url: str = DEFAULT_BASE_URL,
        timeout: float = 30.0,
        server_error_retries: int = 3,
        backoff_base: float = 0.5,
        backoff_cap: float = 8.0,
        max_connections: int = 100,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._limiter = limiter
        self._clock = clock
        self._server_error_retries = server_error_retries
        self._backoff_base = backoff_base
        self._backoff_cap = backoff_cap
        self._sleep = sleep
        self.base_url = base_url.rstrip("/")
        self._http = httpx.Client(
            base_url=self.base_url,
            headers={"Authorization": f"Bot {token}", "User-Agent": user_agent()},
            timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
            limits=httpx.Limits(
                max_connections=max_connections, max_keepalive_connections=max_connections
            ),
            verify=True,
            transport=transport,
        )

    def __repr__(self) -> str:
        return f"<Requester base_url={self.base_url!r}>"

    def close(self) -> None:
        self._http.close()

    def request(
        self,
        route: Route,
        *,
        json: Any = None,
        params: Mapping[str, Any] | None = None,
        files: Sequence[File] | None = None,
        reason: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Any:
        """Sends `route`; returns the decoded JSON body (None for 204) or raises.

        The rate-limit waits of the whole call, 429 retries included, add up to at most
        `max_ratelimit_wait`: a retry that would wait past what is left raises instead.
        """
        safe = route.method in SAFE_METHODS
        failures = 0
        rate_limited = 0
        budget = Budget(self._limiter.max_ratelimit_wait, self._clock)
        while True:
            try:
                status, body, info = self._attempt(
                    route, self._build(route, json, params, files, reason, headers), budget
                )
            except NetworkError as exc:
                if safe and failures < self._server_error_retries:
                    failures += 1
                    self._backoff(route, failures, type(exc.__cause__).__name__)
                    continue
                raise
            if status < 300:
                return body
            error = error_for_response(status, body, route=route.key)
            if isinstance(error, RateLimited):
                retry_after = info.retry_after or 0.0
                error.retry_after, error.scope = retry_after, info.scope
                error.is_global = info.is_global or info.scope == "global"
                too_long = retry_after > budget.left()
                if too_long or rate_limited >= MAX_429_RETRIES:
                    log.info(
                        "rest.rate_limited",
                        route=route.key,
                        retry_after=retry_after,
                        waited=round(budget.spent, 3),
                        cap=budget.cap,
                        retries=rate_limited,
                    )
                    raise error
                rate_limited += 1  # the limiter now holds the bucket until retry_after
                continue
            if status >= 500 and safe and failures < self._server_error_retries:
                failures += 1
                self._backoff(route, failures, status)
                continue
            raise error

    def _attempt(
        self, route: Route, request: httpx.Request, budget: Budget
    ) -> tuple[int, Any, RateLimitInfo]:
        """One permitted send; the grant goes back to the limiter whatever happens."""
        with budget.spending():
            grant = self._limiter.acquire(route, budget.left())
        outcome = Outcome(None)
        try:
            try:
                response = self._http.send(request, stream=True)
            except httpx.HTTPError as exc:
                name = type(exc).__name__
                raise NetworkError(f"{name} talking to Discord", route=route.key) from exc
            try:
                body = self._read(response, route)
            finally:
                response.close()
            retry_after = body.get("retry_after") if isinstance(body, dict) else None
            info = parse_ratelimit_headers(response.headers, retry_after)
            outcome = Outcome(response.status_code, info)
            return response.status_code, body, info
        finally:
            self._limiter.release(grant, outcome)

    def _build(
        self,
        route: Route,
        json: Any,
        params: Mapping[str, Any] | None,
        files: Sequence[File] | None,
        reason: str | None,
        headers: Mapping[str, str] | None,
    ) -> httpx.Request:
        extra = dict(headers or {})
        if reason:
            # https://discord.com/developers/docs/resources/audit-log (X-Audit-Log-Reason)
            extra["X-Audit-Log-Reason"] = urllib.parse.quote(reason, safe=" ")
        query = {k: _query_value(v) for k, v in (params or {}).items() if v is not None}
        if files:
            # https://discord.com/developers/docs/reference#uploading-files
            payload = dict(json or {})
            payload.setdefault(
                "attachments",
                [
                    {"id": i, "filename": f.filename}
                    | ({"description": f.description} if f.description else {})
                    for i, f in enumerate(files)
                ],
            )
            multipart = [
                (f"files[{i}]", (f.filename, f.data, f.content_type)) for i, f in enumerate(files)
            ]
            return self._http.build_request(
                route.method,
                route.path,
                params=query,
                headers=extra,
                data={"payload_json": orjson.dumps(payload).decode()},
                files=multipart,
            )
        content = None
        if json is not None:
            content = orjson.dumps(json)
            extra["Content-Type"] = "application/json"
        return self._http.build_request(
            route.method, route.path, params=query, headers=extra, content=content
        )

    def _read(self, response: httpx.Response, route: Route) -> Any:
        size = 0
        chunks: list[bytes] = []
        try:
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > MAX_RESPONSE_BYTES:
                    raise ResponseTooLarge(
                        f"response body over {MAX_RESPONSE_BYTES} bytes", route=route.key
                    )
                chunks.append(chunk)
        except httpx.HTTPError as exc:
            raise NetworkError(f"{type(exc).__name__} reading the answer", route=route.key) from exc
        raw = b"".join(chunks)
        if not raw:
            return None
        if response.headers.get("content-type", "").startswith("application/json"):
            try:
                return orjson.loads(raw)
            except orjson.JSONDecodeError as exc:
                raise DiscordHTTPError("Discord sent malformed JSON", route=route.key) from exc
        return raw.decode("utf-8", "replace")

    def _backoff(self, route: Route, attempt: int, cause: object) -> None:
        delay = min(self._backoff_cap, self._backoff_base * 2 ** (attempt - 1))
        delay *= 0.5 + random.random() / 2  # jitter, so many callers do not retry in step
        log.info("rest.retrying", route=route.key, attempt=attempt, cause=cause, delay=delay)
        self._sleep(delay)


def _query_value(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    return value
