"""`PooledActor`: a short-lived actor on a shared thread pool, cheap enough to start per event.

A `supervisors.Actor` costs a thread start (hundreds of microseconds). A `PooledActor` keeps the
actor semantics (its own inbox, one message at a time, `on_start`/`on_receive`/`on_stop`/
`on_failure`, `ask`/`tell`/`stop`/`proxy` through a `PooledRef`, exit reasons reaching monitors and
links, `trap_exit`) but runs its turns on the threads of a `Pool`, so start + one message + stop
costs tens of microseconds.

It must NOT block forever (or for long): it holds one pool thread while it runs, and the pool has a
fixed number of them (`Pool.max_workers`); a handler that waits on an event that never comes, on
another pooled actor's reply, or on a long-lived lock can starve every pooled actor of the
process. Blocking IO with a timeout (a REST call) is fine within the pool's size. Long-lived or
blocking actors should be `supervisors.Actor`s.

A blocking `ask` or `stop` without a timeout may run the actor's queued turn in the waiting thread
(which would only wait; this saves two thread hand-offs), still one message at a time.

Differences from `supervisors.Actor`: `start()` returns at once (no handshake: an `on_start`
failure is the exit reason `START_FAILED`, seen by monitors, and later asks fail with
`ActorDeadError`); the inbox is unbounded; pooled actors are not in `pykka.ActorRegistry`.
"""

from __future__ import annotations

import itertools
from _thread import allocate_lock
from collections import deque
from typing import Any, ClassVar

import pykka
import structlog
from pykka.messages import ProxyCall, ProxyGetAttr, ProxySetAttr

from supervisors.exits import ExitHooks
from supervisors.future import LatchFuture
from supervisors.lifeline import Lifeline
from supervisors.messages import NORMAL, Exit, ExitKind, ExitReason, ExitSignal, Shutdown
from supervisors.pool import Pool, default_pool
from supervisors.pykka_compat import get_attr_directly

__all__ = ["PooledActor", "PooledFuture", "PooledRef"]

log = structlog.get_logger(__name__)

# Messages a pooled actor takes per turn before it yields its thread to other actors.
BATCH = 64

_START = object()
_STOP = object()
_ids = itertools.count(1)


PooledFuture = LatchFuture
"""The future of asks to pooled actors (the same light future as `supervisors.Actor`'s)."""


def _dead(ref: Any) -> pykka.ActorDeadError:
    return pykka.ActorDeadError(f"{ref} has ended")


_LIFELINES = allocate_lock()
"""Guards the first `PooledRef.lifeline` against the actor's end (a short critical section)."""


class PooledRef:
    """The handle of a pooled actor: `tell`, `ask`, `stop`, `is_alive`, `proxy`, `lifeline`.

    The `Lifeline` (two locks, monitors, links) is made when first asked for: a worker started
    per event is never monitored, and making and finishing one cost about 1 us of that event.
    One that ends with none keeps its reason on the ref; a lifeline asked for afterwards starts
    ended, with that reason (a monitor then gets its `Down` at once, as before)."""

    __slots__ = ("_actor", "_ended_reason", "_id", "_lifeline", "actor_class")

    def __init__(self, actor: PooledActor) -> None:
        self._actor: PooledActor | None = actor
        self._id = next(_ids)
        self.actor_class = type(actor)
        self._lifeline: Lifeline | None = None
        self._ended_reason: ExitReason | None = None

    @property
    def lifeline(self) -> Lifeline:
        """Monitors, links and the exit reason (made on first use)."""
        lifeline = self._lifeline
        if lifeline is None:
            with _LIFELINES:
                lifeline = self._lifeline
                if lifeline is None:
                    lifeline = Lifeline()
                    if self._ended_reason is not None:
                        lifeline.finish(self, self._ended_reason)
                    self._lifeline = lifeline
        return lifeline

    def _ended(self, reason: ExitReason) -> None:
        """The actor has ended: its lifeline (if any was asked for) tells its watchers."""
        with _LIFELINES:
            lifeline = self._lifeline
            if lifeline is None:
                self._ended_reason = reason
                return
        lifeline.finish(self, reason)

    @property
    def actor_urn(self) -> str:
        """A process-unique id for the actor (not a UUID: that would cost more than the actor)."""
        return f"urn:pooled:{self._id}"

    @property
    def exit_reason(self) -> ExitReason | None:
        """Why the actor ended, or None while it runs."""
        lifeline = self._lifeline
        return self._ended_reason if lifeline is None else lifeline.reason

    def __repr__(self) -> str:
        return f"<PooledRef for {self}>"

    def __str__(self) -> str:
        return f"{self.actor_class.__name__} ({self.actor_urn})"

    def is_alive(self) -> bool:
        """True until the actor has ended."""
        return self._actor is not None

    def _actor_weakref(self) -> PooledActor | None:  # what pykka.ActorProxy reads
        return self._actor

    def tell(self, message: Any) -> None:
        """Queue a message; ActorDeadError if the actor has ended."""
        actor = self._actor
        if actor is None or not actor._enqueue(message, None):
            raise _dead(self)

    def ask(self, message: Any, *, block: bool = True, timeout: float | None = None) -> Any:
        """Send a message and get the reply (or a `PooledFuture` with `block=False`)."""
        future = PooledFuture()
        actor = self._actor
        if actor is None or not actor._enqueue(message, future):
            future.set_exception((pykka.ActorDeadError, _dead(self), None))
        elif block and timeout is None:
            actor._help(future)
        return future.get(timeout=timeout) if block else future

    def stop(self, *, block: bool = True, timeout: float | None = None) -> Any:
        """Stop after the queued messages; True if it was running, False if already ended."""
        future = PooledFuture()
        actor = self._actor
        if actor is None or not actor._enqueue(_STOP, future):
            future.set(False)
        elif block and timeout is None:
            actor._help(future)
        return future.get(timeout=timeout) if block else future

    def proxy(self) -> pykka.ActorProxy[Any]:
        """A pykka `ActorProxy` on this actor."""
        return pykka.ActorProxy(actor_ref=self)  # type: ignore[arg-type]


