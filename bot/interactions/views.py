"""`View`: buttons and selects answered by callbacks, for one message, for a while.

    view = View(timeout=60, allowed_users=[ctx.user.id])
    view.button("Yes", lambda c: c.update_message(content="Done", components=[]),
                style=ButtonStyle.SUCCESS)
    view.button("No", lambda c: c.update_message(content="Cancelled", components=[]))
    ctx.respond("Delete it?", view=view)

A view lives in its consumer's memory: after `timeout` seconds (from when it was sent) or a
restart of the bot, a click answers ephemerally that it has expired. `allowed_users` and
`check(ctx) -> bool` say who may click; anyone else gets an ephemeral refusal. Each view's
custom_ids carry its consumer's tag, so with several consumers only the sender answers. For
buttons that must keep working across restarts, route by custom_id with `@component`.
Expiry is checked when a click arrives, so a view costs no timer and no thread.
"""

from __future__ import annotations

import hashlib
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

__all__ = [
    "DEFAULT_VIEW_TIMEOUT",
    "OWNER_TAG_LENGTH",
    "VIEW_PREFIX",
    "View",
    "ViewStore",
    "owner_tag",
    "view_owner",
]

DEFAULT_VIEW_TIMEOUT = 180.0
"""Seconds a view answers after it is sent (discord.py's default too)."""
VIEW_PREFIX = "view:"
"""The custom_id prefix of view components; `@component` patterns should not start with it.
A view's custom_ids are `view:<owner>:<view id>:<n>`."""
OWNER_TAG_LENGTH = 8
"""Hex digits of the owner tag (`owner_tag`)."""

Callback = Callable[[Any], Any]
_INDEX_DIGITS_MAX = 3  # a view has at most 25 components: its indexes are short


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
        self.owner = ""  # set by the ViewStore that sends it: the consumer's tag
        self.timeout = timeout
        self.allowed_users = (
            frozenset(int(u) for u in allowed_users) if allowed_users is not None else None
        )
        self.check = check
        # Each item makes its component from its custom_id, known once the view has an owner.
        self._items: list[tuple[Callable[[str], Component], Callback | None]] = []

    def _add(self, make: Callable[[str], Component], callback: Callback | None) -> View:
        make(f"{VIEW_PREFIX}{'x' * OWNER_TAG_LENGTH}:{self.id}:{len(self._items)}")  # checks now
        self._items.append((make, callback))
        return self

    def custom_id(self, index: int) -> str:
        """The custom_id of the `index`-th component, once the view has an owner."""
        return f"{VIEW_PREFIX}{self.owner}:{self.id}:{index}"

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
        return self._add(
            lambda custom_id: Button(label, custom_id, style=style, emoji=emoji, disabled=disabled),
            on_click,
        )

    def link(self, label: str, url: str) -> View:
        """Adds a link button (it opens `url`; no interaction comes back)."""
        return self._add(lambda _: Button(label, url=url), None)

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
        return self._add(
            lambda custom_id: StringSelect(
                custom_id,
                placeholder=placeholder,
                min_values=min_values,
                max_values=max_values,
                options=tuple(options),
            ),
            on_select,
        )

    def rows(self) -> list[ActionRow]:
        """The components laid out in rows (Discord's layout rules checked)."""
        return layout(*(make(self.custom_id(i)) for i, (make, _) in enumerate(self._items)))

    def callback(self, custom_id: str) -> Callback | None:
        """The callback of one of this view's custom_ids, else None."""
        prefix, _, index = custom_id.rpartition(":")
        # ASCII digits only, and few: "²" passes isdigit() and int() refuses 5000 digits.
        if (
            prefix != self.custom_id(0).rpartition(":")[0]
            or not (index.isascii() and index.isdigit())
            or len(index) > _INDEX_DIGITS_MAX
        ):
            return None
        number = int(index)
        return self._items[number][1] if number < len(self._items) else None

    def allows(self, ctx: Any) -> bool:
        """Whether the user behind `ctx` may use this view."""
        if self.allowed_users is not None and ctx.user.id not in self.allowed_users:
            return False
        return self.check is None or bool(self.check(ctx))

    def __repr__(self) -> str:
        return f"View({self.id}, components={len(self._items)}, timeout={self.timeout})"


def owner_tag(name: str) -> str:
    """A short, stable tag of a consumer class's name, put in its views' custom_ids so that
    each consumer answers only its own views (and still knows them after a restart)."""
    return hashlib.blake2s(name.encode(), digest_size=OWNER_TAG_LENGTH // 2).hexdigest()


def view_owner(custom_id: str) -> str | None:
    """The owner tag of a view custom_id, or None for another custom_id."""
    if not custom_id.startswith(VIEW_PREFIX):
        return None
    return custom_id[len(VIEW_PREFIX) :].partition(":")[0]


class ViewStore:
    """The live views of one consumer, by id; expired ones are dropped as they are met."""

    def __init__(self, owner: str = "", clock: Callable[[], float] = time.monotonic) -> None:
        self.owner = owner or owner_tag("")
        self._clock = clock
        self._lock = threading.Lock()
        self._views: dict[str, tuple[View, float | None]] = {}

    def add(self, view: View) -> None:
        """Takes `view` in (its custom_ids get this store's owner tag) until it expires."""
        view.owner = self.owner
        expires = None if view.timeout is None else self._clock() + view.timeout
        with self._lock:
            self._prune()
            self._views[view.id] = (view, expires)

    def find(self, custom_id: str) -> View | None:
        """The live view a view custom_id belongs to; None if unknown or expired."""
        view_id = custom_id[len(VIEW_PREFIX) :].split(":")[1:2]
        if not view_id:
            return None
        with self._lock:
            found = self._views.get(view_id[0])
            if found is None:
                return None
            view, expires = found
            if expires is not None and self._clock() >= expires:
                del self._views[view_id[0]]
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
