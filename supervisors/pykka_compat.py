"""Every use of Pykka's internals, in one place, checked against the pinned major version.

`supervisors` builds on Pykka's public API (`ThreadingActor`, `ActorRef`, `Future`,
`ActorRegistry`) and needs a few of its internals, because Pykka has no public hook for them:

- `pykka._envelope.Envelope`: the inbox (`supervisors.inbox`) holds Pykka's envelopes and
  puts its own;
- `pykka.messages._ActorStop`: what `ActorRef.stop()` sends, a control message the inbox never
  counts against its bound;
- `pykka._future._Unset`: `LatchFuture` sets `pykka.Future`'s two fields itself (one call less
  per ask);
- `pykka._introspection.get_attr_directly`: `PooledActor` answers proxy calls as Pykka does;
- `ThreadingActor._create_future`, `_start_actor_loop`, `_actor_loop`, `_handle_receive` and
  `_actor_ref`: `supervisors.Actor` replaces the loop and the futures;
- `ActorRef._actor_weakref`: what `pykka.ActorProxy` reads of a ref (`PooledActor` gives it).

Pykka keeps these stable within a major version, not across: `setup.cfg` pins `pykka>=4.0,<5`,
`check()` runs at import and fails with a clear message on another major or a missing name, and
`tests/supervisors/test_pykka_compat.py` checks the behaviour each use relies on.
"""

from __future__ import annotations

from importlib import metadata
from typing import Any

import pykka
from pykka._envelope import Envelope
from pykka._future import _Unset
from pykka._introspection import get_attr_directly
from pykka.messages import _ActorStop

__all__ = [
    "PYKKA_MAJOR",
    "ActorStop",
    "Envelope",
    "PykkaIncompatible",
    "UnsetType",
    "check",
    "get_attr_directly",
    "unset",
]

PYKKA_MAJOR = 4
"""The major version these internals were written and tested against (setup.cfg pins it)."""

ActorStop = _ActorStop
"""The message `ActorRef.stop()` puts in an actor's inbox."""

UnsetType = _Unset


def unset() -> Any:
    """The value `pykka.Future` holds in `_get_hook_result` until its get hook has run."""
    return _Unset()


# Private members of Pykka's public classes that `supervisors` reads or overrides.
ACTOR_INTERNALS = ("_create_future", "_start_actor_loop", "_actor_loop", "_handle_receive")
FUTURE_INTERNALS = ("_get_hook", "_get_hook_result")
REF_INTERNALS = ("_actor_weakref",)


class PykkaIncompatible(ImportError):
    """The installed Pykka is not the major version `supervisors` was built for."""


def check(version: str | None = None) -> None:
    """Raises PykkaIncompatible unless Pykka is major `PYKKA_MAJOR` with every internal used."""
    version = version if version is not None else metadata.version("pykka")
    major = version.split(".", 1)[0]
    if major != str(PYKKA_MAJOR):
        raise PykkaIncompatible(
            f"supervisors needs pykka {PYKKA_MAJOR}.x (it uses internals that change between "
            f"major versions), found {version}: install 'pykka>={PYKKA_MAJOR}.0,<{PYKKA_MAJOR + 1}'"
        )
    missing = [name for name in ACTOR_INTERNALS if not hasattr(pykka.ThreadingActor, name)]
    future = pykka.ThreadingFuture[Any]()
    missing += [name for name in FUTURE_INTERNALS if not hasattr(future, name)]
    if missing:
        raise PykkaIncompatible(f"pykka {version} lacks what supervisors uses: {missing}")


check()
