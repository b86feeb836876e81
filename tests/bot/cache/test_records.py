"""Packed records round-trip what the payloads hold."""

from __future__ import annotations

import msgspec
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.cache import records

# No per-example deadline: these round trips take microseconds, and Hypothesis' default 200 ms
# wall-clock deadline only measures scheduler stalls on a loaded machine (a flaky
# DeadlineExceeded / "Unreliable test timings"), never the behaviour under test.
NO_DEADLINE = settings(deadline=None)

timestamps = st.datetimes(timezones=st.just(__import__("datetime").UTC)).map(
    lambda dt: dt.isoformat()
)


@NO_DEADLINE
@given(timestamps)
def test_time_round_trips(value: str) -> None:
    assert not isinstance(records.pack_time(value), str)  # isoformat's forms are all packed
    assert records.unpack_time(records.pack_time(value)) == value


def test_odd_timestamps_are_kept_as_text() -> None:
    odd = (
        "2020-01-01T00:00:00Z",
        "2020-01-01T00:00:00.1+00:00",
        "2024-W01-1T00:00:00+00:00",
        "2020-01-01 00:00:00+00:00",  # a space for T: fromisoformat reads it, isoformat not
        "2020-01-01 00:00:00.000000+00:00",
        "2020-01-01T00:00:00.000000+01:00",
        "20200101T000000.000000000+00:00",
    )
    for value in (*odd, "+00:00", "nonsense", None):
        assert records.pack_time(value) == value
        assert records.unpack_time(records.pack_time(value)) == value


def test_a_zero_fraction_written_out_is_packed_and_kept() -> None:
    # isoformat() drops a zero fraction: the packed form says it was written out
    value = "2024-01-01T00:00:00.000000+00:00"
    assert not isinstance(records.pack_time(value), str)
    assert records.unpack_time(records.pack_time(value)) == value
    assert records.unpack_time(records.pack_time("2024-01-01T00:00:00+00:00")) == (
        "2024-01-01T00:00:00+00:00"
    )


@NO_DEADLINE
@given(
    username=st.text(max_size=40),
    avatar=st.one_of(
        st.none(), st.text(max_size=40), st.from_regex(r"(a_)?[0-9a-f]{32}", fullmatch=True)
    ),
    bot=st.booleans(),
    refs=st.integers(0, 2**31 - 1),
)
def test_user_round_trips(username: str, avatar: str | None, bot: bool, refs: int) -> None:
    user = {"id": 5, "username": username, "discriminator": "0", "avatar": avatar}
    if bot:
        user["bot"] = True
    user["banner"] = "b"
    record = records.pack_user(user, refs)
    assert records.user_dict(5, record) == user
    assert records.user_refs(record) == refs
    assert records.user_refs(records.with_refs(record, 7)) == 7


@NO_DEADLINE
@given(
    roles=st.lists(st.integers(1, 2**63 - 1), max_size=20),
    nick=st.one_of(st.none(), st.text(max_size=32)),
    joined=timestamps,
    deaf=st.booleans(),
    mute=st.booleans(),
)
def test_member_round_trips(
    roles: list[int], nick: str | None, joined: str, deaf: bool, mute: bool
) -> None:
    member = {"roles": roles, "joined_at": joined, "deaf": deaf, "mute": mute, "flags": 3}
    if nick is not None:
        member["nick"] = nick
    user = {"id": 1}
    assert records.member_dict(9, user, records.pack_member(member)) == {
        **member,
        "user": user,
        "guild_id": 9,
    }


def test_string_role_ids_become_ints() -> None:
    record = records.pack_member({"roles": ["12", 13], "joined_at": None})
    assert records.member_dict(1, {"id": 1}, record)["roles"] == [12, 13]


def test_presence_round_trips() -> None:
    presence = {"status": "dnd", "activities": [{"name": "x", "type": 0}], "client_status": {}}
    user = {"id": 3}
    got = records.presence_dict(4, user, records.pack_presence(presence))
    assert got == {**presence, "user": user, "guild_id": 4}


