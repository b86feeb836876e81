"""Per-key ordering for consumers: the key of an event, and a queue that runs one per key.

Plain code with no threads: the consumer holds the lock around `KeyedQueue`. Events with the
same key run one after another, in the order they were dispatched; different keys run in
parallel; an event without a key (None) runs at once.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Hashable, Mapping
from typing import Any, Generic, Literal, TypeVar

from bot.events import Event

__all__ = ["KeyFunction", "KeyedQueue", "OrderBy", "channel_key", "guild_key", "key_function"]

T = TypeVar("T")

KeyFunction = Callable[[Event], Hashable | None]
OrderBy = Literal["channel", "guild"] | KeyFunction | None
"""A consumer's `order_by`: "channel", "guild", a function of the event, or None (no order)."""

# Events whose payload is the channel (or thread) itself, so its `id` is the channel's.
_CHANNEL_OBJECT_PREFIXES = ("CHANNEL_", "THREAD_")
# Events whose payload is the guild itself, so its `id` is the guild's.
_GUILD_OBJECT_EVENTS = frozenset(
    {"GUILD_CREATE", "GUILD_UPDATE", "GUILD_DELETE", "GUILD_AVAILABLE", "GUILD_UNAVAILABLE"}
)


def _field(data: Any, name: str) -> Any:
    if isinstance(data, Mapping):
        return data.get(name)
    return getattr(data, name, None)


def _subject(data: Any) -> Any:
    # An update is (old, new): the key comes from the new side, or the old one if it is gone.
    if isinstance(data, tuple) and len(data) == 2:
        old, new = data
        return new if new is not None else old
    return data


def channel_key(event: Event) -> Hashable | None:
    """The channel an event is about (`channel_id`, or the channel's own id), or None."""
    data = _subject(event.data)
    key = _field(data, "channel_id")
    if key is None and event.name.startswith(_CHANNEL_OBJECT_PREFIXES):
        key = _field(data, "id")
    return key


def guild_key(event: Event) -> Hashable | None:
    """The guild an event is about (`guild_id`, or the guild's own id), or None."""
    data = _subject(event.data)
    key = _field(data, "guild_id")
    if key is None and event.name in _GUILD_OBJECT_EVENTS:
        key = _field(data, "id")
    return key


def key_function(order_by: OrderBy) -> KeyFunction | None:
    """The key function for a consumer's `order_by` setting (None: no ordering)."""
    if order_by is None:
        return None
    if order_by == "channel":
        return channel_key
    if order_by == "guild":
        return guild_key
    if callable(order_by):
        return order_by
    raise ValueError(f"order_by must be 'channel', 'guild', a function or None: {order_by!r}")


class KeyedQueue(Generic[T]):
    """Admits at most one running item per key; the others wait, in order, for `done(key)`."""

    __slots__ = ("_waiting",)

    def __init__(self) -> None:
        # key -> items waiting behind the running one; a key is present while one runs.
        self._waiting: dict[Hashable, deque[T]] = {}

    def offer(self, key: Hashable, item: T) -> bool:
        """True: run `item` now (its key was idle). False: it waits behind the running one."""
        waiting = self._waiting.get(key)
        if waiting is None:
            self._waiting[key] = deque()
            return True
        waiting.append(item)
        return False

    def done(self, key: Hashable) -> tuple[bool, T | None]:
        """The running item of `key` finished: (True, next item to run) or (False, None)."""
        waiting = self._waiting[key]
        if waiting:
            return True, waiting.popleft()
        del self._waiting[key]
        return False, None

    def busy_keys(self) -> int:
        """How many keys have an item running."""
        return len(self._waiting)

    def waiting(self) -> int:
        """How many items wait behind a running one."""
        return sum(len(items) for items in self._waiting.values())
