"""Mutated real payloads for the cache fuzz tests: wrong types, huge and non-finite numbers,
missing and extra fields, garbage list elements, applied at random places of a corpus payload.

Copy on the path: only the containers from the root to the mutated one are copied, so the
corpus payloads are never changed and a mutation costs little.
"""

from __future__ import annotations

import math
import random
from typing import Any

__all__ = ["GARBAGE", "mutate"]

GARBAGE: tuple[Any, ...] = (
    None,
    True,
    False,
    0,
    -1,
    2**63,
    2**64,
    2**64 + 1,
    2**70,
    -(2**63) - 1,
    10**30,
    math.inf,
    -math.inf,
    math.nan,
    0.5,
    1e19,
    "",
    "x",
    "12a",
    "-5",
    "99999999999999999999999",
    "18446744073709551616",
    [],
    [None],
    [2**70],
    ["1", 2, None],
    {},
    {"id": None},
    {"id": 2**70},
    {"id": "1e400"},
    {"user": None},
    {"user": {"id": math.inf}},
)

# Keys the cache reads, so that extra and replaced fields hit the handlers' paths.
FIELDS = (
    "id",
    "guild_id",
    "channel_id",
    "user_id",
    "user",
    "roles",
    "members",
    "presences",
    "channels",
    "threads",
    "voice_states",
    "emojis",
    "stickers",
    "role",
    "role_id",
    "ids",
    "unavailable",
    "joined_at",
    "status",
    "member_count",
    "channel_ids",
    "parent_id",
    "author",
    "guilds",
)


def _garbage(rng: random.Random, original: Any) -> Any:
    """A value that does not belong: from GARBAGE, or the original in the wrong type."""
    roll = rng.random()
    if roll < 0.7:
        return rng.choice(GARBAGE)
    if roll < 0.8:
        return str(original)
    if roll < 0.9:
        return [original]
    return {"id": original}


def _children(value: Any) -> list[Any]:
    if isinstance(value, dict):
        return [k for k, v in value.items() if isinstance(v, dict | list)]
    if isinstance(value, list):
        return [i for i, v in enumerate(value) if isinstance(v, dict | list)]
    return []


def _mutate_once(root: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    path: list[Any] = []
    node: Any = root
    while rng.random() < 0.7:
        children = _children(node)
        if not children:
            break
        step = rng.choice(children)
        path.append(step)
        node = node[step]
    # copy the containers on the path, then change the last one
    top: Any = root.copy()
    parent = top
    for step in path:
        child = parent[step]
        child = child.copy()
        parent[step] = child
        parent = child
    _change(parent, rng)
    return top  # type: ignore[no-any-return]


def _change(node: Any, rng: random.Random) -> None:
    if isinstance(node, dict):
        roll = rng.random()
        if node and roll < 0.45:
            key = rng.choice(list(node))
            node[key] = _garbage(rng, node[key])
        elif node and roll < 0.7:
            del node[rng.choice(list(node))]
        else:
            node[rng.choice(FIELDS) if rng.random() < 0.8 else "extra_field"] = _garbage(rng, None)
        return
    roll = rng.random()
    if node and roll < 0.3:
        index = rng.randrange(len(node))
        node[index] = _garbage(rng, node[index])
    elif node and roll < 0.5:
        node.append(node[rng.randrange(len(node))])  # a duplicate element
    elif node and roll < 0.6:
        del node[rng.randrange(len(node))]
    else:
        node.insert(rng.randrange(len(node) + 1), _garbage(rng, None))


def mutate(data: dict[str, Any], rng: random.Random, count: int = 0) -> dict[str, Any]:
    """`data` with `count` mutations (1 to 3 when 0); `data` itself is left unchanged."""
    for _ in range(count or rng.randint(1, 3)):
        data = _mutate_once(data, rng)
    return data
