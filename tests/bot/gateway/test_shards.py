"""Shard sets from the config value and the recommended count."""

from __future__ import annotations

import pytest

from bot.gateway.shards import ShardSet, shard_for_guild, shard_set


@pytest.mark.parametrize(
    ("value", "recommended", "expected"),
    [
        ("auto", 3, ShardSet((0, 1, 2), 3)),
        (2, 9, ShardSet((0, 1), 2)),
        ({"first": 2, "last": 3, "total": 8}, None, ShardSet((2, 3), 8)),
        ([0, 4], 6, ShardSet((0, 4), 6)),
        ({"ids": [1, 5], "total": 8}, None, ShardSet((1, 5), 8)),
    ],
)
def test_shard_sets(value, recommended, expected):
    assert shard_set(value, recommended) == expected


def test_auto_needs_the_recommended_count():
    with pytest.raises(ValueError, match="GET /gateway/bot"):
        shard_set("auto")


def test_routing_formula():
    assert shard_for_guild(41771983423143937, 3) == (41771983423143937 >> 22) % 3
