"""Request Guild Members (op 8) as pure code: payloads, the all-members limit, chunks by nonce.

    requests = MemberRequests()
    payload, nonce = requests.build(guild_id, query="")     # MembersRateLimited within 30 s
    ...for each GUILD_MEMBERS_CHUNK dispatch: done = requests.on_chunk(data) -> GuildMembers|None
    ...for a RATE_LIMITED dispatch: requests.on_rate_limited(data) -> (nonce, error) | None

Source: developers/events/gateway-events.mdx (Request Guild Members, Guild Members Chunk, Rate
Limited) and the 2025-08-14 change log: one request for *all* members (`query=""`, `limit=0`)
per guild per 30 s, answered otherwise with a RATE_LIMITED dispatch.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.gateway.errors import GatewayError
from bot.gateway.limits import MEMBER_NONCE_MAX_BYTES, REQUEST_ALL_MEMBERS_WINDOW_SECONDS
from bot.gateway.opcodes import Opcode

__all__ = ["GuildMembers", "MemberRequests", "MembersRateLimited"]

# developers/events/gateway-events.mdx (Request Guild Members): user_ids gives at most 100.
MAX_USER_IDS = 100
# Ours: requests whose chunks have not all come are forgotten past this many (oldest first).
MAX_PENDING_REQUESTS = 1000


class MembersRateLimited(GatewayError):
    """A request for all members of a guild within 30 s of the last one (locally or by Discord)."""

    def __init__(self, guild_id: int, retry_after: float, nonce: str | None = None) -> None:
        super().__init__(
            f"request for all members of guild {guild_id} is rate limited: "
            f"retry after {retry_after:.3f} s"
        )
        self.guild_id = guild_id
        self.retry_after = retry_after
        self.nonce = nonce


@dataclass(slots=True)
class GuildMembers:
    """Every chunk of one request put together."""

    guild_id: int
    nonce: str
    members: list[Any] = field(default_factory=list)
    not_found: list[Any] = field(default_factory=list)
    presences: list[Any] = field(default_factory=list)
    chunk_count: int = 0
    chunks_seen: int = 0


class MemberRequests:
    """Open requests of one shard, keyed by nonce."""

    def __init__(
        self,
        *,
        window: float = REQUEST_ALL_MEMBERS_WINDOW_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        max_pending: int | None = None,
    ) -> None:
        self.window = window
        self._clock = clock
        self.max_pending = max_pending if max_pending is not None else MAX_PENDING_REQUESTS
        self._all_requested_at: dict[int, float] = {}
        self._pending: dict[str, GuildMembers] = {}
        self._dropped: list[str] = []

    def take_dropped(self) -> list[str]:
        """The nonces of the requests `build` forgot to stay within `max_pending` (oldest
        first) since the last call: their waiters must be failed."""
        dropped, self._dropped = self._dropped, []
        return dropped

    def drop_all(self) -> list[str]:
        """Forgets every open request (the connection is gone: on a new session their chunks
        never come); returns their nonces."""
        nonces = list(self._pending)
        self._pending.clear()
        return nonces

    @property
    def pending(self) -> int:
        """Requests whose chunks have not all come."""
        return len(self._pending)

    def build(
        self,
        guild_id: int,
        *,
        query: str | None = None,
        limit: int = 0,
        presences: bool = False,
        user_ids: Iterable[int] | None = None,
        nonce: str | None = None,
    ) -> tuple[dict[str, Any], str]:
        """The op 8 payload and its nonce; ValueError for a bad request, MembersRateLimited."""
        if query is not None and user_ids is not None:
            raise ValueError("give query or user_ids, not both")
        nonce = nonce if nonce is not None else secrets.token_hex(8)
        if len(nonce.encode("utf-8")) > MEMBER_NONCE_MAX_BYTES:
            raise ValueError(f"nonce is over {MEMBER_NONCE_MAX_BYTES} bytes")
        if nonce in self._pending:
            raise ValueError(f"nonce {nonce!r} is already in use")
        data: dict[str, Any] = {"guild_id": str(guild_id), "presences": presences, "nonce": nonce}
        if user_ids is not None:
            ids = [str(int(user_id)) for user_id in user_ids]
            if not 0 < len(ids) <= MAX_USER_IDS:
                raise ValueError(f"user_ids must hold 1 to {MAX_USER_IDS} ids")
            data["user_ids"] = ids
        else:
            query = query if query is not None else ""
            data["query"] = query
            data["limit"] = limit
            if query == "" and limit == 0:
                self._check_all_members(guild_id, nonce)
        while len(self._pending) >= self.max_pending:
            self._dropped.append(self._pending.pop(next(iter(self._pending))).nonce)
        self._pending[nonce] = GuildMembers(guild_id, nonce)
        return {"op": Opcode.REQUEST_GUILD_MEMBERS.value, "d": data}, nonce

    def _check_all_members(self, guild_id: int, nonce: str) -> None:
        now = self._clock()
        last = self._all_requested_at.get(guild_id)
        if last is not None and now - last < self.window:
            raise MembersRateLimited(guild_id, self.window - (now - last), nonce)
        self._all_requested_at[guild_id] = now

    def forget(self, nonce: str) -> None:
        """Drops an open request (its sender gave up)."""
        self._pending.pop(nonce, None)

    def on_chunk(self, data: Any) -> GuildMembers | None:
        """Adds a GUILD_MEMBERS_CHUNK; returns the request once its last chunk is in."""
        if not isinstance(data, Mapping):
            return None
        request = self._pending.get(str(data.get("nonce")))
        if request is None:
            return None  # not ours (no nonce, or another process asked)
        request.members.extend(data.get("members") or [])
        request.not_found.extend(data.get("not_found") or [])
        request.presences.extend(data.get("presences") or [])
        count = data.get("chunk_count")
        request.chunk_count = count if isinstance(count, int) else 1
        request.chunks_seen += 1
        if request.chunks_seen < request.chunk_count:
            return None
        return self._pending.pop(request.nonce)

    def on_rate_limited(self, data: Any) -> tuple[str, MembersRateLimited] | None:
        """For a RATE_LIMITED dispatch about one of our op 8 requests: its nonce and the error."""
        if not isinstance(data, Mapping) or data.get("opcode") != Opcode.REQUEST_GUILD_MEMBERS:
            return None
        meta = data.get("meta")
        meta = meta if isinstance(meta, Mapping) else {}
        nonce = meta.get("nonce")
        if not isinstance(nonce, str) or nonce not in self._pending:
            return None
        request = self._pending.pop(nonce)
        retry_after = data.get("retry_after")
        retry = float(retry_after) if isinstance(retry_after, int | float) else self.window
        return nonce, MembersRateLimited(request.guild_id, retry, nonce)
