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
