"""The real payload corpus in `tests/data/payloads/` (its README and `sources.tsv` say where each
file came from), for the gateway, cache and fuzz tests and the benches."""

from __future__ import annotations

from pathlib import Path

PAYLOADS = Path(__file__).resolve().parents[2] / "data" / "payloads"

MIN_CORPUS_FILES = 100
"""The corpus holds 133 files: fewer means it is missing, and every parametrised test would
silently run on nothing."""


def payload_files() -> list[Path]:
    """Every payload file of the corpus (frames, d-only, send--, rest--), sorted by name.

    Raises `FileNotFoundError` when the corpus is missing or cut short, so a checkout without it
    fails loudly instead of parametrising zero cases.
    """
    files = sorted(PAYLOADS.glob("*.json"))
    if len(files) < MIN_CORPUS_FILES:
        raise FileNotFoundError(
            f"payload corpus at {PAYLOADS} has {len(files)} files, expected {MIN_CORPUS_FILES}+"
        )
    return files


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
