"""`View`: buttons and selects answered by callbacks, for one message, for a while.

    view = View(timeout=60, allowed_users=[ctx.user.id])
    view.button("Yes", lambda c: c.update_message(content="Done", components=[]),
                style=ButtonStyle.SUCCESS)
    view.button("No", lambda c: c.update_message(content="Cancelled", components=[]))
    ctx.respond("Delete it?", view=view)

A view lives in its consumer's memory: after `timeout` seconds (from when it was sent) or a
restart of the bot, a click answers ephemerally that it has expired. `allowed_users` and
`check(ctx) -> bool` say who may click; anyone else gets an ephemeral refusal. For buttons that
must keep working across restarts, route by custom_id on the consumer with `@component`.
Expiry is checked when a click arrives, so a view costs no timer and no thread.
"""

from __future__ import annotations

import itertools
import secrets
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from bot.interactions.components import (
    ActionRow,
    Button,
    Component,
    SelectOption,
    StringSelect,
    layout,
)
from bot.interactions.enums import ButtonStyle

__all__ = ["DEFAULT_VIEW_TIMEOUT", "VIEW_PREFIX", "View", "ViewStore"]

DEFAULT_VIEW_TIMEOUT = 180.0
"""Seconds a view answers after it is sent (discord.py's default too)."""
VIEW_PREFIX = "view:"
"""The custom_id prefix of view components; `@component` patterns should not start with it."""

Callback = Callable[[Any], Any]


class View:
    """Components with their callbacks; see the module doc."""

    def __init__(
        self,
        *,
        timeout: float | None = DEFAULT_VIEW_TIMEOUT,
        allowed_users: Iterable[int] | None = None,
        check: Callable[[Any], bool] | None = None,
    ) -> None:
        self.id = secrets.token_hex(6)
        self.timeout = timeout
        self.allowed_users = (
            frozenset(int(u) for u in allowed_users) if allowed_users is not None else None
        )
        self.check = check
        self._components: list[Component] = []
        self._callbacks: dict[str, Callback] = {}
        self._numbers = itertools.count()

    def _custom_id(self) -> str:
        return f"{VIEW_PREFIX}{self.id}:{next(self._numbers)}"

    def button(
        self,
        label: str,
        on_click: Callback,
        *,
        style: ButtonStyle = ButtonStyle.SECONDARY,
        emoji: str | None = None,
        disabled: bool = False,
    ) -> View:
        """Adds a button; `on_click(ctx)` runs when it is clicked."""
        custom_id = self._custom_id()
        self._components.append(
            Button(label, custom_id, style=style, emoji=emoji, disabled=disabled)
        )
        self._callbacks[custom_id] = on_click
        return self

    def link(self, label: str, url: str) -> View:
        """Adds a link button (it opens `url`; no interaction comes back)."""
        self._components.append(Button(label, url=url))
        return self

    def select(
        self,
        options: Sequence[SelectOption],
        on_select: Callback,
        *,
        placeholder: str | None = None,
        min_values: int = 1,
        max_values: int = 1,
    ) -> View:
        """Adds a string select; `on_select(ctx)` runs with `ctx.values` chosen."""
        custom_id = self._custom_id()
        self._components.append(
            StringSelect(
                custom_id,
                placeholder=placeholder,
                min_values=min_values,
                max_values=max_values,
                options=tuple(options),
            )
        )
        self._callbacks[custom_id] = on_select
        return self

    def rows(self) -> list[ActionRow]:
        """The components laid out in rows (Discord's layout rules checked)."""
        return layout(*self._components)

    def callback(self, custom_id: str) -> Callback | None:
        return self._callbacks.get(custom_id)

    def allows(self, ctx: Any) -> bool:
        """Whether the user behind `ctx` may use this view."""
        if self.allowed_users is not None and ctx.user.id not in self.allowed_users:
            return False
        return self.check is None or bool(self.check(ctx))

    def __repr__(self) -> str:
        return f"View({self.id}, components={len(self._components)}, timeout={self.timeout})"


class ViewStore:
    """The live views of one consumer, by id; expired ones are dropped as they are met."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._views: dict[str, tuple[View, float | None]] = {}

    def add(self, view: View) -> None:
        expires = None if view.timeout is None else self._clock() + view.timeout
        with self._lock:
            self._prune()
            self._views[view.id] = (view, expires)

    def find(self, custom_id: str) -> View | None:
        """The live view a view custom_id belongs to; None if unknown or expired."""
        view_id = custom_id[len(VIEW_PREFIX) :].partition(":")[0]
        with self._lock:
            found = self._views.get(view_id)
            if found is None:
                return None
            view, expires = found
            if expires is not None and self._clock() >= expires:
                del self._views[view_id]
                return None
            return view

    def stop(self, view: View) -> None:
        """Forgets a view: its components answer as expired from now on."""
        with self._lock:
            self._views.pop(view.id, None)

    def __len__(self) -> int:
        with self._lock:
            self._prune()
            return len(self._views)

    def _prune(self) -> None:
        now = self._clock()
        for view_id in [v for v, (_, e) in self._views.items() if e is not None and now >= e]:
            del self._views[view_id]
