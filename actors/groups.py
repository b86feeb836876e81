"""Process groups (Erlang's `pg`) as an interface and as pure membership bookkeeping.

`Groups` is the interface every backend implements (the local one in `actors.registry`, a Redis
one later); `Membership` is the local backend's state and rules, plain code with no threads:
one writer (the `GroupRegistry` actor) changes it, and anyone reads `Membership.snapshot`,
an immutable mapping replaced as a whole at every change, so a dispatch reads the members of a
group without a round trip through the actor.

Rules, as in `pg`:
- A group is named by any hashable and exists while it has members.
- An actor may join a group several times; it stays a member until it has left as many times.
  Unlike `pg`, `members()` lists it once and a dispatch reaches it once.
- A member that ends leaves every group on its own.
- A watcher (`monitor(group, watcher)`) gets the current members back, then `GroupJoined` and
  `GroupLeft` notices (`actors.messages`) for that group until it demonitors or ends.

Members are listed newest first, so a dispatch reaches a temporary member (an inline
`wait_for`) before the long-lived consumers whose free slots it might wait for.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Hashable, Mapping
from typing import Any, NamedTuple, Protocol

from actors.messages import GroupJoined, GroupLeft

__all__ = [
    "CONSUMERS",
    "Deliver",
    "Effects",
    "GroupMonitor",
    "Groups",
    "Member",
    "MemberRef",
    "Membership",
]

CONSUMERS = "consumers"
"""The group every `Consumer` joins, and to which producers dispatch events."""

Deliver = Callable[[Any], object]
"""Hands one dispatched message to a member, in the dispatching thread; it may block (that is
how a member slows its producers). `ref.tell` unless the member joined with its own."""


class MemberRef(Protocol):
    """What a group member is: an actor's ref (`pykka.ActorRef`, `supervisors.PooledRef`)."""

    @property
    def actor_urn(self) -> str: ...

    def is_alive(self) -> bool: ...

    def tell(self, message: Any) -> None: ...


Ref = MemberRef


class GroupMonitor(NamedTuple):
    """Names one watch of a group: returned by `monitor`, carried by its notices."""

    id: int
    group: Hashable


class Member(NamedTuple):
    """One member of a group as a dispatch sees it."""

    ref: Ref
    deliver: Deliver


class Groups(Protocol):
    """Process groups: who receives what is dispatched to a group. Every backend is one."""

    def join(self, group: Hashable, ref: Ref, deliver: Deliver | None = None) -> None:
        """Adds `ref` to `group`; every dispatch that starts after this returns reaches it."""
        ...

    def leave(self, group: Hashable, ref: Ref) -> bool:
        """Undoes one `join`; False if `ref` was not a member."""
        ...

    def members(self, group: Hashable) -> tuple[Ref, ...]:
        """The current members of `group`, newest first (empty for an unknown group)."""
        ...

    def which_groups(self) -> tuple[Hashable, ...]:
        """Every group with at least one member."""
        ...

    def monitor(self, group: Hashable, watcher: Ref) -> tuple[GroupMonitor, tuple[Ref, ...]]:
        """Watches `group`: the current members now, `GroupJoined`/`GroupLeft` told later."""
        ...

    def demonitor(self, monitor: GroupMonitor) -> bool:
        """Ends a watch; False if it was not active."""
        ...

    def dispatch(self, group: Hashable, message: Any) -> int:
        """Delivers `message` to every live member of `group`; returns how many it reached."""
        ...


class Effects(NamedTuple):
    """What the registry must do after a change: tell notices, start or stop monitoring refs."""

    notices: tuple[tuple[Ref, Any], ...] = ()
    track: tuple[Ref, ...] = ()
    untrack: tuple[Ref, ...] = ()


NO_EFFECTS = Effects()


class _Entry:
    """One ref's membership of one group: how many joins it has not left yet."""

    __slots__ = ("count", "member")

    def __init__(self, member: Member) -> None:
        self.member = member
        self.count = 1


