"""Cache benchmarks: apply per event type, a GUILD_CREATE storm, bytes per member and message.

Run: .venv/bin/python bench/bench_cache.py   (about 30 s)
Payloads come from the real corpus in tests/data/payloads/, in the gateway decoder's shape
(snowflakes as int).
"""

from __future__ import annotations

import copy
import gc
import json
import logging
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Any

import structlog

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.cache import CacheConfig, Stores, apply
from tests.bot.cache.corpus import dispatches, intify, load

BIG = "GUILD_CREATE--serenity--discord-api-guild-9593-members-2017"
STORM_GUILDS = 50
STORM_MEMBERS = 2000
RUN_SECONDS = 0.25

# Log lines (the debug line of an unknown event, say) are not what is measured.
structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))


def per_event_type() -> None:
    print("== cache apply per event type (decoded shape, events/s; one payload repeated)")
    seen: set[str] = set()
    for sample in dispatches():
        if sample.event in seen or sample.event == "GUILD_CREATE" or sample.data is None:
            continue
        seen.add(sample.event)
        data = intify(sample.data)
        stores = Stores.in_memory()
        is_message = sample.event == "MESSAGE_CREATE"
        count = 0
        start = time.perf_counter()
        deadline = start + RUN_SECONDS
        while time.perf_counter() < deadline:
            for _ in range(200):
                payload = {**data, "id": count} if is_message else data
                apply(stores, sample.event, payload, 0)
                count += 1
        rate = count / (time.perf_counter() - start)
        print(f"  {sample.event:34} {rate:12,.0f}")
    big = intify(load(BIG))
    start = time.perf_counter()
    apply(Stores.in_memory(), "GUILD_CREATE", big, 0)
    took = time.perf_counter() - start
    print(f"  {'GUILD_CREATE (9,593 members)':34} {1 / took:12,.1f}   ({took * 1e3:.0f} ms each)")


def storm() -> None:
    big = intify(load(BIG))
    members = big["members"][:STORM_MEMBERS]
    guilds = []
    for index in range(STORM_GUILDS):
        guild = copy.deepcopy({**big, "members": members, "presences": big["presences"][:1500]})
        guild["id"] = big["id"] + index
        for member in guild["members"]:  # distinct users per guild: the worst case
            member["user"]["id"] += index << 40
        for presence in guild["presences"]:
            presence["user"]["id"] += index << 40
        guilds.append(guild)
    stores = Stores.in_memory()
    gc.collect()
    start = time.perf_counter()
    for guild in guilds:
        apply(stores, "GUILD_CREATE", guild, 0)
    took = time.perf_counter() - start
    total = STORM_GUILDS * STORM_MEMBERS
    print(f"== storm: {STORM_GUILDS} GUILD_CREATEs x {STORM_MEMBERS} members (+1500 presences)")
    print(
        f"  {took:.2f} s total, {took / STORM_GUILDS * 1e3:.0f} ms per guild,"
        f" {total / took:,.0f} members/s; cached members {stores.members.total():,}"
    )


def traced(build: Any) -> tuple[int, Any]:
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    kept = build()
    gc.collect()
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    return after - before, kept


def memory() -> None:
    corpus = Path(__file__).resolve().parents[1] / "tests" / "data" / "payloads"
    raw = (corpus / f"{BIG}.d.json").read_text(encoding="utf-8")
    count = len(json.loads(raw)["members"])
    print(f"== bytes per cached member ({BIG}, {count:,} members, tracemalloc)")
    size, _ = traced(lambda: json.loads(raw)["members"])
    print(f"  plain dicts from json.loads (members list only)     {size / count:8.0f}")
    for label, config in (
        ("members + users (presences off)", CacheConfig(presences=False)),
        ("the whole guild cached, presences included", CacheConfig()),
    ):
        data = intify(json.loads(raw))
        stores = Stores.in_memory(config)
        size, _ = traced(lambda s=stores, d=data: apply(s, "GUILD_CREATE", d, 0))  # type: ignore[misc]
        print(f"  {label:50} {size / count:8.0f}")
    message = intify(load("MESSAGE_CREATE--remora--v8-2020-mention"))
    text = json.dumps(message)
    messages = [json.loads(text) for _ in range(1000)]
    for index, item in enumerate(messages):
        item["id"] = index
    stores = Stores.in_memory()

    def fill() -> None:
        for item in messages:
            apply(stores, "MESSAGE_CREATE", item, 0)

    size, _ = traced(fill)
    decoded, _ = traced(lambda: [json.loads(text) for _ in range(1000)])
    print(f"== bytes per cached message (1,000 MESSAGE_CREATE, {len(text)} bytes of JSON each)")
    print(f"  held by the cache beyond the decoded payload         {size / 1000:8.0f}")
    print(f"  the decoded payload itself (kept as received)        {decoded / 1000:8.0f}")


if __name__ == "__main__":
    per_event_type()
    storm()
    memory()
