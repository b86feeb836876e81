"""CacheActor: the only writer; its stores outlive its crashes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pykka
import pytest

import supervisors
from actors.cache import CacheActor, cache_child_spec
from actors.messages import ApplyEvent
from bot.cache import Applied, Cache, Stores
from bot.events import GUILD_AVAILABLE, Update
from bot.payloads import Guild, Message

WAIT = 10.0


class Boom(Exception):
    pass


@pytest.fixture
def refs() -> Iterator[list[pykka.ActorRef[Any]]]:
    started: list[pykka.ActorRef[Any]] = []
    yield started
    for ref in reversed(started):
        if ref.is_alive():
            ref.stop(timeout=WAIT)


def test_apply_event_replies_what_consumers_get(refs: list[pykka.ActorRef[Any]]) -> None:
    stores = Stores.in_memory()
    cache = CacheActor.start(stores)
    refs.append(cache)
    ready = {"user": {"id": 1, "username": "bot"}, "guilds": [{"id": 5, "unavailable": True}]}
    assert cache.ask(ApplyEvent("READY", ready, 0), timeout=WAIT).name == "READY"
    reply = cache.ask(ApplyEvent("GUILD_CREATE", {"id": "5", "name": "g"}, 0), timeout=WAIT)
    assert isinstance(reply, Applied) and reply.name == GUILD_AVAILABLE
    assert isinstance(reply.data, Guild) and reply.data.id == 5
    cache.ask(
        ApplyEvent("MESSAGE_CREATE", {"id": 9, "channel_id": 1, "content": "a"}, 0), timeout=WAIT
    )
    edit = cache.ask(ApplyEvent("MESSAGE_UPDATE", {"id": 9, "content": "b"}, 0), timeout=WAIT)
    assert isinstance(edit.data, Update) and isinstance(edit.data.old, Message)
    assert edit.data.old.content == "a" and edit.data.new.content == "b"
    assert Cache(stores).get_message(9).content == "b"  # type: ignore[union-attr]
    unknown = cache.ask(ApplyEvent("NOT_YET_DOCUMENTED", [1, 2], 0), timeout=WAIT)
    assert unknown == ("NOT_YET_DOCUMENTED", [1, 2])


class FailingGuilds:
    """A guild store that fails once, the way a bug in a store would."""

    enabled = True

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.armed = True

    def put(self, key: int, value: Any) -> None:
        if self.armed:
            self.armed = False
            raise Boom("store bug")
        self.inner.put(key, value)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def __len__(self) -> int:
        return len(self.inner)


def test_a_crash_is_restarted_with_the_same_stores(refs: list[pykka.ActorRef[Any]]) -> None:
    stores = Stores.in_memory()
    names = supervisors.Names()
    supervisor = supervisors.Supervisor.start(children=[cache_child_spec(stores)], names=names)
    refs.append(supervisor)
    first = names.get("cache", timeout=WAIT)
    first.ask(ApplyEvent("GUILD_CREATE", {"id": 1, "name": "kept"}, 0), timeout=WAIT)
    stores.guilds = FailingGuilds(stores.guilds)  # type: ignore[assignment]
    with pytest.raises(Boom):
        first.ask(ApplyEvent("GUILD_CREATE", {"id": 2, "name": "boom"}, 0), timeout=WAIT)
    # the supervisor restarts it under the same name, over the same stores
    assert first.actor_stopped.wait(WAIT)
    second = names.get("cache", timeout=WAIT)
    assert second is not first
    reply = second.ask(ApplyEvent("GUILD_CREATE", {"id": 3, "name": "after"}, 0), timeout=WAIT)
    assert reply.name == "GUILD_CREATE"
    assert Cache(stores).get_guild(1).name == "kept"  # type: ignore[union-attr]
    assert sorted(Cache(stores).guild_ids()) == [1, 3]
