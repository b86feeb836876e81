"""`Names`: a per-tree name registry, so parts find each other across restarts.

A restarted actor is a new ActorRef; a caller that kept the old one holds a dead actor. A supervisor
given `names=` registers each child under its id at every (re)start and removes it when it ends, so
`names.whereis(id)` is always the current actor (or None while it is down) and `names.get(id,
timeout)` waits for the restarted one. Never process-global: each tree makes its own.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Hashable
from typing import Any

from supervisors.errors import NameNotFound, NameTaken

__all__ = ["Names"]


def _alive(ref: Any) -> bool:
    return bool(ref.is_alive())


class Names:
    """Name -> current ActorRef of one tree; thread-safe."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._refs: dict[Hashable, Any] = {}

    def register(self, name: Hashable, ref: Any) -> None:
        """Register `ref` under `name`; NameTaken if a live other actor holds the name."""
        with self._changed:
            current = self._refs.get(name)
            if current is not None and current is not ref and _alive(current):
                raise NameTaken(name)
            self._refs[name] = ref
            self._changed.notify_all()

    def unregister(self, name: Hashable, ref: Any = None) -> None:
        """Remove `name` (only if it still names `ref`, when `ref` is given)."""
        with self._changed:
            current = self._refs.get(name)
            if current is not None and (ref is None or current is ref):
                del self._refs[name]

    def whereis(self, name: Hashable) -> Any | None:
        """The live actor registered under `name`, or None."""
        ref = self._refs.get(name)
        if ref is None or not _alive(ref):
            return None
        return ref

    def get(self, name: Hashable, timeout: float = 5.0) -> Any:
        """The live actor under `name`, waiting up to `timeout` s for it; NameNotFound after."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                ref = self.whereis(name)
                if ref is not None:
                    return ref
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise NameNotFound(name)
                # A ref registered while alive can die without a notify: poll at most every 50 ms.
                self._changed.wait(min(remaining, 0.05))

    def names(self) -> list[Hashable]:
        """The names registered now (live or not yet removed)."""
        with self._changed:
            return list(self._refs)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, Hashable) and self.whereis(name) is not None
