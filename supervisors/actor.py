"""`Actor`: a Pykka thread actor whose every way of ending reaches its monitors and links.

Drop-in for `pykka.ThreadingActor` (same `start()`, hooks, proxies, `ask`/`tell`), with Pykka's
holes closed:

- `start()` is a handshake: it returns once `on_start` has finished. If `on_start` raises,
  `on_failure` is called, the exit reason is `START_FAILED` and `start()` raises `StartFailed`.
- A failure while handling a `tell` crashes the actor (`on_failure`, reason `CRASH`).
- A failure while handling an `ask` sends the exception to the asker AND crashes the actor (let it
  crash, as a gen_server call does), unless the exception is one of `reply_errors`.
- A `BaseException` is a crash of this actor only (Pykka would stop every actor).
- A failure in `on_stop` is a crash; `on_failure` is not called for it.
- `ref.stop()` is a `NORMAL` exit after the messages queued before it; `Shutdown(reason)`
  jumps the queue (supervisors use it).

Every exit ends with: the actor unregistered, queued asks answered with `ActorDeadError`,
then `Down` told to each monitor and `ExitSignal` to each linked actor, then the reply to `stop`.

Replies to asks and proxy calls come in a `LatchFuture` (pykka's `Future` interface, cheaper
hand-offs than `ThreadingFuture`).

`inbox_size` bounds the user lane of the inbox (see `supervisors.inbox`): a full inbox blocks
`tell` and `ask` callers (backpressure); stop and exit signals always get through.
"""

from __future__ import annotations

import sys
from _thread import allocate_lock
from typing import Any, ClassVar, Self

import pykka
import structlog

from supervisors.errors import StartFailed
from supervisors.exits import ExitHooks
from supervisors.future import LatchFuture
from supervisors.inbox import Inbox
from supervisors.lifeline import Lifeline
from supervisors.messages import (
    NORMAL,
    Exit,
    ExitKind,
    ExitReason,
    ExitSignal,
    Shutdown,
)
from supervisors.pykka_compat import ActorStop, Envelope
from supervisors.scheduling import use_batch_policy

__all__ = ["Actor", "SupervisedActorRef"]

log = structlog.get_logger(__name__)


class SupervisedActorRef(pykka.ActorRef[Any]):
    """pykka's `ActorRef` plus the actor's `Lifeline`, which outlives the actor."""

    lifeline: Lifeline

    def __init__(self, actor: Any) -> None:
        super().__init__(actor)
        self.lifeline = Lifeline()

    @property
    def exit_reason(self) -> ExitReason | None:
        """Why the actor ended, or None while it runs."""
        return self.lifeline.reason


class Actor(pykka.ThreadingActor, ExitHooks):
    """A supervised Pykka thread actor (see the module docstring for the failure contract)."""

    inbox_size: ClassVar[int | None] = None
    """Bound of the user lane of the inbox; None for unbounded."""

    start_timeout: ClassVar[float | None] = None
    """Seconds `start()` waits for `on_start`; on timeout the start fails. None waits forever."""

    reply_errors: ClassVar[tuple[type[BaseException], ...]] = ()
    """Exceptions from an `ask` that go back to the asker without crashing the actor."""

    @staticmethod
    def _create_future() -> pykka.Future[Any]:
        # What pykka's ActorRef.ask and proxies use for replies: a lock latch, cheaper than
        # pykka's Condition-based ThreadingFuture at each hand-off (see supervisors.future).
        return LatchFuture()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._inbox = Inbox(self.inbox_size)
        self.actor_inbox = self._inbox
        ref = SupervisedActorRef(self)
        self._actor_ref = ref
        self._lifeline = ref.lifeline
        self._start_latch = allocate_lock()
        self._start_latch.acquire()
        self._start_error: BaseException | None = None
        self._stop_envelopes: list[Envelope[Any]] = []

    @classmethod
    def start(cls, *args: Any, **kwargs: Any) -> pykka.ActorRef[Self]:
        """Start the actor and return its ref once `on_start` has finished (a handshake).

        Raises `StartFailed` (with the exception as `reason` and `__cause__`) if `on_start`
        raised or did not finish within `start_timeout`; the actor has then ended.
        """
        obj = cls(*args, **kwargs)
        ref = obj.actor_ref
        pykka.ActorRegistry.register(ref)
        obj._start_actor_loop()
        timeout = cls.start_timeout
        started = (
            obj._start_latch.acquire()
            if timeout is None
            else obj._start_latch.acquire(timeout=timeout)
        )
        if not started:
            ref.tell(Shutdown())
            error = TimeoutError(f"on_start did not finish in {timeout} s")
            raise StartFailed(cls.__name__, error) from error
        if obj._start_error is not None:
            raise StartFailed(cls.__name__, obj._start_error) from obj._start_error
        return ref

    @property
    def exit_reason(self) -> ExitReason | None:
        """Why this actor ended, or None while it runs."""
        return self._lifeline.reason

    def _actor_loop(self) -> None:
        use_batch_policy()  # one context switch per hand-off, not three (supervisors.scheduling)
        reason = ExitReason(ExitKind.CRASH, RuntimeError("actor loop did not finish"))
        try:
            reason = self._actor_run()
        finally:
            self._actor_finish(reason)

    def _actor_run(self) -> ExitReason:
        try:
            self.on_start()
        except BaseException as exc:
            self._start_error = exc
            self._start_failed(exc)
            return ExitReason(ExitKind.START_FAILED, exc)
        self._start_latch.release()
        inbox = self.actor_inbox
        while True:
            envelope = inbox.get()
            message = envelope.message
            kind = type(message)
            if kind is ActorStop:
                self._stop_envelopes.append(envelope)
                return self._stop_with(NORMAL)
            if kind is Shutdown:
                return self._stop_with(message.reason)
            if kind is ExitSignal:
                signal_reason = self._on_exit_signal(message)
                if signal_reason is not None:
                    return signal_reason
                continue
            try:
                result = self._handle_receive(message)
            except BaseException as exc:
                if envelope.reply_to is not None:
                    envelope.reply_to.set_exception(sys.exc_info())
                    if isinstance(exc, self.reply_errors):
                        continue
                log.error(
                    "actor_crashed",
                    actor=str(self),
                    message=type(message).__name__,
                    ask=envelope.reply_to is not None,
                    exc_info=exc,
                )
                self._call_on_failure(exc)
                return ExitReason(ExitKind.CRASH, exc)
            if envelope.reply_to is not None:
                envelope.reply_to.set(result)

    def _trap(self, exit: Exit) -> None:
        self.actor_inbox.put(Envelope(exit))

    def _actor_finish(self, reason: ExitReason) -> None:
        self.actor_stopped.set()
        pykka.ActorRegistry.unregister(self.actor_ref)
        for envelope in self._inbox.close():
            if envelope.reply_to is None:
                continue
            if type(envelope.message) is ActorStop:
                self._stop_envelopes.append(envelope)
            else:
                error = pykka.ActorDeadError(f"{self.actor_ref} stopped before the message")
                envelope.reply_to.set_exception((pykka.ActorDeadError, error, None))
        self._lifeline.finish(self.actor_ref, reason)
        for envelope in self._stop_envelopes:
            if envelope.reply_to is not None:
                envelope.reply_to.set(None)
        if self._start_error is not None:
            self._start_latch.release()
        log.debug("actor_ended", actor=str(self), reason=str(reason))
