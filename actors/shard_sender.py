"""The sending half of `ShardActor`: the ticker thread and the carrying out of session actions.

The ticker heartbeats at the session's deadlines and sends queued commands as fast as the send
limiter allows (heartbeats may use the reserve the limiter keeps for them), independent of the
reader. The decisions run under the shard's lock, which also guards the session state machine;
the writes do not: whatever thread decides to send (ticker, reader, actor) puts the message in
the outbox, and the ticker alone writes the outbox to the socket after releasing the lock, each
message within the socket's send timeout. So a peer that stops reading can hold up neither the
reader (which needs the lock for every frame) nor the actor.
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


class _CloseFrame(NamedTuple):
    """An outbox entry: send a close frame with `code`, then shut the socket down."""

    code: int
    reason: str


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
    _outbox: deque[tuple[GatewaySocket, bytes | _CloseFrame]]
    _codec: JsonCodec | EtfCodec
    _identify_source: Any
    _log: Any

    # -- the ticker ------------------------------------------------------------------------------

    def _ticker_main(self) -> None:
        try:
            while True:
                with self._cond:
                    if self._stopping.is_set() and not self._outbox:
                        return
                    self._tick()
                    batch = list(self._outbox)
                    self._outbox.clear()
                self._flush(batch)  # outside the lock: the socket may be slow to take it
        except BaseException as exc:
            if not self._stopping.is_set():
                self._log.error("shard.ticker_failed", error=repr(exc)[:200])
                self.actor_ref.tell(ReaderFailed(exc))

    def _tick(self) -> None:
        """Under the lock: heartbeats and queued commands that are due, else waits for the
        next deadline (or for news: an outbox entry, a command, a stop)."""
        now = time.monotonic()
        deadline = self._gateway.next_deadline()
        if self._queue and self._can_send_commands():
            ready_at = now + self._limiter.delay(now)
            deadline = ready_at if deadline is None else min(deadline, ready_at)
        if deadline is not None and deadline <= now:
            # The session knows when the reader paused (`reader_paused`): an ACK unread
            # behind held frames is not taken for a zombie.
            self._run(self._gateway.tick(now))
            self._send_queued(now)
        elif not self._outbox and not self._stopping.is_set():
            self._cond.wait(None if deadline is None else deadline - now)

    def _flush(self, batch: list[tuple[GatewaySocket, bytes | _CloseFrame]]) -> None:
        """Writes outbox entries in order; a socket that failed one gets no more."""
        failed: set[int] = set()
        for sock, item in batch:
            if id(sock) in failed:
                continue
            if isinstance(item, _CloseFrame):
                sock.close(item.code, item.reason)
                continue
            try:
                sock.send(item, text=self._codec.text_frames)
            except SocketClosed as closed:
                failed.add(id(sock))  # shut down: the reader sees the end and decides
                self._log.warning("shard.send_failed", reason=closed.reason)

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
            if type(action) is DispatchAction:  # nearly every action: one test
                dispatches.append(action)
            elif isinstance(action, Send):
                self._send_action(action)
            elif isinstance(action, Close):
                if self._socket is not None:
                    self._outbox.append((self._socket, _CloseFrame(action.code, action.reason)))
                    self._cond.notify_all()
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
        """Under the lock: `data` goes out next, written by the ticker outside the lock."""
        sock = self._socket
        if sock is None:
            return
        self._outbox.append((sock, data))
        self._cond.notify_all()

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
