"""100,000 mutated real payloads through the gateway decoder and the cache: none escapes
`apply`, a rejected one changes nothing, and the cache's invariants hold after every one.

Each payload is a corpus dispatch (`tests/data/payloads/`) with 1 to 3 mutations
(`tests/bot/cache/mutate.py`: wrong types, numbers past 64 bits, infinities and NaN, missing,
extra and garbage fields and list elements), encoded as a JSON or an ETF frame the way the
server sends it, decoded by the client's codec and applied. The cache is small and made anew
every few hundred events so that each check stays cheap; the same payloads through the real
socket, shard, producer and CacheActor are in `tests/integration/test_bad_payloads_live.py`.
"""

from __future__ import annotations

import json
import random
from typing import Any

import structlog

from bot.cache import CacheConfig, Stores, apply
from bot.gateway import DecodeError, EncodeError, EtfCodec, JsonCodec
from tests.bot.cache import invariants
from tests.bot.cache.corpus import dispatches, intify
from tests.bot.cache.mutate import mutate

PAYLOADS = 100_000
FRESH_CACHE_EVERY = 200
PRIMING = 8  # unmutated corpus events a fresh cache starts with
READ_BACK_EVERY = 8  # the full read-back through the query API (the rest is checked each time)
MAX_SAMPLE_CHARS = 20_000  # the big guilds would make each check slow, not find more

SAMPLES = [
    (sample.event, intify(sample.data))
    for sample in dispatches()
    if isinstance(sample.data, dict) and len(json.dumps(sample.data)) < MAX_SAMPLE_CHARS
]
JSON = JsonCodec()
ETF = EtfCodec()


def frame(rng: random.Random, seq: int, name: str, data: Any) -> bytes:
    """The dispatch as a server frame: ETF where erlpack can carry it, else JSON text."""
    payload = {"op": 0, "s": seq, "t": name, "d": data}
    if rng.random() < 0.35:
        try:
            return ETF.encode_as_discord(payload)
        except EncodeError:  # a number past 64 bits: only JSON text carries it
            pass
    return json.dumps(payload).encode()


def decode(raw: bytes) -> Any:
    return (ETF if raw[:1] == b"\x83" else JSON).decode(raw)


def test_100k_mutated_payloads_through_decode_and_cache() -> None:
    assert len(SAMPLES) >= 90, "the corpus is missing"
    rng = random.Random(13)
    stores = Stores.in_memory()
    before: dict[str, Any] = {}
    applied = rejected = undecodable = 0
    with structlog.testing.capture_logs() as logs:
        for seq in range(PAYLOADS):
            if seq % FRESH_CACHE_EVERY == 0:
                stores = Stores.in_memory(CacheConfig(message_limit=20))
                for name, data in rng.sample(SAMPLES, PRIMING):
                    apply(stores, name, data, 0)
                invariants.check(stores)
                before = invariants.snapshot(stores)
                logs.clear()
            name, data = rng.choice(SAMPLES)
            try:
                payload = decode(frame(rng, seq, name, mutate(data, rng)))
            except DecodeError:  # the shard logs it and reconnects: tested with the shard
                undecodable += 1
                continue
            seen = len(logs)
            apply(stores, payload["t"], payload["d"], 0)  # raises: the test fails
            applied += 1
            after = invariants.snapshot(stores)
            if any(entry["event"] == "cache.payload_rejected" for entry in logs[seen:]):
                rejected += 1
                assert after == before, f"rejected {name} (seq {seq}) changed the cache"
            invariants.check(stores, after, read_back=seq % READ_BACK_EVERY == 0)
            before = after
    # what the run covered: most payloads decode, a good share is refused, most are taken
    assert applied + undecodable == PAYLOADS
    assert applied > PAYLOADS * 0.9
    assert PAYLOADS * 0.05 < rejected < applied * 0.6, (rejected, applied)
