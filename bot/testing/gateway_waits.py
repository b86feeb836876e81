"""The simulated gateway's record and its waits: what clients sent, the rules they broke, the
connections, and waits on them that never sleep (one Condition, notified at each change).

`GatewayRecord` is mixed into `GatewayServer`, which owns the fields declared below.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from typing import Any

from bot.testing.gateway_connection import GatewayConnection
from bot.testing.gateway_opcodes import OP_HEARTBEAT, OP_IDENTIFY, OP_RESUME
from bot.testing.gateway_record import ConnectionInfo, Received, RefusedSend, Violation
from bot.testing.gateway_sessions import SimSession

__all__ = ["DEFAULT_TIMEOUT", "GatewayRecord"]

DEFAULT_TIMEOUT = 10.0


class GatewayRecord:
    """The record and the waits of `GatewayServer`."""

    rest: Any
    lock: threading.RLock
    changed: threading.Condition
    sessions: dict[str, SimSession]
    _received: deque[Received]
    _violations: list[Violation]
    _refused: list[RefusedSend]
    _connections: list[GatewayConnection]

    def shard_count(self) -> int:
        raise NotImplementedError

    # -- the record --------------------------------------------------------------------------

    def received(self, op: int | None = None) -> list[Received]:
        """Every payload clients sent (optionally only opcode `op`), oldest first."""
        with self.lock:
            return [r for r in self._received if op is None or r.op == op]

    @property
    def violations(self) -> list[Violation]:
        with self.lock:
            return list(self._violations)

    @property
    def refused_sends(self) -> list[RefusedSend]:
        """Dispatches the simulator could not encode for their connection (not sent, never
        replayed), oldest first."""
        with self.lock:
            return list(self._refused)

    @property
    def connections(self) -> list[ConnectionInfo]:
        with self.lock:
            return [conn.info for conn in self._connections if conn.info is not None]

    def wait_until(
        self, predicate: Callable[[], bool], timeout: float | None = DEFAULT_TIMEOUT
    ) -> bool:
        """Waits until `predicate()` holds (checked at every change); False on timeout.

        The predicate runs under the server's lock and may read any record or session.
        """
        with self.changed:
            return self.changed.wait_for(predicate, timeout)

    def wait_for_received(
        self,
        op: int,
        count: int = 1,
        timeout: float = DEFAULT_TIMEOUT,
        shard_id: int | None = None,
    ) -> Received:
        """Waits for the `count`-th payload with opcode `op`; returns it (TimeoutError if not)."""

        def matching() -> list[Received]:
            return [
                r
                for r in self._received
                if r.op == op and (shard_id is None or r.shard_id == shard_id)
            ]

        if not self.wait_until(lambda: len(matching()) >= count, timeout):
            raise TimeoutError(f"{len(matching())} of {count} payloads with op {op} in {timeout} s")
        with self.lock:
            return matching()[count - 1]

    def wait_for_ready(
        self,
        timeout: float = DEFAULT_TIMEOUT,
        *,
        shard_ids: list[int] | None = None,
        shard_count: int | None = None,
    ) -> list[SimSession]:
        """Waits until every shard is ready; returns their sessions by shard id.

        Ready means: the shard identified (or resumed) on an open connection and that
        connection has written READY and every GUILD_CREATE of the shard's guilds, so a dispatch
        sent now reaches the bot after its guilds. The shards waited for are `shard_ids`, else
        all `shard_count` of them, else all of `shard_count()` (the count the clients identified
        with, once one did; before that the count `GET /gateway/bot` recommends). Raises
        TimeoutError naming the shards that were not ready.
        """

        def wanted() -> list[int]:
            if shard_ids is not None:
                return list(shard_ids)
            return list(range(shard_count if shard_count is not None else self.shard_count()))

        def ready_session(shard_id: int) -> SimSession | None:
            for session in reversed(self.sessions.values()):
                if session.shard_id != shard_id or session.invalidated:
                    continue
                conn = session.connection
                if (
                    conn is not None
                    and conn.info is not None
                    and conn.info.closed_by is None
                    and conn.sent_seq >= session.ready_seq
                ):
                    return session
                return None
            return None

        def all_ready() -> bool:
            return all(ready_session(shard) is not None for shard in wanted())

        if not self.wait_until(all_ready, timeout):
            with self.lock:
                missing = [shard for shard in wanted() if ready_session(shard) is None]
            raise TimeoutError(f"shards {missing} not ready in {timeout} s")
        with self.lock:
            return [session for shard in wanted() if (session := ready_session(shard))]

    def wait_for_identify(
        self, timeout: float = DEFAULT_TIMEOUT, count: int = 1, shard_id: int | None = None
    ) -> Received:
        return self.wait_for_received(OP_IDENTIFY, count, timeout, shard_id)

    def wait_for_resume(
        self, timeout: float = DEFAULT_TIMEOUT, count: int = 1, shard_id: int | None = None
    ) -> Received:
        return self.wait_for_received(OP_RESUME, count, timeout, shard_id)

    def wait_for_heartbeats(
        self, count: int, timeout: float = DEFAULT_TIMEOUT, shard_id: int | None = None
    ) -> Received:
        return self.wait_for_received(OP_HEARTBEAT, count, timeout, shard_id)

    def wait_for_connections(self, count: int, timeout: float = DEFAULT_TIMEOUT) -> ConnectionInfo:
        """Waits until `count` connections were opened; returns the `count`-th."""
        if not self.wait_until(lambda: len(self._connections) >= count, timeout):
            raise TimeoutError(f"{len(self._connections)} of {count} connections in {timeout} s")
        return self.connections[count - 1]

    def wait_for_close(self, count: int = 1, timeout: float = DEFAULT_TIMEOUT) -> ConnectionInfo:
        """Waits until `count` connections have ended; returns the `count`-th to end."""

        def closed() -> list[ConnectionInfo]:
            infos = [c.info for c in self._connections if c.info and c.info.closed_at]
            return sorted(infos, key=lambda info: info.closed_at or 0.0)

        if not self.wait_until(lambda: len(closed()) >= count, timeout):
            raise TimeoutError(f"{len(closed())} of {count} connections closed in {timeout} s")
        with self.lock:
            return closed()[count - 1]

    def wait_for_violation(self, kind: str, timeout: float = DEFAULT_TIMEOUT) -> Violation:
        def found() -> list[Violation]:
            return [v for v in self._violations if v.kind == kind]

        if not self.wait_until(lambda: bool(found()), timeout):
            raise TimeoutError(f"no {kind} violation in {timeout} s")
        with self.lock:
            return found()[0]

    def wait_for_sent(self, seq: int, shard_id: int = 0, timeout: float = DEFAULT_TIMEOUT) -> None:
        """Waits until shard `shard_id`'s connection has written dispatch `seq` to its socket."""

        def sent() -> bool:
            # Only a connection that is still open: a closed one of an earlier client may have
            # sent this seq of its own (older) session.
            return any(
                c.session is not None
                and c.session.shard_id == shard_id
                and c.session.connection is c
                and c.info is not None
                and c.info.closed_by is None
                and c.sent_seq >= seq
                for c in self._connections
            )

        if not self.wait_until(sent, timeout):
            raise TimeoutError(f"dispatch {seq} of shard {shard_id} not sent in {timeout} s")
