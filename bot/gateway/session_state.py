"""The resumable part of a shard's Discord session, kept outside the actor that uses it.

The tree creates one `ShardSession` per shard and hands the same object to every (re)start of
the ShardActor, so a crashed shard resumes where it was and no event is lost (docs/architecture.md,
section 3). It holds only plain data, behind a lock because the shard's reader and its
heartbeat timer may read it from different threads.

`seq` is the last sequence the *producer acknowledged*, not the last one received: the shard
calls `acknowledge(seq)` once the producer has taken a dispatch. RESUME and heartbeats send this
`seq`, so after a crash Discord replays whatever the producer had not taken yet (at-least-once).
"""

from __future__ import annotations

import threading
from typing import NamedTuple

__all__ = ["ResumeInfo", "ShardSession"]


class ResumeInfo(NamedTuple):
    """A consistent snapshot of what a RESUME needs."""

    session_id: str
    seq: int | None
    resume_gateway_url: str | None


class ShardSession:
    """Session id, acknowledged sequence and resume URL of one shard; outlives the actor."""

    def __init__(self, shard_id: int = 0, shard_count: int = 1) -> None:
        self.shard_id = shard_id
        self.shard_count = shard_count
        self._lock = threading.Lock()
        self._session_id: str | None = None
        self._seq: int | None = None
        self._resume_gateway_url: str | None = None

    @property
    def session_id(self) -> str | None:
        return self._session_id

    @property
    def seq(self) -> int | None:
        """The last sequence the producer acknowledged (None before the first dispatch)."""
        return self._seq

    @property
    def resume_gateway_url(self) -> str | None:
        return self._resume_gateway_url

    @property
    def can_resume(self) -> bool:
        """True when there is a session to RESUME (a session id from READY)."""
        return self._session_id is not None

    def acknowledge(self, seq: int | None) -> None:
        """Records that the producer took the dispatch with `seq` (None and older seqs ignored)."""
        if seq is None:
            return
        with self._lock:
            if self._seq is None or seq > self._seq:
                self._seq = seq

    def start(self, session_id: str, resume_gateway_url: str | None) -> None:
        """Records a new session from READY. The sequence starts over."""
        with self._lock:
            self._session_id = session_id
            self._resume_gateway_url = resume_gateway_url
            self._seq = None

    def invalidate(self) -> None:
        """Forgets the session: the next connection IDENTIFYs."""
        with self._lock:
            self._session_id = None
            self._resume_gateway_url = None
            self._seq = None

    def snapshot(self) -> ResumeInfo | None:
        """What RESUME needs, read at once; None when there is no session."""
        with self._lock:
            if self._session_id is None:
                return None
            return ResumeInfo(self._session_id, self._seq, self._resume_gateway_url)

    def __repr__(self) -> str:
        return (
            f"ShardSession(shard={self.shard_id}/{self.shard_count}, "
            f"session_id={self._session_id!r}, seq={self._seq!r}, "
            f"resume_gateway_url={self._resume_gateway_url!r})"
        )
