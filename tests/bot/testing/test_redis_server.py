"""`RedisServer`: a real redis-server of the tests' own, restartable on its port."""

from __future__ import annotations

import pytest
import redis

from bot.testing.redis_server import RedisServer, RedisServerUnavailable, find_redis_server


def test_the_suite_server_answers_and_is_not_the_machine_default(
    redis_server: RedisServer, redis_client: redis.Redis
) -> None:
    assert redis_client.ping() is True
    assert redis_server.port != 6379
    version = str(redis_client.info("server")["redis_version"])
    assert tuple(int(part) for part in version.split(".")[:2]) >= (6, 2)  # XAUTOCLAIM


def test_restart_keeps_the_port_and_loses_the_data() -> None:
    with RedisServer() as server:
        client = redis.Redis.from_url(server.url)
        client.set("k", "v")
        server.restart()
        assert client.get("k") is None  # the client reconnects by itself
        server.kill()
        assert not server.running
        with pytest.raises(redis.ConnectionError):
            client.ping()
        server.start()
        assert client.ping() is True
        client.close()


def test_a_missing_binary_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHARDLINE_REDIS_SERVER", "/nonexistent/redis-server")
    with pytest.raises(RedisServerUnavailable, match="not an executable"):
        find_redis_server()
