"""The real payload corpus in ../shared/payloads/, for the gateway tests and the benchmark."""

from __future__ import annotations

import os
from pathlib import Path

PAYLOADS = Path(os.environ.get("SHARDLINE_PAYLOADS", "/work/shared/payloads"))


def payload_files() -> list[Path]:
    """Every payload file of the corpus (frames, d-only, send--, rest--), sorted by name."""
    return sorted(PAYLOADS.glob("*.json"))


def payload_ids() -> list[str]:
    return [path.name.removesuffix(".json") for path in payload_files()]


def unknown_keys(value: object) -> set[str]:
    """Every key in a decoded payload that the key table lacks (digit keys, ids of maps, aside)."""
    from bot.gateway.keys import KNOWN_KEYS

    found: set[str] = set()
    if isinstance(value, dict):
        for key, item in value.items():
            if key not in KNOWN_KEYS and not key.isdigit():
                found.add(key)
            found |= unknown_keys(item)
    elif isinstance(value, list):
        for item in value:
            found |= unknown_keys(item)
    return found
