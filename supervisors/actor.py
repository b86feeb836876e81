"""Stub: the supervised actor base. The foundation work replaces this with the real one."""

from __future__ import annotations

import pykka


class Actor(pykka.ThreadingActor):
    """A Pykka thread actor whose every exit reaches its supervisor (stub for now)."""

    inbox_size: int | None = None
