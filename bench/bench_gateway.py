"""Frames per second for inflate + decode + normalise, per encoding and transport compression.

Run: .venv/bin/python bench/bench_gateway.py [--quick]

The stream is generated from the real payload corpus (tests/data/payloads/): MESSAGE_CREATE and
PRESENCE_UPDATE frames with fresh ids and text, and GUILD_CREATE frames of a 392-member guild,
in the proportions of a busy shard after start-up. Each row is measured on a fresh inflater
(as a new connection) and printed beside the bare cost of the parser alone on the same frames
(`json.loads`, `orjson.loads`, `msgspec.json.decode`, `erlpack.unpack`), best of 3 runs; then
the parsers on a storm GUILD_CREATE of 2,000 members (bench/peers_sim.py), in us per member.
"""

from __future__ import annotations

import argparse
import copy
import json
import random
import sys
import time
from collections.abc import Callable, Iterable
from operator import itemgetter
from pathlib import Path
from typing import Any

import erlpack
import msgspec
import orjson

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.gateway import Compression, EtfCodec, JsonCodec, make_compressor, make_inflater
from bot.gateway.normalise import normalise_json

PAYLOADS = Path(__file__).resolve().parents[1] / "tests" / "data" / "payloads"
TEMPLATES = {
    "MESSAGE_CREATE": [
        "MESSAGE_CREATE--remora--v8-2020-b.frame.json",
        "MESSAGE_CREATE--remora--v8-2020-mention.frame.json",
        "MESSAGE_CREATE--disgord--guild-2019.frame.json",
        "MESSAGE_CREATE--docs--example-message.d.json",
    ],
    "PRESENCE_UPDATE": [
        "PRESENCE_UPDATE--remora--v9-2021-spotify.frame.json",
        "PRESENCE_UPDATE--remora--v9-2021-multi-activity.frame.json",
        "PRESENCE_UPDATE--hikari--full-activity.d.json",
        "PRESENCE_UPDATE--disgord--game-activity-2019.frame.json",
    ],
    "GUILD_CREATE": ["GUILD_CREATE--remora--v9-2021-09-392members.frame.json"],
}


def _snowflake(rng: random.Random) -> str:
    return str((rng.randrange(1 << 40) << 22) | rng.randrange(1 << 22))


