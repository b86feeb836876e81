"""The simulator's REST side: a real HTTP server on loopback that answers like Discord's API.

`FakeRest` runs a stdlib `ThreadingHTTPServer` on 127.0.0.1 (a free port) in a background
thread. Every request must carry `Authorization: Bot <token>` (401 otherwise). Routes are served
from a table (`bot.testing.rest_routes`) over an in-memory state (`bot.testing.rest_state`), with
Discord-style rate limits (`bot.testing.rest_limits`): per-route buckets with real
`X-RateLimit-*` headers, a global limit, 429s with `retry_after` and `X-RateLimit-Scope`, and a
record of every request and every violation for tests to assert on.

    with FakeRest() as rest:
        client = httpx.Client(base_url=rest.base_url,
                              headers={"Authorization": f"Bot {rest.token}"})
        client.get("/gateway/bot").json()["url"]
"""

from __future__ import annotations

import base64
import secrets
import socket
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

import orjson
import structlog

from bot.testing import (  # noqa: F401  (importing them registers the routes)
    rest_handlers,
    rest_handlers_apps,
    rest_handlers_channels,
    rest_handlers_guilds,
)
from bot.testing.rest_limits import Limits, RecordedRequest
from bot.testing.rest_routes import ROUTES, Reply, Request, RouteError
from bot.testing.rest_state import State

__all__ = ["API_VERSION", "FakeRest", "RecordedRequest", "make_token"]

log = structlog.get_logger(__name__)

# https://discord.com/developers/docs/reference#api-versioning
API_VERSION = 10
# Bodies past this are refused (413): the fake is for tests, not for uploads of any size.
MAX_BODY_BYTES = 16 * 1024 * 1024
# Routes Discord answers without a token.
PUBLIC_ROUTES = frozenset({"/gateway"})


def make_token(user_id: int = 1_000_000_000_000_000_001) -> str:
    """Returns a random string shaped like a bot token (id . timestamp . hmac), for tests."""
    head = base64.urlsafe_b64encode(str(user_id).encode()).decode().rstrip("=")
    stamp = secrets.token_urlsafe(5)[:6]
    mac = secrets.token_urlsafe(27)[:27]
    return f"{head}.{stamp}.{mac}"


