"""Request guild members as pure code: payloads, the all-members limit, chunks by nonce."""

from __future__ import annotations

import pytest

from bot.gateway.members import MemberRequests, MembersRateLimited


class Clock:
    now = 10.0

    def __call__(self) -> float:
        return self.now


def test_chunks_are_put_together_by_nonce():
    requests = MemberRequests()
    payload, _nonce = requests.build(5, query="ab", limit=10, nonce="n")
    assert payload == {
        "op": 8,
        "d": {"guild_id": "5", "presences": False, "nonce": "n", "query": "ab", "limit": 10},
    }
    assert (
        requests.on_chunk({"nonce": "n", "members": [1], "chunk_index": 0, "chunk_count": 2})
        is None
    )
    assert requests.on_chunk({"nonce": "other", "members": [9], "chunk_count": 1}) is None
    done = requests.on_chunk({"nonce": "n", "members": [2], "not_found": [7], "chunk_count": 2})
    assert (done.members, done.not_found, done.chunk_count) == ([1, 2], [7], 2)


def test_all_members_once_per_guild_per_window():
    clock = Clock()
    requests = MemberRequests(clock=clock)
    requests.build(5, query="")
    with pytest.raises(MembersRateLimited) as info:
        requests.build(5, query="", nonce="again")
    assert info.value.retry_after == pytest.approx(30.0)
    requests.build(6, query="")  # another guild
    requests.build(5, user_ids=[1, 2])  # not "all members"
    clock.now += 30.0
    requests.build(5)


def test_rate_limited_dispatch_fails_the_request():
    requests = MemberRequests()
    _payload, nonce = requests.build(5, query="")
    data = {"opcode": 8, "retry_after": 12.5, "meta": {"guild_id": 5, "nonce": nonce}}
    found = requests.on_rate_limited(data)
    assert found is not None
    assert found[0] == nonce and found[1].retry_after == 12.5
    assert requests.on_rate_limited(data) is None


def test_bad_requests():
    requests = MemberRequests()
    with pytest.raises(ValueError, match="not both"):
        requests.build(1, query="a", user_ids=[1])
    with pytest.raises(ValueError, match="32 bytes"):
        requests.build(1, query="a", nonce="x" * 33)
    with pytest.raises(ValueError, match="1 to 100"):
        requests.build(1, user_ids=range(101))
