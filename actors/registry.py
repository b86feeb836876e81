"""The local process groups: the `GroupRegistry` actor (the one writer) and `LocalGroups`.

One registry per bot, never process-global, so two bots live side by side. The tree creates a
`Membership` once and hands it to every (re)start of the `GroupRegistry` actor, so a registry
crash loses no membership (the way an ETS table outlives its writer); the restarted registry
monitors every member again. `LocalGroups` is what the other parts hold: writes (join, leave,
monitor) are asks to the registry found through a resolver (a `supervisors.Names` lookup in the
tree), reads and dispatch read `Membership.snapshot` directly with no round trip.

    membership = Membership()
    spec = ChildSpec("groups", start=lambda: GroupRegistry.start(membership))
    groups = LocalGroups.named(membership, names, "groups")    # names.get("groups", timeout)

A member that ends leaves every group: the registry monitors each member
(`supervisors.monitor`, told `Down`), and a dispatch that meets a dead member skips it and
reports it.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import TYPE_CHECKING, Any

import structlog
from pykka import ActorDeadError, ActorRef, Timeout

import supervisors
from actors.errors import DispatchAbandoned, RegistryUnavailable
from actors.groups import Deliver, Effects, GroupMonitor, MemberRef, Membership
from actors.messages import DemonitorGroup, JoinGroup, LeaveGroup, MemberDown, MonitorGroup
from supervisors import Down, NotSupervisable, SupervisorsError

if TYPE_CHECKING:
    from supervisors import Names

__all__ = ["REGISTRY_TIMEOUT", "GroupRegistry", "LocalGroups", "start_local_groups"]

log = structlog.get_logger(__name__)

REGISTRY_TIMEOUT = 5.0
"""Seconds a membership change waits for the registry (a restart takes milliseconds)."""

Ref = MemberRef
Resolver = Callable[[], "ActorRef[Any] | None"]


class GroupRegistry(supervisors.Actor):
    """Owns the writes to one `Membership`: joins, leaves, watches, and members that end.

    Replies: `JoinGroup` -> None, `LeaveGroup` -> bool, `MonitorGroup` -> (monitor, members),
    `DemonitorGroup` -> bool. Notices to watchers are told from this actor's thread.
    """

    def __init__(self, membership: Membership) -> None:
        super().__init__()
        self.membership = membership
        self._monitors: dict[str, Any] = {}

    @classmethod
    def child_spec(cls, membership: Membership, id: Hashable = "groups") -> supervisors.ChildSpec:
        """The spec of the bot's registry: every (re)start gets the same `membership`."""
        return supervisors.ChildSpec(id, lambda: cls.start(membership))

    def on_start(self) -> None:
        # A restarted registry watches again every member and watcher it inherits.
        for ref in self.membership.tracked():
            if ref.is_alive():
                self._track(ref)
            else:
                self._apply(self.membership.down(ref))

    def on_receive(self, message: Any) -> Any:
        membership = self.membership
        if isinstance(message, JoinGroup):
            self._apply(membership.join(message.group, message.ref, message.deliver))
            return None
        if isinstance(message, LeaveGroup):
            left, effects = membership.leave(message.group, message.ref)
            self._apply(effects)
            return left
        if isinstance(message, MonitorGroup):
            monitor, members, effects = membership.watch(message.group, message.watcher)
            self._apply(effects)
            return monitor, members
        if isinstance(message, DemonitorGroup):
            ended, effects = membership.unwatch(message.monitor)
            self._apply(effects)
            return ended
        if isinstance(message, MemberDown):
            if not message.ref.is_alive():
                self._down(message.ref, "found_dead")
            return None
        if isinstance(message, Down):
            self._down(message.actor_ref, str(message.reason))
            return None
        log.warning("groups.unknown_message", message_type=type(message).__name__)
        return None

    def _down(self, ref: Ref, reason: str) -> None:
        self._monitors.pop(ref.actor_urn, None)
        groups = self.membership.groups_of(ref)
        self._apply(self.membership.down(ref))
        if groups:
            log.debug("groups.member_down", member=str(ref), groups=groups, reason=reason)

    def _apply(self, effects: Effects) -> None:
        for ref in effects.track:
            self._track(ref)
        for ref in effects.untrack:
            actor_monitor = self._monitors.pop(ref.actor_urn, None)
            if actor_monitor is not None:
                supervisors.demonitor(actor_monitor)
        for watcher, notice in effects.notices:
            try:
                watcher.tell(notice)
            except ActorDeadError:
                self._down(watcher, "found_dead")

    def _track(self, ref: Ref) -> None:
        if ref.actor_urn in self._monitors:
            return
        try:
            self._monitors[ref.actor_urn] = supervisors.monitor(ref, self.actor_ref)
        except NotSupervisable:
            # A plain Pykka actor has no lifeline: dispatches that meet it dead report it.
            log.debug("groups.member_unmonitored", member=str(ref))


