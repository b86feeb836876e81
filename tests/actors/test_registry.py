"""Process groups: the contract every backend passes, then the local backend's own rules."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from actors.groups import Effects, Groups, Membership
from actors.messages import GroupJoined, GroupLeft
from actors.registry import GroupRegistry, LocalGroups, start_local_groups
from supervisors import PooledActor
from tests.actors.pipeline_helpers import WAIT, Actors, Inbox, actors_fixture, groups_fixture  # noqa: F401

# -- the contract (parametrised over backends by the `groups` fixture) ------------------------


def test_join_makes_a_member_and_leave_removes_it(groups: Groups, actors: Actors) -> None:
    ref, _ = actors.recorder()
    assert groups.members("consumers") == ()
    groups.join("consumers", ref)
    assert groups.members("consumers") == (ref,)
    assert "consumers" in groups.which_groups()
    assert groups.leave("consumers", ref) is True
    assert groups.members("consumers") == ()
    assert "consumers" not in groups.which_groups()


def test_joining_twice_needs_leaving_twice(groups: Groups, actors: Actors) -> None:
    ref, _ = actors.recorder()
    groups.join("g", ref)
    groups.join("g", ref)
    assert groups.members("g") == (ref,)  # listed once
    assert groups.leave("g", ref) is True
    assert groups.members("g") == (ref,)
    assert groups.leave("g", ref) is True
    assert groups.members("g") == ()
    assert groups.leave("g", ref) is False


def test_leave_of_a_non_member_is_false(groups: Groups, actors: Actors) -> None:
    ref, _ = actors.recorder()
    assert groups.leave("nobody-here", ref) is False


def test_any_hashable_names_a_group(groups: Groups, actors: Actors) -> None:
    ref, inbox = actors.recorder()
    for group in (("guild", 42), 7, frozenset({"a"})):
        groups.join(group, ref)
        assert groups.members(group) == (ref,)
        assert groups.dispatch(group, group) == 1
    assert inbox.wait_for_count(3) == [("guild", 42), 7, frozenset({"a"})]


def test_dispatch_reaches_every_member_once(groups: Groups, actors: Actors) -> None:
    members = [actors.recorder() for _ in range(3)]
    for ref, _ in members:
        groups.join("g", ref)
    groups.join("g", members[0][0])  # a double join still gets one copy
    assert groups.dispatch("g", "hello") == 3
    assert groups.dispatch("other", "nobody") == 0
    for _, inbox in members:
        assert inbox.wait_for_count(1) == ["hello"]
    groups.dispatch("g", "end")
    for _, inbox in members:
        assert inbox.wait_for_count(2) == ["hello", "end"]


def test_members_are_listed_newest_first(groups: Groups, actors: Actors) -> None:
    first, _ = actors.recorder()
    second, _ = actors.recorder()
    groups.join("g", first)
    groups.join("g", second)
    assert groups.members("g") == (second, first)


def test_a_member_with_its_own_deliver_gets_it_called(groups: Groups, actors: Actors) -> None:
    ref, inbox = actors.recorder()
    seen: list[Any] = []
    groups.join("g", ref, seen.append)
    groups.dispatch("g", 1)
    assert seen == [1]
    assert inbox.received == []


def test_a_deliver_that_raises_does_not_stop_the_others(groups: Groups, actors: Actors) -> None:
    bad, _ = actors.recorder()
    good, inbox = actors.recorder()

    def explode(message: Any) -> None:
        raise RuntimeError("deliver bug")

    groups.join("g", good)
    groups.join("g", bad, explode)
    assert groups.dispatch("g", "x") == 1
    assert inbox.wait_for_count(1) == ["x"]


def test_monitor_gives_members_then_notices(groups: Groups, actors: Actors) -> None:
    old, _ = actors.recorder()
    new, _ = actors.recorder()
    watcher, notices = actors.recorder()
    groups.join("g", old)
    monitor, members = groups.monitor("g", watcher)
    assert members == (old,)
    groups.join("g", new)
    groups.leave("g", old)
    got = notices.wait_for_count(2)
    assert got == [GroupJoined(monitor, "g", (new,)), GroupLeft(monitor, "g", (old,))]
    assert groups.demonitor(monitor) is True
    assert groups.demonitor(monitor) is False
    groups.leave("g", new)
    groups.join("g", old)
    # No notice after demonitor: a later watch's notice is the next thing the watcher sees.
    second, _ = groups.monitor("g", watcher)
    groups.leave("g", old)
    assert notices.wait_for_count(3)[2] == GroupLeft(second, "g", (old,))


def test_a_member_that_dies_leaves_on_its_own(groups: Groups, actors: Actors) -> None:
    member, _ = actors.recorder()
    other, other_inbox = actors.recorder()
    watcher, notices = actors.recorder()
    groups.join("g", member)
    groups.join("h", member)
    groups.join("g", other)
    monitor, _ = groups.monitor("g", watcher)
    member.stop(timeout=WAIT)
    # Found dead by a monitor, or at the latest by the next dispatch that meets it.
    assert groups.dispatch("g", "after") == 1
    notices.wait_until(lambda got: GroupLeft(monitor, "g", (member,)) in got)
    assert groups.members("g") == (other,)
    assert other_inbox.wait_for_count(1) == ["after"]


def test_a_watcher_that_dies_gets_nothing_and_breaks_nothing(
    groups: Groups, actors: Actors
) -> None:
    watcher, _ = actors.recorder()
    member, _ = actors.recorder()
    groups.monitor("g", watcher)
    watcher.stop(timeout=WAIT)
    groups.join("g", member)
    groups.leave("g", member)
    assert groups.members("g") == ()


def test_membership_changes_while_events_flow(groups: Groups, actors: Actors) -> None:
    """A member gets every message dispatched after its join returns, with no gap."""
    started = 0
    stop = threading.Event()
    progress = threading.Condition()

    def produce() -> None:
        nonlocal started
        while not stop.is_set():
            started += 1
            groups.dispatch("g", started)
            with progress:
                progress.notify_all()

    def wait_past(count: int) -> None:
        with progress:
            assert progress.wait_for(lambda: started > count, WAIT)

    thread = threading.Thread(target=produce)
    thread.start()
    joined: list[tuple[Any, Any, int]] = []
    left: list[tuple[Any, Any, int]] = []
    try:
        for index in range(6):
            ref, inbox = actors.recorder()
            groups.join("g", ref)
            joined.append((ref, inbox, started))
            if index % 2 == 1:
                ref_out, inbox_out, _ = joined[index - 1]
                groups.leave("g", ref_out)
                left.append((ref_out, inbox_out, started))
            wait_past(started + 3)  # events flow between every change
    finally:
        stop.set()
        thread.join(WAIT)
    last = started
    for ref, inbox, after in joined:
        if any(ref is gone for gone, _, _ in left):
            continue
        inbox.wait_until(lambda got: bool(got) and got[-1] == last)
        got = list(inbox.received)
        assert got[0] <= after + 1, (got[0], after)
        assert got == list(range(got[0], last + 1))
    for _, inbox, before in left:
        got = list(inbox.received)
        if got:
            assert got == list(range(got[0], got[-1] + 1))
            assert got[-1] <= before


def test_two_registries_are_independent(actors: Actors) -> None:
    one, one_registry = start_local_groups()
    two, two_registry = start_local_groups()
    actors.add(one_registry)
    actors.add(two_registry)
    ref, _ = actors.recorder()
    one.join("consumers", ref)
    assert two.members("consumers") == ()


# -- the local backend ------------------------------------------------------------------------


def test_membership_outlives_a_registry_restart(actors: Actors) -> None:
    membership = Membership()
    registry = GroupRegistry.start(membership)
    current = [registry]
    groups = LocalGroups(membership, lambda: current[0])
    member, inbox = actors.recorder()
    groups.join("consumers", member)
    registry.stop(timeout=WAIT)
    current[0] = actors.add(GroupRegistry.start(membership))
    assert groups.members("consumers") == (member,)
    assert groups.dispatch("consumers", "still here") == 1
    assert inbox.wait_for_count(1) == ["still here"]
    assert groups.leave("consumers", member) is True


def test_the_snapshot_is_replaced_not_mutated(actors: Actors) -> None:
    groups, registry = start_local_groups()
    actors.add(registry)
    ref, _ = actors.recorder()
    before = groups.membership.snapshot
    groups.join("g", ref)
    assert before == {}
    assert groups.membership.snapshot is not before


def test_pure_membership_rules_without_threads() -> None:
    class FakeRef:
        def __init__(self, urn: str) -> None:
            self.actor_urn = urn

        def tell(self, message: Any) -> None:
            raise AssertionError("not called")

    membership = Membership()
    a: Any = FakeRef("a")
    a_again: Any = FakeRef("a")  # another ref object for the same actor
    watcher: Any = FakeRef("w")
    effects = membership.join("g", a)
    assert effects.track == (a,)
    monitor, members, watch_effects = membership.watch("g", watcher)
    assert members == (a,) and watch_effects.track == (watcher,)
    assert membership.join("g", a_again).notices == ()  # second join of the same actor
    assert membership.leave("g", a) == (True, Effects())
    assert membership.leave("h", a) == (False, Effects())
    left, effects = membership.leave("g", a_again)
    assert left
    assert effects.notices == ((watcher, GroupLeft(monitor, "g", (a,))),)
    assert effects.untrack == (a,)
    assert membership.snapshot == {}
    down = membership.down(watcher)
    assert down.notices == ()
    assert membership.tracked() == ()


@pytest.mark.parametrize("count", [1, 50])
def test_dispatch_is_a_plain_snapshot_read(actors: Actors, count: int) -> None:
    groups, registry = start_local_groups()
    actors.add(registry)
    seen: list[int] = []
    for _ in range(count):
        ref, _ = actors.recorder()
        groups.join("g", ref, seen.append)
    registry.stop(timeout=WAIT)  # no registry: dispatch still works from the snapshot
    assert groups.dispatch("g", 1) == count
    assert seen == [1] * count


class PooledRecorder(PooledActor):
    """A pooled actor as a member: puts what it is told in an `Inbox`."""

    def __init__(self, inbox: Inbox) -> None:
        self.inbox = inbox

    def on_receive(self, message: Any) -> None:
        self.inbox.append(message)


def test_a_pooled_actor_is_a_member_too(groups: Groups, actors: Actors) -> None:
    inbox = Inbox()
    member: Any = actors.add(PooledRecorder.start(inbox))  # type: ignore[arg-type]
    watcher, notices = actors.recorder()
    monitor, _ = groups.monitor("g", watcher)
    groups.join("g", member)
    assert groups.dispatch("g", "hi") == 1
    assert inbox.wait_for_count(1) == ["hi"]
    member.stop(timeout=WAIT)
    groups.dispatch("g", "after")
    # NamedTuples compare as tuples: GroupJoined(m, "g", (member,)) == GroupLeft(m, "g", ...).
    left = GroupLeft(monitor, "g", (member,))
    notices.wait_until(lambda got: any(type(n) is GroupLeft and n == left for n in got))
    assert groups.members("g") == ()
