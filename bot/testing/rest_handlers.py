"""The fake REST API's route handlers, registered on `ROUTES` at import."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.testing.rest_routes import ROUTES, Reply, Request

if TYPE_CHECKING:
    from bot.testing.rest import FakeRest

__all__: list[str] = []


@ROUTES.add("GET", "/gateway")
def get_gateway(fake: FakeRest, request: Request) -> Reply:
    return Reply(200, {"url": fake.gateway_url})


@ROUTES.add("GET", "/gateway/bot")
def get_gateway_bot(fake: FakeRest, request: Request) -> Reply:
    return Reply(
        200,
        {
            "url": fake.gateway_url,
            "shards": fake.shards,
            "session_start_limit": dict(fake.session_start_limit),
        },
    )


@ROUTES.add("GET", "/users/@me")
def get_current_user(fake: FakeRest, request: Request) -> Reply:
    return Reply(200, dict(fake.state.bot_user))