class FakeRest:
    """Discord's REST API on 127.0.0.1, with state, rate limits and a record of every request.

    `gateway_url`, `shards` and `session_start_limit` are what `GET /gateway/bot` answers; the
    gateway simulator sets `gateway_url` once its own server listens. `limits` holds the
    rate-limit knobs and the record (see `bot.testing.rest_limits.Limits`); `state` the fake
    guilds, channels, messages and users (see `bot.testing.rest_state.State`).
    """

    def __init__(
        self,
        token: str | None = None,
        *,
        gateway_url: str = "ws://127.0.0.1:0",
        shards: int = 1,
        session_start_limit: dict[str, int] | None = None,
        limits: Limits | None = None,
        state: State | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.token = token if token is not None else make_token()
        self.gateway_url = gateway_url
        self.shards = shards
        self.session_start_limit: dict[str, int] = {
            "total": 1000,
            "remaining": 1000,
            "reset_after": 0,
            "max_concurrency": 1,
            **(session_start_limit or {}),
        }
        self.limits = limits if limits is not None else Limits()
        self.state = state if state is not None else State()
        self._host = host
        self._port = port
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        # Notified after every request served, so tests wait on conditions, never sleep.
        self.changed = threading.Condition()
        # Where the dispatches a request causes go (FakeDiscord sends them on its gateway).
        self.on_dispatch: Callable[[str, dict[str, Any]], None] | None = None

    def __repr__(self) -> str:
        return f"<FakeRest url={self.url if self._server else None!r}>"

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> FakeRest:
        """Starts the server thread; returns self. Starting twice is an error."""
        if self._server is not None:
            raise RuntimeError("FakeRest is already started")
        server = _Server((self._host, self._port), _Handler)
        server.fake = self
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="fake-rest"
        )
        self._thread.daemon = True
        self._thread.start()
        log.debug("fake_rest.started", url=self.url)
        return self

    def stop(self) -> None:
        """Stops the server and closes every open connection; safe to call twice."""
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.close_connections()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        log.debug("fake_rest.stopped")

    def __enter__(self) -> FakeRest:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("FakeRest is not started")
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        """The server root, e.g. `http://127.0.0.1:41234`."""
        return f"http://{self._host}:{self.port}"

    @property
    def base_url(self) -> str:
        """The API base URL a client uses, e.g. `http://127.0.0.1:41234/api/v10`."""
        return f"{self.url}/api/v{API_VERSION}"

    # -- what tests read ---------------------------------------------------------------------

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request served so far (a copy), oldest first."""
        return self.limits.recorded()

    @property
    def violations(self) -> list[RecordedRequest]:
        """Every request sent while its bucket or the global limit was exhausted."""
        return self.limits.violations()

    def wait_until(self, predicate: Callable[[], bool], timeout: float | None = 10.0) -> bool:
        """Waits until `predicate()` holds, checked after every request served; False on
        timeout. The predicate may read `requests` and `state` (take `state.lock` for it)."""
        with self.changed:
            return self.changed.wait_for(predicate, timeout)

    # -- request handling (called from the server's threads) ---------------------------------

    def handle(self, method: str, path: str, headers: dict[str, str], body: bytes) -> Reply:
        """Answers one request: auth, rate limits, then the route."""
        prefix = f"/api/v{API_VERSION}"
        if not path.startswith(prefix + "/"):
            return _error(404, 0, "404: Not Found")
        path, _, query = path[len(prefix) :].partition("?")
        # https://discord.com/developers/docs/events/gateway#get-gateway : no authentication.
        public = method == "GET" and path in PUBLIC_ROUTES
        if not public and headers.get("authorization") != f"Bot {self.token}":
            return _error(401, 0, "401: Unauthorized")
        match = ROUTES.match(method, path)
        if match is None:
            return _error(404, 0, "404: Not Found")
        route, params = match
        request = Request(method, path, query, headers, body, params, route.template)
        now = self.limits.clock()
        exempt = route.template.startswith("/interactions/") or (
            params.get("webhook_token") in self.state.interactions
        )
        verdict = self.limits.admit(request, route, now, global_limited=not exempt)
        reply = verdict.reply
        if reply is None:
            try:
                with self.state.lock:
                    reply = route.handler(self, request)
            except RouteError as exc:
                reply = _error(exc.status, exc.code, exc.message, exc.errors)
            reply.headers.update(verdict.headers)
        self.limits.record(request, verdict, now, reply.status)
        self.send_dispatches(request.events)
        with self.changed:
            self.changed.notify_all()
        return reply

    def send_dispatches(self, events: list[tuple[str, dict[str, Any]]]) -> None:
        """Hands dispatches to `on_dispatch` (outside the state lock); a failure is logged."""
        sink = self.on_dispatch
        if sink is None:
            return
        for name, data in events:
            try:
                sink(name, data)
            except Exception:
                log.exception("fake_rest.dispatch_failed", dispatch=name)


def _error(status: int, code: int, message: str, errors: dict[str, Any] | None = None) -> Reply:
    body: dict[str, Any] = {"code": code, "message": message}
    if errors:
        body["errors"] = errors
    return Reply(status, body)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    # The stdlib's backlog of 5 drops connects when a hundred clients start at once.
    request_queue_size = 1024
    fake: FakeRest

    def __init__(self, address: tuple[str, int], handler: Callable[..., Any]) -> None:
        super().__init__(address, handler)
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._connections_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        # Keep-alive connections would otherwise hold a handler thread until the client hangs up.
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, so clients pool connections as with Discord
    # Headers and body go out in two writes: with Nagle on, each answer waits ~40 ms for the
    # client's delayed ACK.
    disable_nagle_algorithm = True
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        # The stdlib writes every request to stderr; the fake keeps its own record instead.
        pass

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY_BYTES:
            self._send(Reply(413, {"code": 40005, "message": "Request entity too large"}))
            self.close_connection = True
            return
        body = self.rfile.read(length) if length else b""
        headers = {key.lower(): value for key, value in self.headers.items()}
        try:
            reply = self.server.fake.handle(self.command, self.path, headers, body)
        except Exception:
            log.exception("fake_rest.handler_failed", method=self.command, path=self.path)
            reply = Reply(500, {"code": 0, "message": "500: Internal Server Error"})
        self._send(reply)

    def _send(self, reply: Reply) -> None:
        payload = b"" if reply.body is None else orjson.dumps(reply.body)
        self.send_response(reply.status)
        if reply.body is not None:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        for key, value in reply.headers.items():
            self.send_header(key, value)
        self.end_headers()
        if payload:
            self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve
