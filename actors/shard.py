"""`ShardActor`: one gateway connection, a thin shell of IO around `bot.gateway.GatewaySession`.

Three threads, one lock (`_lock`, which also guards the session state machine):

- the actor thread: commands (request guild members, in `actors.shard_members`, presence, voice
  state, latency, reconnect, disconnect) and the IdentifyQueue's answers;
- the reader (`shard-N-reader`): connects, reads frames, inflates and decodes them, feeds the
  session and carries out what it returns; reconnects with the session's backoff. Each DISPATCH
  goes into the shard's `actors.handoff.Handoff`. With the tree's producer (inline, see
  `actors.producer`) the reader itself writes it to the cache and hands it to the consumers
  there, and the workers of one read's events start when it is about to read again
  (`supervisors.hold_turns`); with a producer that is not inline, the pipe is bounded and the
  producer drains it in batches (no ask, no reply future, no wake-up per event). Either way a
  slow pipeline makes the reader wait before it reads on (backpressure: frames wait in the
  socket, never in a buffer here), and the wait is a pause (`_ReaderPause`): the session takes
  no heartbeat ACK left unread for a zombie, and a stop ends it. Each dispatch is acknowledged
  once handed on to the consumers (`ShardSession.acknowledge`), so a RESUME after a crash
  replays what was not; before a reconnect the reader waits until the pipe is empty;
- the ticker (`shard-N-ticker`, `actors.shard_sender`): heartbeats and paced commands.

What outlives a crash is in `ShardState` (the tree makes it, every start gets it): the Discord
session (id, acknowledged seq, resume URL) and the fatal error, if any. A fatal close code
(4004, 4010-4014) or a refused IDENTIFY stops the actor with `ExitReason(SHUTDOWN, error)`: a
transient child is not restarted, the supervisor's log and monitors see the error, and
`ShardState.fatal_error` keeps it.
"""

from __future__ import annotations

import random
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from functools import partial
from typing import Any

import structlog

from actors.errors import DispatchAbandoned, SendQueueFull, ShardNotConnected
from actors.handoff import Handoff, HandoffClosed
from actors.messages import Attach, Dispatch, IdentifyGranted, IdentifyRefused
from actors.shard_members import (
    MEMBER_EVENTS,
    ConnectionLost,
    MembersEvent,
    ShardMembers,
    request_guild_members,
)
from actors.shard_sender import ReaderFailed, ShardSender
from actors.shard_socket import GatewaySocket, SocketClosed
from actors.shard_state import ShardState
from actors.subscription import current
from bot.gateway.codecs import codec_for
from bot.gateway.compression import make_inflater
from bot.gateway.errors import GatewayError
from bot.gateway.members import MembersRateLimited
from bot.gateway.messages import Dispatch as DispatchAction
from bot.gateway.messages import Reconnect, Stop
from bot.gateway.opcodes import Opcode
from bot.gateway.ratelimit import SendLimiter
from bot.gateway.session import GatewaySession, SessionConfig
from supervisors import Actor, ExitKind, ExitReason, Shutdown, hold_turns, release_turns

__all__ = ["ShardActor", "ShardState", "request_guild_members"]

log = structlog.get_logger(__name__)

_new_dispatch = partial(tuple.__new__, Dispatch)
"""`Dispatch(shard_id, seq, name, data)` made in C (a NamedTuple's `__new__` is Python code)."""

# Ours: gateway commands a shard holds while the send limit (120 per 60 s) paces them.
MAX_QUEUED_SENDS = 1000
# Ours: how often a reader waiting on the producer checks whether the shard is stopping.
PRODUCER_POLL_SECONDS = 0.25
# Ours: connection attempts that fail before a HELLO back off 1, 2, 4 ... 60 s (x0.5-1 jitter).
CONNECT_BACKOFF_BASE, CONNECT_BACKOFF_CAP = 1.0, 60.0
THREAD_JOIN_SECONDS = 5.0
GATE_RETRY = 1.0  # seconds before a refused connection (see `connect_gate`) is asked again


class _Stopping(Exception):
    """The shard is stopping: the reader leaves whatever it was waiting for."""


