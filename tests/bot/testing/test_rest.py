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


# -- rate limits -----------------------------------------------------------------------------

POST = "POST /channels/{channel_id}/messages"


def _channel(rest: FakeRest) -> str:
    guild = rest.state.add_guild()
    return str(rest.state.add_channel(guild["id"])["id"])


def test_answers_carry_rate_limit_headers_and_429_when_exhausted(rest: FakeRest) -> None:
    rest.limits.set_bucket(POST, limit=2, window=30.0)
    channel = _channel(rest)
    with _client(rest) as client:
        answers = [
            client.post(f"/channels/{channel}/messages", json={"content": "x"}) for _ in range(3)
        ]
    first, second, third = answers
    assert first.headers["X-RateLimit-Limit"] == "2"
    assert first.headers["X-RateLimit-Remaining"] == "1"
    assert second.headers["X-RateLimit-Remaining"] == "0"
    assert 29 < float(second.headers["X-RateLimit-Reset-After"]) <= 30
    assert first.headers["X-RateLimit-Bucket"] == second.headers["X-RateLimit-Bucket"]
    assert third.status_code == 429
    assert third.headers["X-RateLimit-Scope"] == "user"
    body = third.json()
    assert body["global"] is False and 29 < body["retry_after"] <= 30
    assert [v.violation for v in rest.violations] == ["bucket"]
    assert rest.violations[0].route == "/channels/{channel_id}/messages"


def test_major_parameters_have_their_own_windows(rest: FakeRest) -> None:
    rest.limits.set_bucket(POST, limit=1, window=30.0)
    guild = rest.state.add_guild()
    one, two = (rest.state.add_channel(guild["id"])["id"] for _ in range(2))
    with _client(rest) as client:
        assert client.post(f"/channels/{one}/messages", json={"content": "a"}).is_success
        assert client.post(f"/channels/{two}/messages", json={"content": "b"}).is_success
    assert rest.violations == []


def test_shared_routes_answer_one_bucket_hash(rest: FakeRest) -> None:
    rest.limits.share("messages", POST, "GET /channels/{channel_id}/messages")
    rest.limits.set_bucket("messages", limit=2, window=30.0)
    channel = _channel(rest)
    with _client(rest) as client:
        posted = client.post(f"/channels/{channel}/messages", json={"content": "a"})
        listed = client.get(f"/channels/{channel}/messages")
        third = client.get(f"/channels/{channel}/messages")
    assert posted.headers["X-RateLimit-Bucket"] == listed.headers["X-RateLimit-Bucket"]
    assert listed.headers["X-RateLimit-Remaining"] == "0"
    assert third.status_code == 429


def test_global_limit_and_unenforced_mode_still_records() -> None:
    from bot.testing.rest_limits import Limits

    with FakeRest(limits=Limits(global_limit=3, global_period=30.0, enforce=False)) as rest:
        with _client(rest) as client:
            statuses = [client.get("/gateway").status_code for _ in range(2)]
            statuses += [client.get("/users/@me").status_code for _ in range(2)]
        assert statuses == [200, 200, 200, 200]
        assert [v.violation for v in rest.violations] == ["global"]


def test_injected_faults(rest: FakeRest) -> None:
    rest.limits.fail_next(1, status=503, route="GET /gateway")
    rest.limits.rate_limit_next(scope="global", retry_after=30.0, route="GET /users/@me")
    with _client(rest) as client:
        assert client.get("/gateway").status_code == 503
        assert client.get("/gateway").status_code == 200
        limited = client.get("/users/@me")
        assert limited.status_code == 429
        assert limited.headers["X-RateLimit-Global"] == "true"
        assert limited.headers["X-RateLimit-Scope"] == "global"
        assert limited.json()["global"] is True
        assert client.get("/gateway").status_code == 429  # every route waits out a global 429
    assert [v.violation for v in rest.violations] == ["blocked"]


def test_message_state_round_trips_over_http(rest: FakeRest) -> None:
    channel = _channel(rest)
    with _client(rest) as client:
        created = client.post(f"/channels/{channel}/messages", json={"content": "hi"}).json()
        path = f"/channels/{channel}/messages/{created['id']}"
        assert client.get(path).json()["content"] == "hi"
        assert client.patch(path, json={"content": "edited"}).json()["content"] == "edited"
        assert client.delete(path).status_code == 204
        assert client.get(path).json()["code"] == 10008
