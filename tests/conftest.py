"""Suite-wide guards: a test fails if it leaves a Pykka actor or an extra thread running, and
whatever logging setup a test makes (`bot.log.configure`) is undone after it.

Threads of the shared `supervisors` pool and timer (named `supervisors-...`) live for the process
and are allowed. A test that must leave other threads (a session server, say) marks itself with
`@pytest.mark.allow_threads("name-prefix", ...)`.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Iterator

import pykka
import pytest
import redis
import structlog

from bot import log as bot_log
from bot.testing.redis_server import RedisServer

# Shared, process-lived threads: supervisors.pool and supervisors.timer. A bot's own timer
# (`bot-<n>-timer`) is not among them: it must end with `bot.stop()`.
ALLOWED_THREAD_PREFIXES = ("supervisors-",)
# How long a test's threads get to finish after it (they are joined, not slept on).
LEAK_WAIT = 5.0


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "allow_threads(*prefixes): threads with these name prefixes may outlive the test"
    )


def _extra_threads(
    before: set[threading.Thread], allowed: tuple[str, ...]
) -> list[threading.Thread]:
    return [
        thread
        for thread in threading.enumerate()
        if thread not in before
        and thread is not threading.current_thread()
        and thread.is_alive()
        and not thread.name.startswith(allowed)
    ]


@pytest.fixture(autouse=True)
def no_leaked_actors_or_threads(request: pytest.FixtureRequest) -> Iterator[None]:
    """Fail the test if it leaves an actor in pykka's registry or an extra thread alive."""
    before = set(threading.enumerate())
    actors_before = set(map(id, pykka.ActorRegistry.get_all()))
    allowed = ALLOWED_THREAD_PREFIXES
    for marker in request.node.iter_markers("allow_threads"):
        allowed = (*allowed, *marker.args)
    yield
    deadline = time.monotonic() + LEAK_WAIT
    for thread in _extra_threads(before, allowed):
        thread.join(max(0.0, deadline - time.monotonic()))
    leaked_actors = [ref for ref in pykka.ActorRegistry.get_all() if id(ref) not in actors_before]
    leaked_threads = _extra_threads(before, allowed)
    if leaked_actors:
        for ref in leaked_actors:
            ref.stop(block=False)
    problems = []
    if leaked_actors:
        problems.append(f"actors left running: {leaked_actors}")
    if leaked_threads:
        problems.append(f"threads left running: {[t.name for t in leaked_threads]}")
    if problems:
        pytest.fail("; ".join(problems), pytrace=False)


def _bot_log_handlers(logger: logging.Logger) -> list[logging.Handler]:
    """The handlers `bot.log.configure` adds (structlog's formatter); pytest's are left alone."""
    return [
        h for h in logger.handlers if isinstance(h.formatter, structlog.stdlib.ProcessorFormatter)
    ]


@pytest.fixture(autouse=True)
def restore_logging() -> Iterator[None]:
    """Undo `bot.log.configure` after each test: structlog's config, the root logger's handler
    and level, and the levels of the libraries it quiets."""
    saved = structlog.get_config()
    root = logging.getLogger()
    level, handlers = root.level, _bot_log_handlers(root)
    # bot.log replaces the handler it added last at each configure: keep it pointing at ours.
    current = bot_log._stdlib_handler
    quiet = {name: logging.getLogger(name).level for name in bot_log.QUIET_LOGGERS}
    yield
    structlog.configure(**saved)
    for handler in _bot_log_handlers(root):
        if handler not in handlers:
            root.removeHandler(handler)
    for handler in handlers:
        if handler not in root.handlers:
            root.addHandler(handler)
    bot_log._stdlib_handler = current
    root.setLevel(level)
    for name, quiet_level in quiet.items():
        logging.getLogger(name).setLevel(quiet_level)


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    """A real redis-server of the suite's own on a free port (never the machine's 6379, never a
    fake). A test that needs it fails, not skips, when none can be started."""
    with RedisServer() as server:
        yield server


@pytest.fixture
def redis_prefix(redis_server: RedisServer) -> Iterator[str]:
    """A key prefix of this test's own; its keys are deleted after the test."""
    prefix = f"test-{uuid.uuid4().hex[:10]}"
    yield prefix
    if redis_server.running:
        client = redis.Redis.from_url(redis_server.url)
        try:
            keys = list(client.scan_iter(match=f"{prefix}:*", count=1000))
            if keys:
                client.delete(*keys)
        finally:
            client.close()


@pytest.fixture
def redis_client(redis_server: RedisServer) -> Iterator[redis.Redis]:
    """A client of the suite's Redis (bytes replies)."""
    client = redis.Redis.from_url(redis_server.url)
    yield client
    client.close()
