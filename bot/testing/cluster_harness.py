"""Several nodes of one bot as separate processes, against one `python -m bot simulate`.

The multi-node tests and `make cluster-demo` use it. Each node is `python -m bot run` with
`[cluster] backend = "redis"`, `shards = "leases"` and the consumer `examples.cluster_tally:Tally`,
which counts every simulator message it handles in a Redis hash (`S:N` for message N of shard
S). The simulator gives each new session `messages` MESSAGE_CREATEs; a RESUMEd session gets only
what it missed. So after any failure, `tally()` tells by number what was lost (count 0) and
what was handled twice (count > 1).

    with ClusterHarness(redis_url, prefix, nodes=3, shards=6, messages=5000) as cluster:
        cluster.wait_for_handled(1000)
        failover = cluster.kill(cluster.busiest_node())     # SIGKILL; seconds until resumed
        report = cluster.wait_for_all()
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx
import redis

from bot.testing.records_route import RECORDS_PATH

__all__ = ["ClusterHarness", "Report"]

START_TIMEOUT = 30.0
POLL = 0.05  # seconds between reads of Redis while waiting on other processes


@dataclass
class Report:
    """What a run did, by message number (see the module docstring)."""

    nodes: int
    shards: int
    events_sent: int
    events_delivered: int
    lost: int
    duplicates: int
    cross_node_events: int
    redelivered: int
    failover_s: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "nodes": self.nodes,
            "shards": self.shards,
            "events_sent": self.events_sent,
            "events_delivered": self.events_delivered,
            "lost": self.lost,
            "duplicates": self.duplicates,
            "cross_node_events": self.cross_node_events,
            "redelivered": self.redelivered,
            "failover_s": self.failover_s,
            **self.extra,
        }


def _toml(tables: dict[str, dict[str, Any]]) -> str:
    lines = []
    for name, table in tables.items():
        lines.append(f"[{name}]")
        for key, value in table.items():
            if isinstance(value, bool):
                text = "true" if value else "false"
            elif isinstance(value, str):
                text = '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
            elif isinstance(value, list):
                text = "[" + ", ".join(f'"{item}"' for item in value) + "]"
            elif isinstance(value, dict):  # an inline table of numbers (bot.shards)
                text = "{" + ", ".join(f"{k} = {v!r}" for k, v in value.items()) + "}"
            else:
                text = repr(value)
            lines.append(f"{key} = {text}")
        lines.append("")
    return "\n".join(lines)


def _wait(condition: Any, timeout: float) -> bool:
    """Polls `condition()` (state in other processes or Redis: nothing to wait on here)."""
    deadline = time.monotonic() + timeout
    pause = threading.Event()
    while time.monotonic() < deadline:
        if condition():
            return True
        pause.wait(POLL)
    return bool(condition())


def _stopped(pid: int) -> bool:
    """True once process `pid` is stopped (state T in /proc); True where there is no /proc."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rpartition(")")[2].split()[0] in ("T", "t")


