"""The Pykka internals `supervisors` uses (`supervisors.pykka_compat`) behave as it relies on,
with the Pykka version installed, which is the major version setup.cfg pins."""

from __future__ import annotations

import configparser
import re
from importlib import metadata
from pathlib import Path
from typing import Any

import pykka
import pytest

from supervisors import Actor
from supervisors.future import LatchFuture
from supervisors.pykka_compat import (
    ACTOR_INTERNALS,
    PYKKA_MAJOR,
    ActorStop,
    Envelope,
    PykkaIncompatible,
    UnsetType,
    check,
    get_attr_directly,
    unset,
)

REPO = Path(__file__).resolve().parents[2]


def test_setup_cfg_pins_the_major_version_that_is_installed() -> None:
    config = configparser.ConfigParser()
    config.read(REPO / "setup.cfg")
    requirements = config["options"]["install_requires"]
    (pin,) = [line.split("#")[0].strip() for line in requirements.splitlines() if "pykka" in line]
    assert pin == f"pykka>={PYKKA_MAJOR}.0,<{PYKKA_MAJOR + 1}"
    assert metadata.version("pykka").split(".")[0] == str(PYKKA_MAJOR)


def test_check_refuses_another_major_version_clearly() -> None:
    check()  # the installed one
    with pytest.raises(PykkaIncompatible, match=re.escape(f"needs pykka {PYKKA_MAJOR}.x")):
        check(f"{PYKKA_MAJOR + 1}.0.0")


class _Plain(pykka.ThreadingActor):
    pass


def test_stop_sends_an_actor_stop_in_an_envelope() -> None:
    actor = _Plain()  # not started: its inbox only collects
    actor.actor_ref.stop(block=False)
    envelope = actor.actor_inbox.get_nowait()
    assert type(envelope) is Envelope and type(envelope.message) is ActorStop
    assert envelope.reply_to is not None


def test_an_ask_uses_the_actor_class_future_and_an_envelope() -> None:
    class Echo(Actor):
        def on_receive(self, message: Any) -> Any:
            return message

    ref = Echo.start()
    try:
        future = ref.ask("hi", block=False)
        assert isinstance(future, LatchFuture)  # through `_create_future`
        assert future.get(timeout=10) == "hi"
    finally:
        ref.stop()
    assert all(hasattr(pykka.ThreadingActor, name) for name in ACTOR_INTERNALS)


def test_future_get_hook_fields_are_what_latch_future_sets() -> None:
    plain: pykka.Future[Any] = pykka.ThreadingFuture()
    assert plain._get_hook is None and isinstance(plain._get_hook_result, UnsetType)
    assert isinstance(unset(), UnsetType)
    latch = LatchFuture()
    latch.set_get_hook(lambda timeout: 42)  # Pykka's own path through those fields
    assert latch.get(timeout=1) == 42


def test_get_attr_directly_reads_a_path_without_calling() -> None:
    class Inner:
        value = 7

    class Outer:
        inner = Inner()

    assert get_attr_directly(Outer(), ("inner", "value")) == 7
