"""Shard sets from the config value and the recommended count."""

from __future__ import annotations

import pytest

from bot.config.shards import ShardSet as ConfigShardSet
from bot.config.shards import ShardSpecError, parse_shards
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


def test_the_config_is_the_one_definition_of_shard_sets():
    assert ShardSet is ConfigShardSet
    spec = parse_shards([0, 4])
    resolved = spec.resolve(6)
    assert resolved == ShardSet((0, 4), 6) == ((0, 4), 6)  # a tuple: `ids, total = ...` works
    assert shard_set(spec, 6) == resolved
    with pytest.raises(ShardSpecError, match="GET /gateway/bot"):
        spec.resolve(None)
    with pytest.raises(ShardSpecError, match="below the total of 4"):
        shard_set([1, 4], 4)


def test_routing_formula():
    assert shard_for_guild(41771983423143937, 3) == (41771983423143937 >> 22) % 3