def test_a_members_joined_at_round_trips_in_each_form() -> None:
    # joined_at's zero fraction is a bit of the record, not an Ext: each form comes back as sent
    member = {"user": {"id": 1}, "roles": [], "deaf": False, "mute": False}
    for joined in (
        "2024-01-01T00:00:00.000000+00:00",
        "2024-01-01T00:00:00+00:00",
        "2021-06-01T12:34:56.123456+00:00",
        "0001-01-01T00:00:00.000000+00:00",
        "9999-12-31T23:59:59.999999+00:00",
        "2024-13-01T00:00:00.000000+00:00",
        "2020-01-01T00:00:00Z",
        "2024-W01-1T00:00:00+00:00",
        "nonsense",
    ):
        record = records.pack_member({**member, "joined_at": joined})
        assert records.member_dict(9, member["user"], record)["joined_at"] == joined


def test_a_member_and_user_with_every_field_round_trip() -> None:
    # Every field there (a storm's members): read in one call rather than a get each.
    member = {
        "roles": [12],
        "joined_at": "2024-01-01T00:00:00.000000+00:00",
        "premium_since": "2024-02-01T10:00:00.123456+00:00",
        "avatar": "a_" + "0f" * 16,
        "communication_disabled_until": "2024-03-01T00:00:00+00:00",
        "nick": "n",
        "flags": 2,
        "deaf": True,
        "mute": False,
        "pending": True,
    }
    user = {"id": 1}
    assert records.member_dict(9, user, records.pack_member(member)) == {
        **member,
        "user": user,
        "guild_id": 9,
    }
    full_user = {
        "id": 5,
        "username": "u",
        "discriminator": "0",
        "global_name": "U",
        "avatar": "0f" * 16,
        "public_flags": 64,
    }
    assert records.user_dict(5, records.pack_user(full_user, 1)) == full_user


def test_an_unknown_field_is_kept_beside_every_known_one() -> None:
    # With every field there, the record counts keys rather than testing each: an extra key in
    # place of one it expects must still be kept.
    member = {
        "roles": [],
        "joined_at": "2024-01-01T00:00:00.000000+00:00",
        "premium_since": None,
        "avatar": None,
        "communication_disabled_until": None,
        "nick": None,
        "flags": 0,
        "deaf": False,
        "mute": False,
        "pending": False,
    }
    user = {"id": 1}
    for extra in ({"user": user, "banner": "b"}, {"banner": "b"}):  # 12 keys, and 11 sans user
        kept = records.member_dict(9, user, records.pack_member({**member, **extra}))
        assert kept["banner"] == "b"
    fields = {"username": "u", "discriminator": "0", "global_name": None, "avatar": None}
    fields["public_flags"] = 0
    for extra in (
        {"id": 5, "clan": "c"},  # 7 keys, no "bot"
        {"bot": True, "clan": "c"},  # 7 keys with "bot", no "id"
        {"id": 5, "bot": True, "clan": "c"},  # 8 keys
    ):
        assert records.user_dict(5, records.pack_user({**fields, **extra}, 1))["clan"] == "c"
    assert "clan" not in records.user_dict(5, records.pack_user({**fields, "id": 5, "bot": True}))


def test_packed_messages_are_their_own_bytes_in_any_thread() -> None:
    # Packed in a reusable buffer per thread: each record is a copy of its exact size, never a
    # view of that buffer, whatever is packed after it, in this thread or another.
    from concurrent.futures import ThreadPoolExecutor

    from bot.payloads import Message

    def message(n: int) -> dict[str, object]:
        return {"id": str(n), "channel_id": "7", "content": "x" * (n % 9000), "embeds": []}

    def pack_all(start: int) -> list[tuple[int, bytes]]:
        return [(n, records.pack_message(Message(message(n)))) for n in range(start, start + 300)]

    with ThreadPoolExecutor(4) as pool:
        packed = [item for batch in pool.map(pack_all, range(0, 9000, 750)) for item in batch]
    for n, record in packed:
        assert type(record) is bytes
        assert record == msgspec.msgpack.encode(Message(message(n)).unsettled)
        assert records.message_of(record).content == "x" * (n % 9000)


def test_a_huge_message_does_not_leave_its_buffer_behind() -> None:
    # A hostile 10 MB message is packed like any other; the thread's buffer then goes back to
    # a small one rather than holding 15 MB for the rest of the process.
    from bot.payloads import Message

    huge = records.pack_message(Message({"id": "1", "content": "x" * 10_000_000}))
    assert records.message_of(huge).content == "x" * 10_000_000
    small = records.pack_message(Message({"id": "2", "content": "y"}))
    assert records.message_of(small).content == "y"
    assert records._buffers.buffer.__alloc__() < 1 << 17
