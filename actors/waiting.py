"""Inline waiting for one event (Nostrum's "inline awaiting") through a process group.

`expect(groups, name, check)` starts a `Waiter`, a temporary member of the consumers' group, and
returns once it has joined: from then on no dispatched event is missed, so the caller can
trigger something (send a message) and only then wait for the answer:

    with expect(groups, "MESSAGE_CREATE", lambda e: e.data.author.id == user) as reply:
        api.create_message(channel, content="Say something")
        event = reply.result(timeout=30)

`wait_for(groups, name, check, timeout)` is both in one call. Every wait ends: the timeout
defaults to `DEFAULT_WAIT` seconds (None means that default, never "forever"), and a consumer's
handler that waits gives its slot back meanwhile (`around`, see `actors.consumer`).

The waiter (a pooled actor: no thread is held while it waits) leaves the group and stops once
it has its event, on timeout, or when the `with` block ends. Being the newest member, it is
reached before the consumers (see `actors.groups`), so a handler that waits inline does
not wait behind its own consumer's full slots.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from concurrent.futures import Future
from contextlib import AbstractContextManager, nullcontext
from types import TracebackType

from actors.errors import RegistryUnavailable
from actors.groups import CONSUMERS, Groups
from actors.registry import REGISTRY_TIMEOUT
from bot.events import Event
from supervisors import PooledActor, PooledRef

__all__ = ["DEFAULT_WAIT", "Catch", "Expectation", "Waiter", "expect", "wait_for"]

Check = Callable[[Event], bool]
Around = Callable[[], AbstractContextManager[None]]

DEFAULT_WAIT = 60.0
"""Ours: seconds an inline wait lasts when no timeout is given (a wait never lasts forever)."""


class Waiter(PooledActor):
    """A temporary group member: it holds no thread while it waits, and leaves when it stops.

    What it catches is decided by its `Catch`, the deliver function it joined with.
    """

    def __init__(self, groups: Groups, group: Hashable) -> None:
        self.groups = groups
        self.group = group

    def on_stop(self) -> None:
        try:
            self.groups.leave(self.group, self.actor_ref)
        except RegistryUnavailable:
            pass  # the registry drops members that ended on its own


class Catch:
    """A waiter's deliver function: settles `future` with the first event `name` passing `check`.

    Runs in the dispatching (producer's) thread, so `check` must be quick; if it raises, the
    waiting caller gets the exception. Once settled it stops the waiter.
    """

    def __init__(self, name: str, check: Check | None, future: Future[Event]) -> None:
        self.name = name
        self.check = check
        self.future = future
        self.waiter: PooledRef | None = None
        self._lock = threading.Lock()

    def __call__(self, event: Event) -> None:
        if event.name != self.name or self.future.done():
            return
        try:
            matched = self.check is None or self.check(event)
        except Exception as exc:
            self._settle(None, exc)
            return
        if matched:
            self._settle(event, None)

    def _settle(self, event: Event | None, error: BaseException | None) -> None:
        with self._lock:
            if self.future.done():
                return
            if error is not None:
                self.future.set_exception(error)
            else:
                self.future.set_result(event)  # type: ignore[arg-type]
        if self.waiter is not None:
            self.waiter.stop(block=False)


class Expectation:
    """A subscription made by `expect`: `result(timeout)` waits for its event."""

    def __init__(
        self, ref: PooledRef, future: Future[Event], name: str, around: Around | None = None
    ) -> None:
        self._ref = ref
        self._future = future
        self.name = name
        self._around = around or nullcontext

    def result(self, timeout: float | None = DEFAULT_WAIT) -> Event:
        """The event, once dispatched; TimeoutError after `timeout` seconds (None: the default,
        `DEFAULT_WAIT`). Ends the waiting."""
        if timeout is None:
            timeout = DEFAULT_WAIT
        try:
            with self._around():
                return self._future.result(timeout)
        except TimeoutError:
            raise TimeoutError(f"no {self.name} event within {timeout} s") from None
        finally:
            self.cancel()

    def done(self) -> bool:
        """True once the event (or the check's error) has arrived."""
        return self._future.done()

    def cancel(self) -> None:
        """Stops waiting; returns once the waiter has left the group. Safe to call again."""
        if self._ref.is_alive():
            self._ref.stop(block=True, timeout=REGISTRY_TIMEOUT)

    def __enter__(self) -> Expectation:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.cancel()


def expect(
    groups: Groups,
    name: str,
    check: Check | None = None,
    *,
    group: Hashable = CONSUMERS,
    around: Around | None = None,
) -> Expectation:
    """Subscribes to the next event `name` passing `check`; returns once subscribed.

    `around()`: a context manager entered while `result` waits (a consumer gives its handler's
    slot back in it)."""
    future: Future[Event] = Future()
    catch = Catch(name, check, future)
    waiter = Waiter.start(groups, group)
    catch.waiter = waiter
    try:
        groups.join(group, waiter, catch)
    except BaseException:
        waiter.stop(block=False)
        raise
    return Expectation(waiter, future, name, around)


def wait_for(
    groups: Groups,
    name: str,
    check: Check | None = None,
    timeout: float | None = DEFAULT_WAIT,
    *,
    group: Hashable = CONSUMERS,
) -> Event:
    """Waits for the next event `name` passing `check`; TimeoutError after `timeout` seconds
    (None: `DEFAULT_WAIT`)."""
    with expect(groups, name, check, group=group) as expectation:
        return expectation.result(timeout)
