"""IDENTIFY pacing as pure code: max_concurrency buckets, one IDENTIFY per bucket per 5 s, and
the daily session start limit. The clock is injected; nothing here sleeps.

    pacer = IdentifyPacer(SessionStartLimit.from_dict(gateway_bot["session_start_limit"]))
    pacer.check_start(shard_count)          # SessionStartLimitError if it would exhaust the limit
    delay = pacer.reserve(shard_id)          # seconds until shard_id may send its IDENTIFY

Sources: developers/events/gateway.mdx (Max Concurrency; Session Start Limit Object): a shard's
bucket is `shard_id % max_concurrency`; each bucket may IDENTIFY once per 5 s; `remaining`
session starts are left until `reset_after` milliseconds have passed.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from bot.gateway.errors import GatewayError
from bot.gateway.limits import IDENTIFY_WINDOW_SECONDS

__all__ = ["IdentifyPacer", "SessionStartLimit", "SessionStartLimitError"]


class SessionStartLimitError(GatewayError):
    """Starting these sessions would use up Discord's daily session starts (1000 a day).

    Past the limit Discord terminates every session and resets the bot's token, so the start is
    refused before any IDENTIFY goes out.
    """

    def __init__(self, wanted: int, remaining: int, reset_after: float) -> None:
        super().__init__(
            f"{wanted} session start(s) wanted but only {remaining} left; "
            f"the limit resets in {reset_after:.0f} s",
            can_reconnect=False,
            can_resume=False,
        )
        self.wanted = wanted
        self.remaining = remaining
        self.reset_after = reset_after


@dataclass(frozen=True, slots=True)
class SessionStartLimit:
    """The `session_start_limit` object of `GET /gateway/bot` (reset_after in seconds here)."""

    total: int = 1000
    remaining: int = 1000
    reset_after: float = 0.0
    max_concurrency: int = 1

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SessionStartLimit:
        """From Discord's object, whose `reset_after` is in milliseconds."""
        return cls(
            total=int(data.get("total", 1000)),
            remaining=int(data.get("remaining", 1000)),
            reset_after=float(data.get("reset_after", 0)) / 1000.0,
            max_concurrency=max(1, int(data.get("max_concurrency", 1))),
        )


class IdentifyPacer:
    """Decides when each shard may IDENTIFY; `reserve` books the slot and uses one start."""

    def __init__(
        self,
        limit: SessionStartLimit | None = None,
        *,
        window: float = IDENTIFY_WINDOW_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._clock = clock
        self.window = window
        self._next_slot: dict[int, float] = {}
        self.update(limit if limit is not None else SessionStartLimit())

    def update(self, limit: SessionStartLimit) -> None:
        """Takes fresh `GET /gateway/bot` data (booked slots are kept)."""
        self.limit = limit
        self.max_concurrency = limit.max_concurrency
        self._remaining = limit.remaining
        # A reset_after of 0 says nothing about when starts come back: never assume they do.
        self._resets_at = self._clock() + limit.reset_after if limit.reset_after > 0 else math.inf

    def bucket(self, shard_id: int) -> int:
        """The rate-limit key of a shard: `shard_id % max_concurrency`."""
        return shard_id % self.max_concurrency

    @property
    def remaining(self) -> int:
        """Session starts left now (back to `total` once the reset time has passed)."""
        if self._remaining < self.limit.total and self._clock() >= self._resets_at:
            return self.limit.total
        return self._remaining

    def check_start(self, count: int) -> None:
        """Raises SessionStartLimitError if starting `count` sessions would exhaust the limit."""
        remaining = self.remaining
        if count > remaining:
            raise SessionStartLimitError(count, remaining, self._reset_in())

    def reserve(self, shard_id: int) -> float:
        """Books the next IDENTIFY slot of the shard's bucket; returns the seconds to wait for it.

        Uses one session start; SessionStartLimitError when none is left.
        """
        now = self._clock()
        remaining = self.remaining
        if remaining <= 0:
            raise SessionStartLimitError(1, 0, self._reset_in())
        if self._remaining < self.limit.total and now >= self._resets_at:
            # The window has reset: Discord counts the next one from this start (about 24 h).
            self._resets_at = now + self.limit.reset_after
        self._remaining = remaining - 1
        bucket = self.bucket(shard_id)
        slot = max(now, self._next_slot.get(bucket, now))
        self._next_slot[bucket] = slot + self.window
        return slot - now

    def _reset_in(self) -> float:
        if math.isinf(self._resets_at):
            return math.inf
        return max(0.0, self._resets_at - self._clock())
