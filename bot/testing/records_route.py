"""A test-only route of the simulator: what it recorded, for a test in another process.

`python -m bot simulate` runs in a process of its own; a multi-node test (nodes as processes
too) reads the simulator's record through this route instead of through `FakeDiscord`'s
methods:

    GET {rest_url}/_shardline/records     (Authorization: Bot TOKEN, as every route)

answers one JSON object: `identifies` and `resumes` (`{"shard", "at"}`, `at` on the simulator's
monotonic clock), the gateway's `violations` (`{"kind", "shard", "detail"}`), and `rest`: the
count of requests by method, the requests answered 429, and the REST `violations` (a request
sent while its bucket or the global limit was exhausted). It is not a Discord route: it answers
404 unless `expose_records(discord)` was called for that simulator (`serve_forever` does).
"""

from __future__ import annotations

import weakref
from collections import Counter
from typing import TYPE_CHECKING, Any

from bot.testing.gateway_opcodes import OP_IDENTIFY, OP_RESUME
from bot.testing.rest_routes import ROUTES, Reply, Request, RouteError

if TYPE_CHECKING:
    from bot.testing.fake_discord import FakeDiscord
    from bot.testing.rest import FakeRest
    from bot.testing.rest_limits import RecordedRequest

__all__ = ["RECORDS_PATH", "expose_records", "records_of"]

RECORDS_PATH = "/_shardline/records"

_exposed: weakref.WeakKeyDictionary[FakeRest, weakref.ref[FakeDiscord]] = (
    weakref.WeakKeyDictionary()
)


def expose_records(discord: FakeDiscord) -> None:
    """Lets `GET /_shardline/records` of `discord`'s REST side answer its record."""
    _exposed[discord.rest] = weakref.ref(discord)


def records_of(discord: FakeDiscord) -> dict[str, Any]:
    """The simulator's record as plain JSON data (the module docstring)."""

    def sent(op: int) -> list[dict[str, Any]]:
        found = []
        for received in discord.received(op):
            data = received.data if isinstance(received.data, dict) else {}
            shard = data.get("shard")
            shard_id = shard[0] if isinstance(shard, list) and shard else received.shard_id
            found.append({"shard": shard_id, "at": received.at})
        return found

    requests = discord.rest.requests
    return {
        "identifies": sent(OP_IDENTIFY),
        "resumes": sent(OP_RESUME),
        "violations": [
            {"kind": v.kind, "shard": v.shard_id, "detail": v.detail} for v in discord.violations
        ],
        "rest": {
            "requests": dict(Counter(r.method for r in requests)),
            "statuses": dict(Counter(str(r.status) for r in requests)),
            "429": [_request(r) for r in requests if r.status == 429],
            "violations": [_request(r) for r in discord.rest.violations],
        },
    }


def _request(recorded: RecordedRequest) -> dict[str, Any]:
    return {
        "at": recorded.at,
        "method": recorded.method,
        "route": recorded.route,
        "status": recorded.status,
        "violation": recorded.violation,
    }


@ROUTES.add("GET", RECORDS_PATH)
def _records(rest: FakeRest, _request: Request) -> Reply:
    found = _exposed.get(rest)
    discord = found() if found is not None else None
    if discord is None:
        raise RouteError(404, 0, "404: Not Found")
    return Reply(200, records_of(discord))
