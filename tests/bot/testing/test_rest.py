"""FakeRest: the simulator's REST server answers like Discord's API over real HTTP."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from bot.testing.rest import FakeRest


@pytest.fixture
def rest() -> Iterator[FakeRest]:
    with FakeRest(gateway_url="ws://127.0.0.1:9999", shards=2) as fake:
        yield fake


def _client(rest: FakeRest, token: str | None = None) -> httpx.Client:
    return httpx.Client(
        base_url=rest.base_url,
        headers={"Authorization": f"Bot {token if token is not None else rest.token}"},
        timeout=5,
    )


def test_base_url_is_api_v10_on_loopback(rest: FakeRest) -> None:
    assert rest.base_url.startswith("http://127.0.0.1:")
    assert rest.base_url.endswith("/api/v10")


def test_gateway_bot_answers_url_shards_and_session_start_limit(rest: FakeRest) -> None:
    rest.session_start_limit["remaining"] = 7
    with _client(rest) as client:
        body = client.get("/gateway/bot").json()
    assert body == {
        "url": "ws://127.0.0.1:9999",
        "shards": 2,
        "session_start_limit": {
            "total": 1000,
            "remaining": 7,
            "reset_after": 0,
            "max_concurrency": 1,
        },
    }


def test_gateway_url_set_after_start_is_served(rest: FakeRest) -> None:
    rest.gateway_url = "ws://127.0.0.1:1234"
    with _client(rest) as client:
        assert client.get("/gateway").json() == {"url": "ws://127.0.0.1:1234"}


def test_users_me_is_the_bot_user(rest: FakeRest) -> None:
    with _client(rest) as client:
        body = client.get("/users/@me").json()
    assert body["bot"] is True
    assert body["id"].isdigit()  # snowflakes as strings, as Discord sends them


def test_wrong_or_missing_token_is_401(rest: FakeRest) -> None:
    with _client(rest, token="nope") as client:
        response = client.get("/users/@me")
    assert response.status_code == 401
    assert response.json()["message"] == "401: Unauthorized"
    with httpx.Client(base_url=rest.base_url) as bare:
        assert bare.get("/gateway/bot").status_code == 401


def test_unknown_route_is_404(rest: FakeRest) -> None:
    with _client(rest) as client:
        assert client.get("/nowhere").status_code == 404


def test_stop_is_idempotent_and_closes_kept_alive_connections() -> None:
    rest = FakeRest().start()
    client = _client(rest)
    assert client.get("/users/@me").status_code == 200
    rest.stop()
    rest.stop()
    with pytest.raises(httpx.TransportError):
        client.get("/users/@me")
    client.close()


def test_every_request_is_recorded(rest: FakeRest) -> None:
    with _client(rest) as client:
        client.get("/gateway/bot")
        client.get("/users/@me")
    assert [r.route for r in rest.requests] == ["/gateway/bot", "/users/@me"]