class _ReaderPause:
    """A shard's reader that waits (for room in its pipe, or, with an inline producer, for a
    consumer's slot: `actors.subscription.Pause`): its session is told it is paused, so a
    heartbeat ACK left unread in the socket is not taken for a zombie."""

    __slots__ = ("_shard",)

    def __init__(self, shard: ShardActor) -> None:
        self._shard = shard

    def __enter__(self) -> None:
        with self._shard._lock:
            self._shard._gateway.reader_paused()

    def __exit__(self, *_exc_info: object) -> None:
        shard = self._shard
        with shard._lock:
            shard._gateway.reader_resumed()
            shard._cond.notify_all()

    def check(self) -> None:
        if self._shard._stopping.is_set():
            raise DispatchAbandoned()


class ShardActor(ShardSender, ShardMembers, Actor):
    """The gateway connection of one shard (see the module docstring)."""

    reply_errors = (SendQueueFull, ShardNotConnected, MembersRateLimited, ValueError, GatewayError)

    def __init__(
        self,
        config: SessionConfig,
        state: ShardState,
        producer: Any,
        identify_queue: Any = None,
        *,
        send_limiter: Callable[[], SendLimiter] = SendLimiter,
        max_queued_sends: int = MAX_QUEUED_SENDS,
        connect_gate: Callable[[int], bool] | None = None,
    ) -> None:
        """`producer` and `identify_queue` are ActorRefs or zero-argument callables returning
        the current one (found again at each use, so a restarted peer is found); no identify
        queue means IDENTIFY at once. `connect_gate(shard_id)`, asked before each connection
        (so before any IDENTIFY or RESUME), False means do not connect (a cluster node whose
        lease of this shard ran out: its keeper stops the shard)."""
        super().__init__()
        self.config = config
        self.state = state
        self.shard_id = config.shard_id
        self._producer_source = producer
        self._identify_source = identify_queue
        self._connect_gate = connect_gate
        self._send_limiter = send_limiter
        self._max_queued = max_queued_sends
        self._codec = codec_for(config.encoding)
        self._lock = threading.RLock()
        self._cond = threading.Condition(self._lock)
        self._stopping = threading.Event()
        self._keep_session = True
        self._gateway = GatewaySession(config, state.session)
        self._socket: GatewaySocket | None = None
        self._connection = 0
        self._inflater: Any = None
        self._limiter = send_limiter()
        self._next_step: Reconnect | Stop | None = None
        self._queue: deque[bytes] = deque()
        self._outbox: deque[Any] = deque()
        self._handoff: Handoff | None = None
        self._pause = _ReaderPause(self)
        self._init_members()
        self._log = log.bind(shard=self.shard_id)
        self._reader = threading.Thread(
            target=self._reader_main, name=f"shard-{self.shard_id}-reader", daemon=True
        )
        self._ticker = threading.Thread(
            target=self._ticker_main, name=f"shard-{self.shard_id}-ticker", daemon=True
        )

    # -- lifecycle -------------------------------------------------------------------------------

    def on_start(self) -> None:
        self.state.fatal_error = None
        self.state.gateway = self._gateway
        source = self._producer_source
        self._producer = source() if callable(source) else source
        if self._producer is None:
            raise RuntimeError(f"shard {self.shard_id} found no producer")
        self._handoff = Handoff(self._producer.tell, self.state.session.acknowledge, deferred=True)
        self._producer.tell(Attach(self._handoff))
        self._log.info("shard.starting", resume=self.state.session.can_resume)
        self._reader.start()
        self._ticker.start()

    def on_stop(self) -> None:
        self._shut_down()

    def on_failure(self, *exc_info: Any) -> None:
        self._shut_down()

    def _shut_down(self) -> None:
        self._stopping.set()
        if self._handoff is not None:
            self._handoff.close()  # never acknowledged: a RESUME replays what it held
        with self._lock:
            # the close frame goes in the outbox: the ticker writes it after what is before it
            self._run(self._gateway.close(keep_session=self._keep_session))
            self._cond.notify_all()
        current = threading.current_thread()
        if self._ticker.is_alive() and self._ticker is not current:
            self._ticker.join(THREAD_JOIN_SECONDS)  # each write is bounded by its timeout
        with self._lock:
            if self._socket is not None:
                self._socket.abort()  # wakes the reader (the close frame has gone, or not)
            self._cond.notify_all()
        if self._reader.is_alive() and self._reader is not current:
            self._reader.join(THREAD_JOIN_SECONDS)
        self._fail_member_requests()

    def on_receive(self, message: Any) -> Any:
        if isinstance(message, MembersEvent):
            self._on_members_event(message)
        elif isinstance(message, ConnectionLost):
            self._on_connection_lost()
        elif isinstance(message, IdentifyGranted):
            with self._lock:
                if message.attempt == self._connection and self._socket is not None:
                    self._run(self._gateway.identify(time.monotonic()))
        elif isinstance(message, IdentifyRefused):
            self._stop_for_good(message.error)
        elif isinstance(message, ReaderFailed):
            raise message.error
        else:
            self._log.warning("shard.unexpected_message", message=type(message).__name__)

    # -- commands (through the proxy) ----------------------------------------------------------

    def latency(self) -> float | None:
        """The last heartbeat round trip in seconds."""
        return self._gateway.latency

    def status(self) -> str:
        """The session state: disconnected, waiting_hello, ..., connected, stopped."""
        return self._gateway.status.value

    def update_presence(self, presence: Mapping[str, Any]) -> None:
        """Sends Update Presence (op 3) with `presence` (since, activities, status, afk)."""
        self.send_command({"op": Opcode.PRESENCE_UPDATE.value, "d": dict(presence)})

    def update_voice_state(
        self,
        guild_id: int,
        channel_id: int | None,
        *,
        self_mute: bool = False,
        self_deaf: bool = False,
    ) -> None:
        """Sends Update Voice State (op 4); channel_id None leaves voice."""
        data = {
            "guild_id": str(guild_id),
            "channel_id": None if channel_id is None else str(channel_id),
            "self_mute": self_mute,
            "self_deaf": self_deaf,
        }
        self.send_command({"op": Opcode.VOICE_STATE_UPDATE.value, "d": data})

    def send_command(self, payload: Mapping[str, Any]) -> None:
        """Queues any gateway command; it goes out once connected, within the send limit.

        PayloadTooLarge over 4096 bytes, SendQueueFull past the queue bound, ShardNotConnected
        once the shard has stopped for good.
        """
        data = self._codec.encode(payload)
        with self._lock:
            if self._gateway.stopped:
                raise ShardNotConnected(self.shard_id)
            if len(self._queue) >= self._max_queued:
                raise SendQueueFull(self.shard_id, self._max_queued)
            self._queue.append(data)
            self._cond.notify_all()

    def reconnect(self) -> None:
        """Leaves the connection and resumes on a new one."""
        with self._lock:
            self._run(self._gateway.reconnect(time.monotonic()))

    def forget_session_on_stop(self) -> None:
        """When this actor stops, close with 1000 so the Discord session ends."""
        self._keep_session = False

    def disconnect(self) -> None:
        """Closes with 1000 (the Discord session ends) and stops the actor normally."""
        self._keep_session = False
        self.actor_ref.stop(block=False)

    # -- the reader ------------------------------------------------------------------------------

    def _reader_main(self) -> None:
        current.pause = self._pause  # an inline producer's waits in this thread (see above)
        hold_turns()  # the workers of a read's events start together (`before_read`)
        try:
            self._connect_loop()
        except _Stopping:
            pass
        except BaseException as exc:
            if not self._stopping.is_set():
                self._log.error("shard.reader_failed", error=repr(exc)[:200])
                self.actor_ref.tell(ReaderFailed(exc))
        finally:
            release_turns(stop_holding=True)  # events taken by consumers run, whatever came

    def _connect_loop(self) -> None:
        failures = 0
        while not self._stopping.is_set():
            if self._connect_gate is not None and not self._connect_gate(self.shard_id):
                self._log.warning("shard.connect_refused")
                if self._stopping.wait(GATE_RETRY):
                    return
                continue
            with self._lock:
                url = self._gateway.connect_url()
            try:
                sock = GatewaySocket.open(url)
            except SocketClosed as closed:
                delay = _backoff(failures)
                failures += 1
                self._log.warning("shard.connect_failed", reason=closed.reason, retry_in=delay)
                if self._stopping.wait(delay):
                    return
                continue
            except ValueError as error:  # InsecureGatewayUrl: configuration, not the network
                self._stop_for_good(error)
                return
            failures = 0
            self._read_connection(sock)
            if self._stopping.is_set():
                return
            self.actor_ref.tell(ConnectionLost())  # open member requests fail on its thread
            step = self._next_step
            if isinstance(step, Stop):
                self._stop_for_good(step.error)
                return
            delay = step.delay if isinstance(step, Reconnect) else _backoff(0)
            self._log.info("shard.reconnecting", delay=round(delay, 3), resume=_resumes(step))
            if self._stopping.wait(delay):
                return

    def _read_connection(self, sock: GatewaySocket) -> None:
        with self._lock:
            if self._stopping.is_set():
                sock.dispose()
                return
            self._socket = sock
            self._connection += 1
            self._inflater = make_inflater(self.config.compression)
            self._limiter = self._send_limiter()
            self._next_step = None
            self._run(self._gateway.on_open(time.monotonic()))
            self._cond.notify_all()
        try:
            self._read_frames(sock)
        finally:
            with self._lock:
                self._socket = None
            sock.dispose()
        self._wait_for_producer()  # so that the RESUME carries what the producer took

    def _read_frames(self, sock: GatewaySocket) -> None:
        handoff = self._handoff
        assert handoff is not None
        flush = handoff.flush

        def before_read() -> None:
            # What a read's frames gave starts before the next read, which may block: the
            # workers of an inline producer's events, or the producer of a pipe.
            release_turns()
            flush()

        while True:
            try:
                message = sock.recv(before_read)
            except SocketClosed as closed:
                with self._lock:
                    self._run(self._gateway.on_close(closed.code, time.monotonic()))
                return
            self._on_message(message)
            # Nothing of this frame is kept while the next is awaited (a method's locals end
            # with it): a GUILD_CREATE of a large guild is megabytes once parsed.
            del message

    def _on_message(self, message: bytes | str) -> None:
        try:
            raw = self._inflater.feed(message)
            if raw is None:
                return
            payload = self._codec.decode_dispatch(raw)
        except GatewayError as error:  # logged once by the session, with shard and reason
            with self._lock:
                self._run(self._gateway.on_error(error, time.monotonic()))
            return
        with self._lock:
            before = self._gateway.status
            dispatches = self._run(self._gateway.on_payload(payload, time.monotonic()))
            if self._gateway.status is not before:
                self._cond.notify_all()
        for dispatch in dispatches:
            self._deliver(dispatch, len(raw))

    def _deliver(self, dispatch: DispatchAction, size: int = 0) -> None:
        if dispatch.name in MEMBER_EVENTS:  # tested here: a call fewer for every other event
            self._forward_members_event(dispatch)
        handoff = self._handoff
        assert handoff is not None
        message = _new_dispatch((self.shard_id, dispatch.seq, dispatch.name, dispatch.data))
        try:
            if not handoff.put(message, timeout=0.0, size=size):
                self._paused_until(lambda wait: handoff.put(message, timeout=wait, size=size))
        except HandoffClosed:
            if self._stopping.is_set():
                raise _Stopping() from None
            raise
        except DispatchAbandoned:  # an inline producer's wait, left as the shard stops
            raise _Stopping() from None

    def _wait_for_producer(self) -> None:
        """Waits until the producer has handed on (and acknowledged) every dispatch put."""
        handoff = self._handoff
        if handoff is not None and not handoff.wait_idle(0):
            self._paused_until(handoff.wait_idle)

    def _paused_until(self, ready: Callable[[float], bool]) -> None:
        """Waits until `ready(wait)` is True, asking it every `PRODUCER_POLL_SECONDS`, with the
        session told that the reader is paused (a heartbeat ACK left unread is no zombie)."""
        release_turns()  # what it waits for may need them (as `dispatch_wait` does)
        with self._pause:
            while not ready(PRODUCER_POLL_SECONDS):
                if self._stopping.is_set():
                    raise _Stopping()

    # -- fatal errors ----------------------------------------------------------------------------

    def _stop_for_good(self, error: BaseException) -> None:
        """Records the error and stops with a SHUTDOWN reason carrying it: no restart."""
        with self._lock:
            self._gateway.close(keep_session=False)
        self._log.error("shard.stopped", reason=str(error), code=getattr(error, "code", None))
        self.actor_ref.tell(Shutdown(ExitReason(ExitKind.SHUTDOWN, error)))
        self.state.stopped_for_good(error)  # the tree ends the bot: nothing runs without it


def _backoff(attempt: int) -> float:
    if attempt == 0:
        return 0.0
    delay = min(CONNECT_BACKOFF_CAP, CONNECT_BACKOFF_BASE * 2 ** (attempt - 1))
    return delay * (0.5 + 0.5 * random.random())


def _resumes(step: Reconnect | Stop | None) -> bool | None:
    return step.resume if isinstance(step, Reconnect) else None