def _fresh(value: Any, rng: random.Random, key: str = "") -> Any:
    """A copy with new ids and message text, so the stream does not repeat bytes verbatim."""
    if isinstance(value, dict):
        return {k: _fresh(v, rng, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_fresh(v, rng, key) for v in value]
    if isinstance(value, str) and (key == "id" or key.endswith("_id")) and value.isdigit():
        return _snowflake(rng)
    if key == "content" and isinstance(value, str):
        return " ".join(
            rng.choice(["hello", "gateway", "shard", "ping", "!help", "ok"])
            for _ in range(rng.randint(1, 25))
        )
    return value


def _load(name: str) -> tuple[str, dict[str, Any]]:
    loaded = json.loads((PAYLOADS / name).read_text())
    data = loaded["d"] if "op" in loaded else loaded
    event = name.split("--")[0]
    return event, data


def generate(count: int, seed: int = 7) -> list[dict[str, Any]]:
    """count dispatch frames: 60% MESSAGE_CREATE, 39.5% PRESENCE_UPDATE, 0.5% GUILD_CREATE."""
    rng = random.Random(seed)
    templates = {event: [_load(n)[1] for n in names] for event, names in TEMPLATES.items()}
    frames = []
    for seq in range(1, count + 1):
        roll = rng.random()
        event = (
            "GUILD_CREATE"
            if roll < 0.005
            else "MESSAGE_CREATE"
            if roll < 0.605
            else "PRESENCE_UPDATE"
        )
        data = _fresh(copy.deepcopy(rng.choice(templates[event])), rng)
        frames.append({"op": 0, "s": seq, "t": event, "d": data})
    return frames


def best_of(runs: int, fn: Callable[[], int]) -> float:
    """Frames per second of the best run."""
    best = float("inf")
    frames = 0
    for _ in range(runs):
        start = time.perf_counter()
        frames = fn()
        best = min(best, time.perf_counter() - start)
    return frames / best


def pipeline(
    messages: list[bytes], compression: Compression, decode: Callable[[Any], Any]
) -> Callable[[], int]:
    def run() -> int:
        inflater = make_inflater(compression)
        feed = inflater.feed
        for message in messages:
            payload = feed(message)
            if payload is not None:
                decode(payload)
        return len(messages)

    return run


def bare(frames: Iterable[bytes], parse: Callable[[bytes], Any]) -> Callable[[], int]:
    items = list(frames)

    def run() -> int:
        for frame in items:
            parse(frame)
        return len(items)

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--frames", type=int, default=3000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="500 frames, 1 run")
    args = parser.parse_args()
    count, runs = (500, 1) if args.quick else (args.frames, args.runs)

    stream = generate(count)
    json_codec, etf_codec = JsonCodec(), EtfCodec()
    raw = {
        "json": [json_codec.encode(frame, limit=None) for frame in stream],
        "etf": [etf_codec.encode_as_discord(frame) for frame in stream],
    }
    sizes = {name: sum(map(len, frames)) / len(frames) for name, frames in raw.items()}
    print(
        f"stream: {count} dispatches (60% MESSAGE_CREATE, 39.5% PRESENCE_UPDATE, 0.5% GUILD_CREATE)"
    )
    print(f"mean frame size: json {sizes['json']:.0f} B, etf {sizes['etf']:.0f} B; best of {runs}")
    print()
    header = ("encoding", "compression", "wire B/frame", "full frames/s", "inflate only")
    print("{:8} {:12} {:>12} {:>14} {:>13}".format(*header))
    codecs = {"json": json_codec.decode, "etf": etf_codec.decode}
    for encoding, frames in raw.items():
        for compression in Compression:
            compressor = make_compressor(compression)
            messages = [compressor.compress(frame) for frame in frames]
            wire = sum(map(len, messages)) / len(messages)
            full = best_of(runs, pipeline(messages, compression, codecs[encoding]))
            inflate = best_of(runs, pipeline(messages, compression, lambda payload: None))
            print(
                f"{encoding:8} {compression.value:12} {wire:12.0f} {full:14,.0f} {inflate:13,.0f}"
            )
    print()
    print("bare parsers on the same (uncompressed) frames, frames/s:")
    rows = {
        "json.loads": bare(raw["json"], json.loads),
        "orjson.loads": bare(raw["json"], orjson.loads),
        "msgspec.json.decode": bare(raw["json"], msgspec.json.Decoder().decode),
        "json.loads + normalise": bare(raw["json"], lambda f: normalise_json(json.loads(f))),
        "msgspec + normalise (JsonCodec)": bare(raw["json"], json_codec.decode),
        "erlpack.unpack": bare(raw["etf"], erlpack.unpack),
        "erlpack.unpack + normalise (EtfCodec)": bare(raw["etf"], etf_codec.decode),
    }
    for name, fn in rows.items():
        print(f"  {name:40} {best_of(runs, fn):12,.0f}")
    print()
    print("per event type (JsonCodec vs EtfCodec, uncompressed), frames/s:")
    for event in TEMPLATES:
        idx = [i for i, f in enumerate(stream) if f["t"] == event]
        j = best_of(runs, bare([raw["json"][i] for i in idx], json_codec.decode))
        e = best_of(runs, bare([raw["etf"][i] for i in idx], etf_codec.decode))
        print(f"  {event:16} n={len(idx):5}  json {j:10,.0f}   etf {e:10,.0f}")
    print()
    storm(runs)


def storm(runs: int) -> None:
    """The parsers on one storm GUILD_CREATE (2,000 members), and reading a member's fields
    from what each gives: us per member."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from peers_sim import StormWorld

    world = StormWorld(guild_count=1, members_per_guild=2000)
    (guild_id,) = world.guild_ids()
    frame = orjson.dumps({"op": 0, "s": 2, "t": "GUILD_CREATE", "d": world.guild_create(guild_id)})
    fields = itemgetter("joined_at", "premium_since", "avatar", "roles", "nick", "flags", "deaf")
    print("a storm GUILD_CREATE of 2,000 members, us per member:")
    for name, parse in (("orjson.loads", orjson.loads), ("msgspec", msgspec.json.decode)):
        parsed = best_of(runs, bare([frame] * 10, parse)) * 2000
        members = parse(frame)["d"]["members"]
        read = best_of(runs, bare(members, fields))
        print(f"  {name:14} parse {1e6 / parsed:5.2f}   read 7 fields {1e6 / read:5.2f}")


if __name__ == "__main__":
    main()