class PooledActor(ExitHooks):
    """Base class of pooled actors (see the module docstring, and what they must not do)."""

    # Its runtime fields in slots: a worker started per event sets them all on every event. A
    # subclass without `__slots__` still has a `__dict__` for its own.
    __slots__ = (
        "__weakref__",
        "_ended",
        "_inbox",
        "_lock",
        "_pool",
        "_running",
        "_scheduled",
        "_started",
        "_stop_replies",
        "actor_ref",
    )

    pool: ClassVar[Pool | None] = None
    """The pool to run on; None for `supervisors.pool.default_pool()`."""

    actor_ref: PooledRef

    @classmethod
    def start(cls, *args: Any, **kwargs: Any) -> PooledRef:
        """Create the actor (`__init__` gets the arguments) and queue its `on_start`."""
        return cls.start_on(cls.pool or default_pool(), *args, **kwargs)

    @classmethod
    def start_on(cls, pool: Pool, *args: Any, **kwargs: Any) -> PooledRef:
        """`start`, on `pool` rather than the class's (a consumer's own pool, say)."""
        return cls._create(pool, ((_START, None),), args, kwargs)

    @classmethod
    def start_once(cls, pool: Pool, *args: Any, **kwargs: Any) -> PooledRef:
        """Start on `pool` and stop right after `on_start`: what `start_on(...)` then
        `stop(block=False)` does, without the stop's future and second enqueue (a worker
        started per event pays this on every event)."""
        return cls._create(pool, ((_START, None), (_STOP, None)), args, kwargs)

    @classmethod
    def run_once(cls, pool: Pool, *args: Any, **kwargs: Any) -> None:
        """Start on `pool`, run `on_start`, stop: the life `start_once` gives, for an actor that
        nothing will reach. No ref is made, so there is nothing to tell, ask, stop or monitor,
        and the actor needs no inbox, lock or lifeline: one pool turn runs its whole life
        (`on_start`, then `on_stop`; a failure is logged and `on_failure` called, as for any
        pooled actor). A worker started per event pays this on every event: about a third of
        what `start_once` costs (bench/bench_instructions.py, stage fanout)."""
        obj = cls.__new__(cls)
        obj._pool = pool
        obj.__init__(*args, **kwargs)  # type: ignore[misc]
        pool.submit(_Once(obj))

    @classmethod
    def _create(
        cls, pool: Pool, inbox: tuple[tuple[Any, None], ...], args: Any, kwargs: Any
    ) -> PooledRef:
        obj = cls.__new__(cls)
        obj._pool = pool
        obj._lock = allocate_lock()
        obj._inbox = deque(inbox)
        obj._scheduled = False
        obj._ended = False
        obj._started = False
        obj._running = False
        obj._stop_replies = []
        obj.actor_ref = PooledRef(obj)
        obj.__init__(*args, **kwargs)  # type: ignore[misc]
        obj._scheduled = True
        obj._pool.submit(obj)
        return obj.actor_ref

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        """Override freely; calling `super().__init__()` is optional."""

    def __str__(self) -> str:
        try:
            return str(self.actor_ref)
        except AttributeError:  # a `run_once` actor has no ref
            return _once_name(self)

    def on_start(self) -> None:
        """Runs first, on a pool thread. If it raises: `on_failure`, exit `START_FAILED`."""

    def on_receive(self, message: Any) -> Any:
        """Handle one message; the return value is the reply to an ask. Raising crashes the actor
        (`on_failure`, exit `CRASH`), after the asker got the exception."""
        log.warning("pooled_unexpected_message", actor=str(self), message=type(message).__name__)

    def on_stop(self) -> None:
        """Runs on a normal stop or shutdown. If it raises, the exit is a `CRASH`."""

    def on_failure(self, exception_type: Any, exception_value: Any, traceback: Any) -> None:
        """Runs after a crash, a failed `on_start` or a linked exit; must not raise."""

    # -- runtime ---------------------------------------------------------------------------------

    _pool: Pool
    _lock: Any
    _inbox: deque[tuple[Any, PooledFuture | None]]
    _scheduled: bool
    _ended: bool
    _started: bool
    _running: bool
    _stop_replies: list[PooledFuture]

    def _enqueue(self, message: Any, reply: PooledFuture | None) -> bool:
        with self._lock:
            if self._ended:
                return False
            if type(message) in (Shutdown, ExitSignal):
                self._inbox.appendleft((message, reply))
            else:
                self._inbox.append((message, reply))
            if self._scheduled:
                return True
            self._scheduled = True
        self._pool.submit(self)
        return True

    def _run_turn(self) -> None:
        self._turn(None)

    def _run_once(self) -> None:
        """The whole life of a `run_once` actor, in one turn of its pool."""
        try:
            self.on_start()
        except BaseException as exc:
            self._start_failed(exc)
            return
        try:
            self.on_stop()
        except BaseException as exc:
            log.error("actor_stop_failed", actor=str(self), exc_info=exc)

    def _turn(self, until: PooledFuture | None) -> bool:
        """Run up to BATCH messages (stopping once `until` is resolved).

        Returns False, doing nothing, if another thread is running this actor.
        """
        with self._lock:
            if self._running:
                return False
            self._running = True
        inbox = self._inbox
        for _ in range(BATCH):
            if until is not None and until._done:
                break
            try:
                message, reply = inbox.popleft()
            except IndexError:
                break
            reason = self._handle(message, reply)
            if reason is not None:
                self._finish(reason)
                return True
        with self._lock:
            self._running = False
            if not inbox:
                self._scheduled = False
                return True
        self._pool.submit(self)
        return True

    def _help(self, future: PooledFuture) -> None:
        """Run this actor's turn in the waiting thread until `future` is resolved.

        The caller would only wait; running the queued turn here saves two thread hand-offs.
        Gives up (the caller then waits) when another thread runs the actor.
        """
        while not future._done and self._inbox and self._turn(future):
            pass

    def _handle(self, message: Any, reply: PooledFuture | None) -> ExitReason | None:
        if message is _START:
            try:
                self.on_start()
            except BaseException as exc:
                self._start_failed(exc)
                return ExitReason(ExitKind.START_FAILED, exc)
            self._started = True
            return None
        kind = type(message)
        if message is _STOP or kind is Shutdown:
            if reply is not None:
                self._stop_replies.append(reply)
            reason = NORMAL if message is _STOP else message.reason
            return self._stop_with(reason) if self._started else reason
        if kind is ExitSignal:
            return self._on_exit_signal(message)
        try:
            result = self._dispatch(message)
        except BaseException as exc:
            if reply is not None:
                reply.set_exception((type(exc), exc, exc.__traceback__))
            log.error("actor_crashed", actor=str(self), message=kind.__name__, exc_info=exc)
            self._call_on_failure(exc)
            return ExitReason(ExitKind.CRASH, exc)
        if reply is not None:
            reply.set(result)
        return None

    def _dispatch(self, message: Any) -> Any:
        kind = type(message)
        if kind is ProxyCall:
            return get_attr_directly(self, message.attr_path)(*message.args, **message.kwargs)
        if kind is ProxyGetAttr:
            return get_attr_directly(self, message.attr_path)
        if kind is ProxySetAttr:
            parent = get_attr_directly(self, message.attr_path[:-1])
            return setattr(parent, message.attr_path[-1], message.value)
        return self.on_receive(message)

    def _trap(self, exit: Exit) -> None:
        self._inbox.append((exit, None))

    def _finish(self, reason: ExitReason) -> None:
        with self._lock:
            self._ended = True
            left = list(self._inbox)
            self._inbox.clear()
        ref = self.actor_ref
        ref._actor = None
        for message, reply in left:
            if reply is None:
                continue
            if message is _STOP:
                self._stop_replies.append(reply)
            else:
                reply.set_exception((pykka.ActorDeadError, _dead(ref), None))
        ref._ended(reason)
        for reply in self._stop_replies:
            reply.set(True)


def _once_name(actor: PooledActor) -> str:
    return f"{type(actor).__name__} (run once)"


class _Once:
    """What the pool runs for a `run_once` actor: its whole life as one turn."""

    __slots__ = ("actor",)

    def __init__(self, actor: PooledActor) -> None:
        self.actor = actor

    def _run_turn(self) -> None:
        self.actor._run_once()

    def __str__(self) -> str:
        return _once_name(self.actor)
