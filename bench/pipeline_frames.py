"""A MESSAGE_CREATE stream as a shard receives it: JSON dispatches, zlib-stream compressed.

Used by bench_pipeline.py for the frame stages (inflate, decode+normalise) and the whole path
from compressed frame to `handle_event`. The messages are the real MESSAGE_CREATE frames of
tests/data/payloads/ with fresh ids and text per frame, so the cache stores every one of them.
"""

from __future__ import annotations

import copy
import json
import random
from pathlib import Path
from typing import Any

import orjson

from bot.gateway import Compression, make_compressor

__all__ = ["PAYLOADS", "TEMPLATES", "compressed_stream", "dispatch_of", "message_frames"]

PAYLOADS = Path(__file__).resolve().parents[1] / "tests" / "data" / "payloads"
TEMPLATES = (
    "MESSAGE_CREATE--remora--v8-2020-b.frame.json",
    "MESSAGE_CREATE--remora--v8-2020-mention.frame.json",
    "MESSAGE_CREATE--disgord--guild-2019.frame.json",
    "MESSAGE_CREATE--docs--example-message.d.json",
)
WORDS = ("hello", "gateway", "shard", "ping", "!help", "ok", "pong", "cache")


def _load(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((PAYLOADS / name).read_text())
    return loaded["d"] if "op" in loaded else loaded


def _snowflake(rng: random.Random) -> str:
    return str((rng.randrange(1 << 40) << 22) | rng.randrange(1 << 22))


def message_frames(count: int, seed: int = 11) -> list[bytes]:
    """`count` MESSAGE_CREATE dispatch frames (uncompressed JSON bytes), seq 1..count."""
    rng = random.Random(seed)
    templates = [_load(name) for name in TEMPLATES]
    frames = []
    for seq in range(1, count + 1):
        data = copy.deepcopy(templates[seq % len(templates)])
        data["id"] = _snowflake(rng)
        data["content"] = " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 20)))
        frames.append(orjson.dumps({"op": 0, "s": seq, "t": "MESSAGE_CREATE", "d": data}))
    return frames


def compressed_stream(frames: list[bytes]) -> list[bytes]:
    """The frames as one zlib-stream connection sends them (inflate them in order, one inflater)."""
    compressor = make_compressor(Compression.ZLIB_STREAM)
    return [compressor.compress(frame) for frame in frames]


def dispatch_of(payload: Any) -> tuple[int | None, str, Any]:
    """(seq, name, data) of a decoded dispatch: the part of `GatewaySession.on_payload` a
    DISPATCH goes through (op, t, s and d read and checked)."""
    if payload.get("op") != 0:
        raise ValueError("not a dispatch")
    name = payload.get("t")
    seq = payload.get("s")
    if not isinstance(name, str):
        raise ValueError("dispatch without t")
    return (seq if isinstance(seq, int) else None), name, payload.get("d")
