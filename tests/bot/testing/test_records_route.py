"""The simulator's test-only record route (`GET /_shardline/records`), which multi-process tests
read: IDENTIFYs by shard, gateway violations, REST requests by method and status."""

from __future__ import annotations

import httpx

from bot.testing import FakeDiscord, GatewayConfig
from bot.testing.records_route import RECORDS_PATH, expose_records
from tests.bot.testing.client import RawClient


def get(discord: FakeDiscord) -> httpx.Response:
    return httpx.get(
        f"{discord.rest_url}{RECORDS_PATH}",
        headers={"Authorization": f"Bot {discord.token}"},
        timeout=10,
    )


def test_records_answer_only_for_an_exposed_simulator_and_hold_what_happened() -> None:
    with FakeDiscord(None, GatewayConfig(heartbeat_interval_ms=5000), shards=2) as discord:
        assert get(discord).status_code == 404  # not a Discord route unless exposed
        expose_records(discord)
        client = RawClient(discord.gateway_url)
        try:
            client.recv()  # HELLO
            client.identify(discord.token, shard=[1, 2])
            assert discord.wait_for_identify(timeout=10, count=1)
            records = get(discord).json()
        finally:
            client.close()
    assert [i["shard"] for i in records["identifies"]] == [1]
    assert records["resumes"] == [] and records["violations"] == []
    assert records["rest"]["requests"] == {"GET": 1}  # the refused one before
    assert records["rest"]["statuses"] == {"404": 1}
    assert records["rest"]["429"] == [] and records["rest"]["violations"] == []
