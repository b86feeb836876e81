"""The real payload corpus (`tests/data/payloads/`), as JSON gives it and as the gateway
decoder gives it (snowflakes as int)."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from typing import Any, NamedTuple

from tests.bot.gateway.corpus import PAYLOADS as CORPUS

# Keys whose string values are snowflakes (what the decoder turns into ints).
_ID_LISTS = {"roles", "ids", "mention_roles", "channel_ids", "applied_tags", "removed_member_ids"}


class Sample(NamedTuple):
    file: str
    event: str
    data: Any


def _is_id_key(key: str) -> bool:
    return key == "id" or key.endswith("_id")


def intify(value: Any, key: str = "") -> Any:
    """The decoder's shape: snowflake strings under id keys become ints."""
    if isinstance(value, dict):
        return {k: intify(v, k) for k, v in value.items()}
    if isinstance(value, list):
        if key in _ID_LISTS:
            return [int(v) if isinstance(v, str) and v.isdigit() else intify(v) for v in value]
        return [intify(v) for v in value]
    if isinstance(value, str) and _is_id_key(key) and value.isdigit():
        return int(value)
    return value


def dispatches() -> Iterator[Sample]:
    """Every dispatch payload (op 0, `d` or `frame` shape) of the corpus."""
    with open(CORPUS / "sources.tsv", encoding="utf-8") as index:
        rows = list(csv.DictReader(index, delimiter="\t"))
    for row in sorted(rows, key=lambda r: r["file"]):
        if row["op"] != "0" or row["shape"] not in ("d", "frame"):
            continue
        data = json.loads((CORPUS / row["file"]).read_text(encoding="utf-8"))
        event = row["event"]
        if row["shape"] == "frame":
            event, data = data.get("t") or event, data.get("d")
        yield Sample(row["file"], event, data)


def load(prefix: str) -> Any:
    """The `d` of the one corpus file whose name starts with `prefix`."""
    (path,) = sorted(CORPUS.glob(prefix + "*"))
    data = json.loads(path.read_text(encoding="utf-8"))
    return data["d"] if path.name.endswith(".frame.json") else data
