"""Every real dispatch payload of the corpus through `apply`, in JSON shape (string
snowflakes) and in the decoder's shape (int snowflakes), checking what consumers get: from
`apply` itself, and from a consumer behind the real CacheActor and ProducerActor."""

from __future__ import annotations

import copy
from typing import Any

import pykka
import pytest

from actors.cache import CacheActor
from actors.consumer import Consumer
from actors.groups import Groups
from actors.messages import Dispatch
from actors.producer import ProducerActor, ask_cache
from actors.registry import start_local_groups
from bot.cache import Cache, Stores, apply
from bot.events import CATALOGUE, GUILD_AVAILABLE, GUILD_UNAVAILABLE, Event, Result, Update
from bot.payloads import MessageDelete, Payload
from bot.payloads.base import Field
from tests.bot.cache.corpus import Sample, dispatches, intify

SAMPLES = list(dispatches())
SHAPES = {"json": lambda data: data, "decoded": intify}
WAIT = 10.0  # generous: two cores shared with other work; waits end when the condition holds


def read_every_field(payload: Any, depth: int = 0) -> None:
    """Reads every declared field (converting it), and those of nested payloads."""
    if depth > 4:
        return
    if isinstance(payload, tuple):
        for item in payload:
            read_every_field(item, depth + 1)
        return
    if not isinstance(payload, Payload):
        return
    for cls in type(payload).__mro__:
        for name, attr in vars(cls).items():
            if isinstance(attr, (Field, property)):
                read_every_field(getattr(payload, name), depth + 1)


def check(sample: Sample, name: str, data: Any) -> None:
    spec = CATALOGUE.get(sample.event)
    if spec is None:
        assert data == sample.data or data == intify(sample.data)
        return
    if sample.event == "GUILD_CREATE":
        assert name in ("GUILD_CREATE", GUILD_AVAILABLE, GUILD_UNAVAILABLE)
        spec = CATALOGUE[name]
    else:
        assert name == sample.event
    assert data is not None
    if spec.result is Result.UPDATE:
        assert isinstance(data, Update)
        new = data.new
        if isinstance(new, tuple):
            assert all(isinstance(item, spec.payload) for item in new)  # type: ignore[arg-type]
        else:
            assert isinstance(new, spec.payload)  # type: ignore[arg-type]
        assert data.old is None or type(data.old) is type(new)
    elif spec.result is Result.DELETE:
        items = data if isinstance(data, tuple) else (data,)
        for item in items:
            assert isinstance(item, spec.payload | MessageDelete)  # type: ignore[operator]
    else:
        assert isinstance(data, spec.payload)  # type: ignore[arg-type]
    read_every_field(data)


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("sample", SAMPLES, ids=[s.file for s in SAMPLES])
def test_each_payload_alone(sample: Sample, shape: str) -> None:
    stores = Stores.in_memory()
    name, data = apply(stores, sample.event, SHAPES[shape](sample.data), shard_id=0)
    check(sample, name, data)


@pytest.mark.parametrize("shape", SHAPES)
def test_the_whole_corpus_in_one_cache(shape: str) -> None:
    stores = Stores.in_memory()
    cache = Cache(stores)
    for sample in SAMPLES:
        name, data = apply(stores, sample.event, SHAPES[shape](sample.data), shard_id=1)
        check(sample, name, data)
    # every guild, channel, member and user left in the cache reads back whole
    for guild in cache.guilds():
        read_every_field(guild)
        for channel in cache.channels_of(guild.id) + cache.threads_of(guild.id):
            read_every_field(channel)
            assert cache.get_channel(channel.id) == channel
        for member in cache.members_of(guild.id)[:200]:
            read_every_field(member)
            assert member.guild_id == guild.id
            assert cache.get_user(member.id) is not None
        for presence in cache.presences_of(guild.id)[:200]:
            read_every_field(presence)
    for message in cache.messages():
        read_every_field(message)


def test_every_event_kind_of_the_corpus_is_in_the_catalogue() -> None:
    kinds = {sample.event for sample in SAMPLES}
    assert kinds - set(CATALOGUE) == {"DOESNT_MATTER"}  # the deliberately unknown event
    assert len(kinds) >= 40


class Recording(Consumer):
    """Keeps every event it handles; one worker, so in the order the producer gave them."""

    max_workers = 1

    def __init__(self, groups: Groups, received: list[Event]) -> None:
        super().__init__(groups)
        self.received = received

    def handle_event(self, event: Event) -> None:
        self.received.append(event)


@pytest.mark.parametrize("shape", SHAPES)
def test_the_whole_corpus_through_the_cache_and_producer_actors(shape: str) -> None:
    """Each dispatch reaches a consumer behind a CacheActor and a ProducerActor (`ask_cache`)
    under the name `apply` gives (the GUILD_CREATE split) and in its catalogue's data shape."""
    shard_id = 2
    reference = Stores.in_memory()
    expected = [
        apply(reference, s.event, SHAPES[shape](copy.deepcopy(s.data)), shard_id=shard_id).name
        for s in SAMPLES
    ]
    received: list[Event] = []
    groups, registry = start_local_groups()
    started: list[pykka.ActorRef[Any]] = [registry]
    try:
        cache = CacheActor.start(Stores.in_memory())
        started.append(cache)
        consumer = Recording.start(groups, received)
        started.append(consumer)
        producer = ProducerActor.start(shard_id, groups, apply=ask_cache(lambda: cache))
        started.append(producer)
        for seq, sample in enumerate(SAMPLES, 1):
            dispatch = Dispatch(shard_id, seq, sample.event, SHAPES[shape](sample.data))
            producer.ask(dispatch, timeout=WAIT)  # answered once the consumer took the event
        assert consumer.proxy().drain(WAIT).get(timeout=WAIT)  # every handler has returned
        assert cache.is_alive()  # no payload crashed it (the producer would pass it on raw)
    finally:
        for ref in reversed(started):
            ref.stop(timeout=WAIT)
    assert [event.name for event in received] == expected
    for sample, event in zip(SAMPLES, received, strict=True):
        assert event.shard.id == shard_id
        check(sample, event.name, event.data)
    kinds = {sample.event for sample in SAMPLES}
    split = {GUILD_AVAILABLE, GUILD_UNAVAILABLE} & {event.name for event in received}
    assert {event.name for event in received} == kinds | split
