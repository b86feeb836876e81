"""Payload representation options, measured: why `bot.payloads` wraps the decoded mapping.

Run: .venv/bin/python bench/bench_payloads.py   (about 10 s)
Compares, on a real MESSAGE_CREATE (decoded shape): the dict wrapper Shardline uses, an eager
slotted class, and a msgspec Struct (which drops unknown fields and keeps no raw mapping).
"""

from __future__ import annotations

import sys
import time
import tracemalloc
from pathlib import Path
from typing import Any

import msgspec

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.payloads import Message
from tests.bot.cache.corpus import intify, load

N = 100_000


class SlottedUser:
    __slots__ = ("id", "raw", "username")

    def __init__(self, raw: dict[str, Any]) -> None:
        self.raw = raw
        self.id = int(raw["id"])
        self.username = raw.get("username")


class SlottedMessage:
    __slots__ = ("author", "channel_id", "content", "id", "raw", "timestamp")

    def __init__(self, raw: dict[str, Any]) -> None:
        self.raw = raw
        self.id = int(raw["id"])
        self.channel_id = int(raw["channel_id"])
        self.author = SlottedUser(raw["author"])
        self.content = raw.get("content", "")
        self.timestamp = raw.get("timestamp")


class StructUser(msgspec.Struct, gc=False):
    id: int
    username: str = ""
    discriminator: str = "0"
    avatar: str | None = None
    bot: bool = False
    public_flags: int = 0


class StructMessage(msgspec.Struct, gc=False):
    id: int
    channel_id: int
    author: StructUser
    content: str = ""
    timestamp: str = ""
    edited_timestamp: str | None = None
    tts: bool = False
    mention_everyone: bool = False
    mentions: list[StructUser] = []
    mention_roles: list[int] = []
    attachments: list[Any] = []
    embeds: list[Any] = []
    pinned: bool = False
    type: int = 0
    nonce: Any = None
    guild_id: int | None = None


def measure(label: str, build: Any, data: dict[str, Any]) -> None:
    start = time.perf_counter()
    for _ in range(N):
        built = build(data)
    build_ns = (time.perf_counter() - start) / N * 1e9
    start = time.perf_counter()
    for _ in range(N):
        _ = (built.id, built.author.id, built.content)
    read_ns = (time.perf_counter() - start) / N * 1e9
    tracemalloc.start()
    kept = [build(data) for _ in range(10_000)]
    size = tracemalloc.get_traced_memory()[0] / len(kept)
    tracemalloc.stop()
    print(f"  {label:44} build {build_ns:6.0f} ns   3 reads {read_ns:5.0f} ns   {size:5.0f} B")


if __name__ == "__main__":
    data = intify(load("MESSAGE_CREATE--remora--v8-2020-mention"))
    print("== one MESSAGE_CREATE: build, read id/author.id/content, bytes beyond the shared dict")
    measure("dict wrapper (bot.payloads.Message)", Message.from_dict, data)
    measure("eager slotted class (+ raw kept)", SlottedMessage, data)

    def to_struct(raw: dict[str, Any]) -> StructMessage:
        return msgspec.convert(raw, StructMessage, strict=False)

    measure("msgspec Struct (no raw, unknown fields lost)", to_struct, data)