class ClusterHarness:
    """A simulator process and `nodes` bot processes sharing one Redis (module docstring)."""

    def __init__(
        self,
        redis_url: str,
        prefix: str,
        *,
        nodes: int = 2,
        shards: int = 4,
        messages: int = 1000,
        lease_ttl: float = 2.0,
        handler_timeout: float = 2.0,
        max_concurrency: int | None = None,
        consumers: tuple[str, ...] = ("examples.cluster_tally:Tally",),
        static_shards: list[tuple[int, int]] | None = None,
        backend: str = "redis",
        broadcast: tuple[str, ...] = (),
        env: dict[str, str] | None = None,
    ) -> None:
        """`static_shards[i]` = (first, last): node i runs those shards (`shards = "static"`)
        instead of taking leases; `backend = "local"` runs the nodes without the cluster (tests
        show what it would break); `env` is added to each node's environment."""
        self.redis_url = redis_url
        self.prefix = prefix
        self.node_count = nodes
        self.shards = shards
        self.messages = messages
        self.lease_ttl = lease_ttl
        self.handler_timeout = handler_timeout
        self.max_concurrency = max_concurrency
        self.consumers = consumers
        self.static_shards = static_shards
        self.backend = backend
        self.broadcast = broadcast
        self.node_env = dict(env or {})
        self.tally_key = f"{prefix}:tally"
        # Typed loosely: redis-py's stubs answer `bytes | str` (or an Awaitable) for everything.
        self.client: Any = redis.Redis.from_url(redis_url)
        self._directory = tempfile.TemporaryDirectory(prefix="shardline-cluster-")
        self.dir = Path(self._directory.name)
        self.simulator: subprocess.Popen[str] | None = None
        self.nodes: dict[str, subprocess.Popen[bytes]] = {}
        self.gateway_url = self.rest_url = self.token = ""

    # -- lifecycle -------------------------------------------------------------------------------

    def start(self) -> ClusterHarness:
        self._start_simulator()
        for index in range(self.node_count):
            self.start_node(f"node-{index}")
        return self

    def stop(self) -> None:
        for name in list(self.nodes):
            self.stop_node(name)
        if self.simulator is not None:
            self.simulator.terminate()
            try:
                self.simulator.wait(10)
            except subprocess.TimeoutExpired:
                self.simulator.kill()
                self.simulator.wait(5)
            if self.simulator.stdout is not None:
                self.simulator.stdout.close()
            self.simulator = None
        with contextlib.suppress(redis.RedisError):
            keys = list(self.client.scan_iter(match=f"{self.prefix}:*", count=1000))
            if keys:
                self.client.delete(*keys)
        self.client.close()
        self._directory.cleanup()

    def __enter__(self) -> ClusterHarness:
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(
        self,
        _type: type[BaseException] | None,
        _value: BaseException | None,
        _traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def _env(self, **extra: str) -> dict[str, str]:
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith("SHARDLINE_") and key != "DISCORD_TOKEN"
        }
        env["PYTHONPATH"] = os.pathsep.join([os.getcwd(), env.get("PYTHONPATH", "")])
        env.update(extra)
        return env

    def _start_simulator(self) -> None:
        config = self.dir / "simulator.toml"
        simulator = {
            "shards": self.shards,
            "guilds": 2 * self.shards,
            "members_per_guild": 5,
            "messages": self.messages,
            "reconnect": False,
            "heartbeat_interval_ms": 1000,
        }
        if self.max_concurrency is not None:
            simulator["max_concurrency"] = self.max_concurrency
        config.write_text(_toml({"simulator": simulator, "log": {"level": "warning"}}))
        self.simulator = subprocess.Popen(
            [sys.executable, "-m", "bot", "simulate", "--config", str(config)],
            stdout=subprocess.PIPE,
            stderr=(self.dir / "simulator.log").open("w"),
            text=True,
            env=self._env(),
        )
        found: dict[str, str] = {}
        assert self.simulator.stdout is not None
        for line in self.simulator.stdout:
            key, _, value = line.partition(":")
            found[key.strip()] = value.strip()
            if {"gateway", "rest", "token"} <= set(found):
                break
        if not {"gateway", "rest", "token"} <= set(found):
            raise RuntimeError(f"the simulator did not start: {self.dir / 'simulator.log'}")
        self.gateway_url, self.rest_url, self.token = (
            found["gateway"],
            found["rest"],
            found["token"],
        )

    def start_node(self, name: str) -> None:
        """Starts (or starts again) node `name` as a `python -m bot run` process."""
        config = self.dir / f"{name}.toml"
        cluster: dict[str, Any] = {
            "backend": "redis",
            "redis_url": self.redis_url,
            "shards": "leases",
            "key_prefix": self.prefix,
            "lease_ttl": self.lease_ttl,
            "handler_timeout": self.handler_timeout,
            "broadcast": list(self.broadcast),
        }
        shards: Any = "auto"
        if self.static_shards is not None:
            first, last = self.static_shards[int(name.rpartition("-")[2])]
            shards = {"first": first, "last": last, "total": self.shards}
            cluster["shards"] = "static"
        if self.backend != "redis":
            cluster = {"backend": self.backend}
        tables: dict[str, Any] = {
            "bot": {"consumers": list(self.consumers), "shards": shards},
            "gateway": {"url": self.gateway_url, "encoding": "json"},
            "rest": {"base_url": self.rest_url},
            "log": {"level": "info", "format": "json"},
            "cluster": cluster,
        }
        config.write_text(_toml(tables))
        env = self._env(
            DISCORD_TOKEN=self.token,
            SHARDLINE_CLUSTER__NODE=name,
            SHARDLINE_TALLY_REDIS=self.redis_url,
            SHARDLINE_TALLY_KEY=self.tally_key,
            **self.node_env,
        )
        self.nodes[name] = subprocess.Popen(
            [sys.executable, "-m", "bot", "run", "--forever", "--config", str(config)],
            stdout=subprocess.DEVNULL,
            stderr=(self.dir / f"{name}.log").open("a"),
            env=env,
        )

    def stop_node(self, name: str, timeout: float = 30.0) -> None:
        """SIGTERM (a planned stop: its shards are handed over), then SIGKILL if it lingers."""
        process = self.nodes.pop(name, None)
        if process is None:
            return
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(process.pid, signal.SIGCONT)
            process.terminate()
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)

    def log_of(self, name: str) -> str:
        path = self.dir / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def records(self) -> dict[str, Any]:
        """The simulator's record (`bot.testing.records_route`): IDENTIFYs, RESUMEs, gateway
        violations, REST requests, 429s and REST violations."""
        reply = httpx.get(
            f"{self.rest_url}{RECORDS_PATH}",
            headers={"Authorization": f"Bot {self.token}"},
            timeout=10,
        )
        reply.raise_for_status()
        found: dict[str, Any] = reply.json()
        return found

    # -- what Redis says -------------------------------------------------------------------------

    def owners(self) -> dict[int, str]:
        """Shard -> the node holding its lease now."""
        found = {}
        for shard in range(self.shards):
            value = self.client.get(f"{self.prefix}:lease:{shard}")
            if value is not None:
                found[shard] = value.decode().rpartition(" ")[0]
        return found

    def checkpoint_owner(self, shard: int) -> str | None:
        value = self.client.hget(f"{self.prefix}:checkpoint:{shard}", "owner")
        return value.decode().rpartition(" ")[0] if value is not None else None

    def handled(self) -> int:
        return int(self.client.hlen(self.tally_key))

    def wait_for_owners(
        self, timeout: float = START_TIMEOUT, among: set[str] | None = None
    ) -> dict[int, str]:
        """Waits until every shard has an owner among `among` (the running nodes), spread
        evenly over them."""
        nodes = set(self.nodes) if among is None else among
        fair = -(-self.shards // max(len(nodes), 1))

        def spread() -> bool:
            owners = self.owners()
            if len(owners) != self.shards or not set(owners.values()) <= nodes:
                return False
            return all(list(owners.values()).count(name) <= fair for name in nodes)

        _wait(spread, timeout)
        return self.owners()

    def wait_until(self, condition: Any, timeout: float = START_TIMEOUT) -> bool:
        """Waits until `condition()` (state in Redis or the other processes) holds."""
        return _wait(condition, timeout)

    def wait_for_handled(self, count: int, timeout: float = START_TIMEOUT) -> bool:
        return _wait(lambda: self.handled() >= count, timeout)

    def busiest_node(self) -> str:
        owners = self.owners()
        return max(self.nodes, key=lambda name: sum(1 for o in owners.values() if o == name))

    # -- failures --------------------------------------------------------------------------------

    def kill(self, name: str, timeout: float = 30.0) -> float | None:
        """SIGKILLs node `name`; returns the seconds until each of its shards published again
        from another node (None if that did not happen within `timeout`)."""
        shards = [shard for shard, owner in self.owners().items() if owner == name]
        process = self.nodes.pop(name)
        killed_at = time.monotonic()
        process.kill()
        process.wait(5)

        def moved() -> bool:
            return all(self.checkpoint_owner(shard) not in (None, name) for shard in shards)

        if not _wait(moved, timeout):
            return None
        return round(time.monotonic() - killed_at, 3)

    def pause(self, name: str) -> None:
        """SIGSTOP: the node keeps its sockets and its leases run out. Returns once the process
        is stopped (signals arrive asynchronously: a log line may still be written meanwhile),
        its log lines carry their own timestamps to tell what came after."""
        pid = self.nodes[name].pid
        os.kill(pid, signal.SIGSTOP)
        _wait(lambda: _stopped(pid), 5.0)

    def resume(self, name: str) -> None:
        """SIGCONT."""
        os.kill(self.nodes[name].pid, signal.SIGCONT)

    # -- the result ------------------------------------------------------------------------------

    def tally(self) -> dict[str, int]:
        return {
            key.decode(): int(value) for key, value in self.client.hgetall(self.tally_key).items()
        }

    def wait_for_all(self, timeout: float = 60.0, failover_s: float | None = None) -> Report:
        """Waits until every message is tallied (or `timeout`); the report."""
        expected = self.shards * self.messages
        _wait(lambda: self.handled() >= expected, timeout)
        # Late redeliveries (claimed after handler_timeout) may still add duplicates: let them.
        _wait(lambda: False, self.handler_timeout + 1.5)
        counts = self.tally()
        stats = {
            key.decode(): int(value)
            for key, value in self.client.hgetall(f"{self.tally_key}:stats").items()
        }
        wanted = {
            f"{shard}:{number}" for shard in range(self.shards) for number in range(self.messages)
        }
        return Report(
            nodes=self.node_count,
            shards=self.shards,
            events_sent=expected,
            events_delivered=sum(counts.get(key, 0) for key in wanted),
            lost=sum(1 for key in wanted if counts.get(key, 0) == 0),
            duplicates=sum(max(counts.get(key, 0) - 1, 0) for key in wanted),
            cross_node_events=stats.get("cross_node", 0),
            redelivered=stats.get("redelivered", 0),
            failover_s=failover_s,
        )


@contextlib.contextmanager
def harness(redis_url: str, prefix: str, **options: Any) -> Iterator[ClusterHarness]:
    with ClusterHarness(redis_url, prefix, **options) as cluster:
        yield cluster
