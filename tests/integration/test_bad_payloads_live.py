"""Mutated real payloads through the real socket, shard, producer, CacheActor and consumers:
the tree never loses a part, every event reaches the consumer, the cache's invariants hold.

The in-process fuzz (`tests/bot/cache/test_fuzz.py`) sends 100,000 through the decoder and
the cache; this one sends fewer, end to end, over both encodings.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest
import structlog.testing

from bot.app import Bot
from bot.gateway import EncodeError, EtfCodec
from tests.bot.cache import invariants
from tests.bot.cache.mutate import mutate
from tests.bot.cache.test_fuzz import SAMPLES
from tests.integration.helpers import running, wait_ready, write_config

RECORDER = "tests.integration.consumers:Recorder"
PAYLOADS = 2000
WAIT = 30.0  # 2,000 events on two shared cores; the wait ends when they are in


def _etf_can_carry(name: str, data: Any) -> bool:
    try:
        EtfCodec().encode_as_discord({"op": 0, "s": 1, "t": name, "d": data})
    except EncodeError:
        return False
    return True


@pytest.mark.parametrize("encoding", ["json", "etf"])
def test_mutated_payloads_end_to_end(tmp_path: Path, encoding: str) -> None:
    rng = random.Random(encoding)
    payloads: list[tuple[str, Any]] = []
    while len(payloads) < PAYLOADS:
        name, data = rng.choice(SAMPLES)
        mutated = mutate(data, rng)
        if encoding == "etf" and not _etf_can_carry(name, mutated):
            continue  # erlpack packs no int past 64 bits (Discord sends none over ETF)
        payloads.append((name, mutated))
    # every intent: a Discord that filters dispatches by intent would hold some corpus events back
    config = write_config(
        tmp_path, [RECORDER], gateway={"encoding": encoding}, bot={"intents": ["all"]}
    )
    bot = Bot.from_config(config)
    with structlog.testing.capture_logs() as logs, running(bot):
        journal = wait_ready(bot, 2)
        cache_ref = bot.names.get("cache", WAIT)
        start = len(journal.names)
        sent = bot.simulator.stream(len(payloads), lambda index: payloads[index])
        journal.wait_until(lambda j: len(j.names) - start >= len(sent), WAIT)
        # nothing restarted, nothing crashed: the same cache actor, no child stopped by a crash
        assert bot.names.get("cache", WAIT) is cache_ref and cache_ref.is_alive()
        assert bot.state.value == "running"
        invariants.check(bot.cache.stores)
    restarts = [e for e in logs if e["event"] == "child_restarted"]
    crashes = [e for e in logs if e["event"] == "child_stopped" and "crash" in str(e["reason"])]
    assert restarts == [] and crashes == []
    rejected = [e for e in logs if e["event"] == "cache.payload_rejected"]
    assert rejected and all(e["shard"] == 0 for e in rejected)
    assert not [e for e in logs if e["event"] in ("producer.apply_failed", "gateway.frame_error")]