class Membership:
    """The groups, their members and their watchers: pure state, changed by one writer only.

    Refs are keyed by `actor_urn`, so two `ActorRef` objects for one actor are one member.
    """

    def __init__(self) -> None:
        self.snapshot: Mapping[Hashable, tuple[Member, ...]] = {}
        """Group -> members, newest first. Replaced, never mutated: read it without a lock."""
        self._groups: dict[Hashable, dict[str, _Entry]] = {}
        self._watches: dict[Hashable, dict[GroupMonitor, Ref]] = {}
        self._watch_ids = itertools.count(1)
        # urn -> [ref, uses]: a ref is monitored while it is a member or a watcher somewhere.
        self._tracked: dict[str, list[Any]] = {}

    # -- reads -------------------------------------------------------------------------------

    def members(self, group: Hashable) -> tuple[Ref, ...]:
        """The refs of `group`, newest first."""
        return tuple(member.ref for member in self.snapshot.get(group, ()))

    def groups_of(self, ref: Ref) -> tuple[Hashable, ...]:
        """The groups `ref` is a member of."""
        return tuple(g for g, entries in self._groups.items() if ref.actor_urn in entries)

    def tracked(self) -> tuple[Ref, ...]:
        """Every ref the registry must monitor (members and watchers)."""
        return tuple(ref for ref, _uses in self._tracked.values())

    # -- membership ----------------------------------------------------------------------------

    def join(self, group: Hashable, ref: Ref, deliver: Deliver | None = None) -> Effects:
        """Adds one join of `ref` to `group`; `deliver` is kept from its first join."""
        entries = self._groups.setdefault(group, {})
        entry = entries.get(ref.actor_urn)
        if entry is not None:
            entry.count += 1
            return NO_EFFECTS
        entries[ref.actor_urn] = _Entry(Member(ref, deliver or ref.tell))
        self._publish(group)
        track = self._use(ref)
        return Effects(self._notify(group, GroupJoined, (ref,)), track, ())

    def leave(self, group: Hashable, ref: Ref) -> tuple[bool, Effects]:
        """Removes one join of `ref` from `group`; (False, nothing) if it was not a member."""
        entries = self._groups.get(group)
        entry = entries.get(ref.actor_urn) if entries is not None else None
        if entries is None or entry is None:
            return False, NO_EFFECTS
        entry.count -= 1
        if entry.count > 0:
            return True, NO_EFFECTS
        return True, self._remove(group, entries, ref)

    def down(self, ref: Ref) -> Effects:
        """`ref` ended: it leaves every group and its watches end."""
        notices: list[tuple[Ref, Any]] = []
        for group in self.groups_of(ref):
            effects = self._remove(group, self._groups[group], ref)
            notices.extend(effects.notices)
        for watches in list(self._watches.values()):
            for monitor, watcher in list(watches.items()):
                if watcher.actor_urn == ref.actor_urn:
                    self._drop_watch(monitor)
        self._tracked.pop(ref.actor_urn, None)
        return Effects(tuple(notices), (), ())

    # -- watches ---------------------------------------------------------------------------------

    def watch(self, group: Hashable, watcher: Ref) -> tuple[GroupMonitor, tuple[Ref, ...], Effects]:
        """Starts a watch of `group` by `watcher`: (its monitor, the current members, effects)."""
        monitor = GroupMonitor(next(self._watch_ids), group)
        self._watches.setdefault(group, {})[monitor] = watcher
        return monitor, self.members(group), Effects((), self._use(watcher), ())

    def unwatch(self, monitor: GroupMonitor) -> tuple[bool, Effects]:
        """Ends a watch; (False, nothing) if it was not active."""
        watcher = self._drop_watch(monitor)
        if watcher is None:
            return False, NO_EFFECTS
        return True, Effects((), (), self._unuse(watcher))

    # -- internals -------------------------------------------------------------------------------

    def _remove(self, group: Hashable, entries: dict[str, _Entry], ref: Ref) -> Effects:
        ref = entries.pop(ref.actor_urn).member.ref  # the ref it joined with
        if not entries:
            del self._groups[group]
        self._publish(group)
        return Effects(self._notify(group, GroupLeft, (ref,)), (), self._unuse(ref))

    def _publish(self, group: Hashable) -> None:
        snapshot = dict(self.snapshot)
        entries = self._groups.get(group)
        if entries:
            snapshot[group] = tuple(entry.member for entry in reversed(entries.values()))
        else:
            snapshot.pop(group, None)
        self.snapshot = snapshot

    def _notify(
        self, group: Hashable, kind: type[GroupJoined] | type[GroupLeft], refs: tuple[Ref, ...]
    ) -> tuple[tuple[Ref, Any], ...]:
        watches = self._watches.get(group)
        if not watches:
            return ()
        return tuple((watcher, kind(monitor, group, refs)) for monitor, watcher in watches.items())

    def _drop_watch(self, monitor: GroupMonitor) -> Ref | None:
        watches = self._watches.get(monitor.group)
        if watches is None or monitor not in watches:
            return None
        watcher = watches.pop(monitor)
        if not watches:
            del self._watches[monitor.group]
        return watcher

    def _use(self, ref: Ref) -> tuple[Ref, ...]:
        slot = self._tracked.get(ref.actor_urn)
        if slot is not None:
            slot[1] += 1
            return ()
        self._tracked[ref.actor_urn] = [ref, 1]
        return (ref,)

    def _unuse(self, ref: Ref) -> tuple[Ref, ...]:
        slot = self._tracked.get(ref.actor_urn)
        if slot is None:
            return ()
        slot[1] -= 1
        if slot[1] > 0:
            return ()
        del self._tracked[ref.actor_urn]
        return (slot[0],)