class LocalGroups:
    """The in-memory `Groups` backend: asks to the registry for writes, snapshot reads."""

    def __init__(
        self, membership: Membership, registry: Resolver, *, timeout: float = REGISTRY_TIMEOUT
    ) -> None:
        self.membership = membership
        self._registry = registry
        self._timeout = timeout

    def join(self, group: Hashable, ref: Ref, deliver: Deliver | None = None) -> None:
        """Adds `ref` to `group`; every dispatch that starts after this returns reaches it."""
        self._call(JoinGroup(group, ref, deliver), "join")

    def leave(self, group: Hashable, ref: Ref) -> bool:
        """Undoes one `join`; False if `ref` was not a member."""
        return bool(self._call(LeaveGroup(group, ref), "leave"))

    def members(self, group: Hashable) -> tuple[Ref, ...]:
        """The current members of `group`, newest first."""
        return self.membership.members(group)

    def which_groups(self) -> tuple[Hashable, ...]:
        """Every group with at least one member."""
        return tuple(self.membership.snapshot)

    def monitor(self, group: Hashable, watcher: Ref) -> tuple[GroupMonitor, tuple[Ref, ...]]:
        """Watches `group`: the current members now, `GroupJoined`/`GroupLeft` told later."""
        monitor, members = self._call(MonitorGroup(group, watcher), "monitor")
        return monitor, members

    def demonitor(self, monitor: GroupMonitor) -> bool:
        """Ends a watch; False if it was not active."""
        return bool(self._call(DemonitorGroup(monitor), "demonitor"))

    def dispatch(self, group: Hashable, message: Any) -> int:
        """Delivers `message` to every live member of `group`, in this thread; returns the count.

        A member's `deliver` may block (backpressure). A dead member is skipped and reported to
        the registry; a `deliver` that raises is logged and the others still get the message.
        """
        reached = 0
        for member in self.membership.snapshot.get(group, ()):
            if not member.ref.is_alive():
                self._report_down(member.ref)
                continue
            try:
                member.deliver(message)
            except ActorDeadError:
                self._report_down(member.ref)
                continue
            except DispatchAbandoned:
                raise  # the dispatching reader is stopping: the rest is replayed on RESUME
            except Exception:
                log.exception("groups.deliver_failed", group=group, member=str(member.ref))
                continue
            reached += 1
        return reached

    @classmethod
    def named(cls, membership: Membership, names: Names, name: Hashable = "groups") -> LocalGroups:
        """The backend of a tree whose supervisor registers the `GroupRegistry` as `name`."""
        return cls(membership, lambda: names.get(name, timeout=REGISTRY_TIMEOUT))

    def _report_down(self, ref: Ref) -> None:
        try:
            registry = self._registry()
            if registry is not None:
                registry.tell(MemberDown(ref))
        except (ActorDeadError, SupervisorsError):
            pass  # no registry now: the restarted one sweeps dead members at start

    def _call(self, message: Any, operation: str) -> Any:
        try:
            registry = self._registry()
            if registry is None:
                raise RegistryUnavailable(operation)
            return registry.ask(message, timeout=self._timeout)
        except (ActorDeadError, Timeout, SupervisorsError) as exc:
            raise RegistryUnavailable(operation) from exc


def start_local_groups() -> tuple[LocalGroups, ActorRef[GroupRegistry]]:
    """Starts a registry outside any tree (tests, scripts): the backend and the registry's ref.

    The caller stops the ref. In a bot the tree starts the registry and names it instead.
    """
    membership = Membership()
    ref = GroupRegistry.start(membership)
    return LocalGroups(membership, lambda: ref), ref
