"""`python -m bot cluster status` against a real Redis: JSON and text, and a clear error."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import redis

from bot.app.cli import EXIT_UNAVAILABLE, main
from bot.cluster import Keys, ShardLeases
from bot.testing.redis_server import RedisServer


def config_file(tmp_path: Path, url: str, prefix: str) -> str:
    path = tmp_path / "config.toml"
    path.write_text(
        f'[cluster]\nbackend = "redis"\nredis_url = "{url}"\nkey_prefix = "{prefix}"\n'
        '[log]\nlevel = "warning"\n'
    )
    return str(path)


def test_status_prints_the_shards_of_the_cluster(
    tmp_path: Path,
    redis_server: RedisServer,
    redis_prefix: str,
    redis_client: redis.Redis,
    capsys: pytest.CaptureFixture[str],
) -> None:
    ShardLeases(redis_client, Keys(redis_prefix), "node-a", 5.0).acquire(0)
    path = config_file(tmp_path, redis_server.url, redis_prefix)
    assert main(["cluster", "status", "--config", path, "--json"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert status["shards"][0]["owner"] == "node-a"
    assert main(["cluster", "status", "--config", path]) == 0
    assert "owner=node-a" in capsys.readouterr().out


def test_status_without_redis_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = config_file(tmp_path, "redis://:secret-pw@127.0.0.1:1/0", "x")
    assert main(["cluster", "status", "--config", path]) == EXIT_UNAVAILABLE
    error = capsys.readouterr().err
    assert "redis unavailable" in error and "secret-pw" not in error
