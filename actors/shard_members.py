"""Request Guild Members on a shard: op 8 out, the GUILD_MEMBERS_CHUNKs in, put together by nonce.

`ShardMembers` is mixed into `ShardActor`. The reader thread only forwards the two dispatches
that concern it (`GUILD_MEMBERS_CHUNK`, `RATE_LIMITED`) to the actor as a `MembersEvent`, so
the pending requests are touched on the actor's thread alone. The bookkeeping itself (nonces,
chunks, the 1 per guild per 30 s limit on all-members requests) is pure:
`bot.gateway.members.MemberRequests`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, NamedTuple

import pykka

from actors.errors import MembersRequestLost, ShardNotConnected
from bot.gateway.members import GuildMembers, MemberRequests
from bot.gateway.messages import Dispatch as DispatchAction

__all__ = [
    "MEMBER_EVENTS",
    "ConnectionLost",
    "MembersEvent",
    "ShardMembers",
    "request_guild_members",
]

# The dispatches that answer a Request Guild Members (gateway-events.mdx).
MEMBER_EVENTS = frozenset({"GUILD_MEMBERS_CHUNK", "RATE_LIMITED"})


class MembersEvent(NamedTuple):
    """Told by the reader to its actor: a dispatch that answers a member request."""

    name: str
    data: Any


class ConnectionLost(NamedTuple):
    """Told by the reader to its actor when a connection has ended (before it reconnects)."""


class ShardMembers:
    """Mixed into ShardActor, which calls `_init_members()` and provides `send_command`."""

    shard_id: int
    actor_ref: Any
    send_command: Callable[[Mapping[str, Any]], None]

    def _init_members(self) -> None:
        self._members = MemberRequests()
        self._member_waiters: dict[str, pykka.ThreadingFuture[GuildMembers]] = {}

    def request_guild_members(
        self,
        guild_id: int,
        *,
        query: str | None = None,
        limit: int = 0,
        presences: bool = False,
        user_ids: Iterable[int] | None = None,
        nonce: str | None = None,
    ) -> pykka.ThreadingFuture[GuildMembers]:
        """Sends Request Guild Members (op 8); the future gets every chunk put together, or
        MembersRateLimited (raised at once for a second all-members request within 30 s)."""
        payload, nonce = self._members.build(
            guild_id, query=query, limit=limit, presences=presences, user_ids=user_ids, nonce=nonce
        )
        future: pykka.ThreadingFuture[GuildMembers] = pykka.ThreadingFuture()
        self._fail_waiters(self._members.take_dropped(), "too many pending")
        try:
            self.send_command(payload)
        except BaseException:
            self._members.forget(nonce)
            raise
        self._member_waiters[nonce] = future
        return future

    def _fail_waiters(self, nonces: Iterable[str], reason: str) -> None:
        for nonce in nonces:
            future = self._member_waiters.pop(nonce, None)
            if future is not None:
                error = MembersRequestLost(self.shard_id, nonce, reason)
                future.set_exception((type(error), error, None))

    def _on_connection_lost(self) -> None:
        """Every open request fails: after a new IDENTIFY its chunks never come, and a waiter
        must not hang on the chance of a resume."""
        self._fail_waiters(self._members.drop_all(), "connection lost")

    def pending_member_requests(self) -> int:
        """Member requests still waiting for chunks (at most `MAX_PENDING_REQUESTS`)."""
        return len(self._member_waiters)

    def _forward_members_event(self, dispatch: DispatchAction) -> None:
        """On the reader's thread: hands a chunk or RATE_LIMITED (`MEMBER_EVENTS`: the reader
        calls it for those only) over to the actor's thread."""
        self.actor_ref.tell(MembersEvent(dispatch.name, dispatch.data))

    def _on_members_event(self, event: MembersEvent) -> None:
        if event.name == "GUILD_MEMBERS_CHUNK":
            done = self._members.on_chunk(event.data)
            if done is not None and done.nonce in self._member_waiters:
                self._member_waiters.pop(done.nonce).set(done)
            return
        limited = self._members.on_rate_limited(event.data)
        if limited is not None and limited[0] in self._member_waiters:
            nonce, error = limited
            self._member_waiters.pop(nonce).set_exception((type(error), error, None))

    def _fail_member_requests(self) -> None:
        """The shard stops: every pending request fails with ShardNotConnected."""
        for future in self._member_waiters.values():
            error = ShardNotConnected(self.shard_id)
            future.set_exception((type(error), error, None))
        self._member_waiters.clear()


def request_guild_members(
    shard: pykka.ActorRef[Any], guild_id: int, *, timeout: float = 30.0, **options: Any
) -> GuildMembers:
    """Asks `shard` for a guild's members and waits for every chunk (see the actor method)."""
    inner = shard.proxy().request_guild_members(guild_id, **options).get(timeout=timeout)
    result: GuildMembers = inner.get(timeout=timeout)
    return result
