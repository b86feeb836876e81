"""The contract every `Groups` backend passes (docs/style.md, principle 5): the local one and
the Redis one, against a real Redis. Delivery may be asynchronous (the Redis backend hands
events over a stream), so reception is waited for, never assumed at once."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from actors.groups import Groups
from bot.events import Event, ShardInfo
from bot.payloads import Message
from bot.testing.redis_server import RedisServer
from tests.actors.cluster_helpers import Recorder, local_backend, redis_backend


@pytest.fixture(params=["local", "redis"])
def groups(request: pytest.FixtureRequest) -> Iterator[Groups]:
    if request.param == "local":
        with local_backend() as backend:
            yield backend
    else:
        server: RedisServer = request.getfixturevalue("redis_server")
        prefix: str = request.getfixturevalue("redis_prefix")
        with redis_backend(server.url, prefix) as backend:
            yield backend


def event(seq: int, name: str = "MESSAGE_CREATE") -> Event:
    return Event(name, Message({"id": seq, "content": f"m{seq}"}), ShardInfo(0))


def test_a_member_gets_what_is_dispatched_after_it_joined(groups: Groups) -> None:
    member = Recorder()
    groups.join("g", member)
    assert groups.members("g") == (member,)
    assert "g" in groups.which_groups()
    for seq in range(1, 6):
        assert groups.dispatch("g", event(seq)) >= 1
    got = member.wait_for(5)
    assert [e.data.id for e in got] == [1, 2, 3, 4, 5]  # in order
    assert isinstance(got[0].data, Message) and got[0].shard.id == 0
    assert not got[0].redelivered


def test_every_member_gets_every_event_and_a_member_that_left_gets_none(groups: Groups) -> None:
    first, second = Recorder(), Recorder()
    groups.join("g", first)
    groups.join("g", second)
    groups.dispatch("g", event(1))
    assert len(first.wait_for(1)) == 1 and len(second.wait_for(1)) == 1
    assert groups.leave("g", first) is True
    assert groups.leave("g", first) is False
    groups.dispatch("g", event(2))
    assert [e.data.id for e in second.wait_for(2)] == [1, 2]
    assert [e.data.id for e in first.received] == [1]
    assert groups.members("g") == (second,)


def test_a_group_without_members_is_not_listed(groups: Groups) -> None:
    member = Recorder()
    groups.join("h", member)
    groups.leave("h", member)
    assert groups.members("h") == () and "h" not in groups.which_groups()
