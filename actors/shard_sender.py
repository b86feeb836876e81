"""The sending half of `ShardActor`: the ticker thread and the carrying out of session actions.

The ticker heartbeats at the session's deadlines and sends queued commands as fast as the send
limiter allows (heartbeats may use the reserve the limiter keeps for them), independent of the
reader. All of it runs under the shard's lock, which also guards the session state machine.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from typing import Any, NamedTuple

from actors.messages import IdentifyGranted, RequestIdentify
from actors.shard_socket import GatewaySocket, SocketClosed
from actors.shard_state import ShardState
from bot.gateway.codecs import EtfCodec, JsonCodec
from bot.gateway.errors import PayloadTooLarge
from bot.gateway.messages import Action, Close, Reconnect, Send, Stop
from bot.gateway.messages import Dispatch as DispatchAction
from bot.gateway.messages import RequestIdentify as NeedIdentify
from bot.gateway.ratelimit import SendLimiter
from bot.gateway.session import GatewaySession, SessionState

__all__ = ["ReaderFailed", "ShardSender"]


class ReaderFailed(NamedTuple):
    """Told by the reader or ticker thread to its actor: crash with `error`."""

    error: BaseException


class ShardSender:
    """Mixed into ShardActor, which owns every field declared here."""

    shard_id: int
    state: ShardState
    actor_ref: Any
    _lock: threading.RLock
    _cond: threading.Condition
    _stopping: threading.Event
    _gateway: GatewaySession
    _socket: GatewaySocket | None
    _connection: int
    _limiter: SendLimiter
    _next_step: Reconnect | Stop | None
    _queue: deque[bytes]
    _inflight: tuple[Any, int | None] | None
    _codec: JsonCodec | EtfCodec
    _identify_source: Any
    _log: Any

    # -- the ticker ------------------------------------------------------------------------------

    def _ticker_main(self) -> None:
        try:
            with self._cond:
                while not self._stopping.is_set():
                    now = time.monotonic()
                    deadline = self._gateway.next_deadline()
                    if self._queue and self._can_send_commands():
                        ready_at = now + self._limiter.delay(now)
                        deadline = ready_at if deadline is None else min(deadline, ready_at)
                    if deadline is not None and deadline <= now:
                        self._acknowledge_taken()
                        # The session knows when the reader paused (`reader_paused`): an ACK
                        # unread behind held frames is not taken for a zombie.
                        self._run(self._gateway.tick(now))
                        self._send_queued(now)
                        continue
                    self._cond.wait(None if deadline is None else deadline - now)
        except BaseException as exc:
            if not self._stopping.is_set():
                self._log.error("shard.ticker_failed", error=repr(exc)[:200])
                self.actor_ref.tell(ReaderFailed(exc))

    def _acknowledge_taken(self) -> None:
        # The heartbeat carries the last seq the producer took, even while the reader is idle.
        inflight = self._inflight
        if inflight is None:
            return
        try:
            inflight[0].get(timeout=0)
        except Exception:
            return
        self.state.session.acknowledge(inflight[1])

    def _can_send_commands(self) -> bool:
        return self._socket is not None and self._gateway.status is SessionState.CONNECTED

    def _send_queued(self, now: float) -> None:
        while self._queue and self._can_send_commands():
            if self._limiter.delay(now) > 0:
                return
            self._limiter.record(now)
            self._write(self._queue.popleft())

    # -- carrying out the session's actions (under the lock) -----------------------------------

    def _run(self, actions: list[Action]) -> list[DispatchAction]:
        dispatches: list[DispatchAction] = []
        for action in actions:
            if isinstance(action, Send):
                self._send_action(action)
            elif isinstance(action, DispatchAction):
                dispatches.append(action)
            elif isinstance(action, Close):
                if self._socket is not None:
                    self._socket.close(action.code, action.reason)
            elif isinstance(action, Reconnect | Stop):
                self._next_step = action
            elif isinstance(action, NeedIdentify):
                self._request_identify()
        return dispatches

    def _send_action(self, action: Send) -> None:
        try:
            data = self._codec.encode(action.payload)
        except PayloadTooLarge as error:
            self._log.error("shard.send_refused", op=action.op, reason=error.reason)
            return
        now = time.monotonic()
        if self._limiter.try_acquire(now, action.is_heartbeat) > 0:
            self._queue.appendleft(data)  # IDENTIFY/RESUME on a busy connection: next in line
            self._cond.notify_all()
            return
        self._write(data)

    def _write(self, data: bytes) -> None:
        sock = self._socket
        if sock is None:
            return
        try:
            sock.send(data, text=self._codec.text_frames)
        except SocketClosed:
            sock.abort()  # the reader sees the end of the connection and decides what follows

    def _request_identify(self) -> None:
        attempt = self._connection
        source = self._identify_source
        queue = source() if callable(source) else source
        if queue is None:
            if self._identify_source is not None:
                self._log.warning("shard.identify_queue_missing")
            self.actor_ref.tell(IdentifyGranted(self.shard_id, attempt))
            return
        queue.tell(RequestIdentify(self.shard_id, self.actor_ref, attempt))
