"""`Client`: Discord's REST API for a bot, with rate limits handled.

    api = Client(token)                       # https://discord.com/api/v10, a LocalLimiter
    api.create_message(channel_id, "pong")

In the bot's tree the client shares one `RatelimiterActor` (`actors.ratelimiter.ActorLimiter`),
so every consumer worker and every thread sees the same buckets. The client is safe to call from
many threads at once; each call runs its HTTP request in the calling thread.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import TracebackType
from typing import Any

import httpx

from bot.api.applications import ApplicationEndpoints
from bot.api.guilds import GuildEndpoints, UserEndpoints
from bot.api.http import DEFAULT_BASE_URL, File, Requester
from bot.api.limiter import Limiter, LocalLimiter
from bot.api.messages import ChannelEndpoints, MessageEndpoints
from bot.api.ratelimits import RateLimitConfig
from bot.api.routes import Route
from bot.log import register_secret

__all__ = ["Client"]


class Client(
    MessageEndpoints, ChannelEndpoints, GuildEndpoints, UserEndpoints, ApplicationEndpoints
):
    """The REST client. Every endpoint returns payload objects (`bot.payloads`) or None.

    `ratelimiter`: a `Limiter` shared with other clients (default: a new `LocalLimiter` with
    `ratelimit_config`). `base_url` points at Discord, a REST proxy, or the simulator.
    `server_error_retries` and `backoff_base` shape the retries of safe requests on 5xx.
    """

    def __init__(
        self,
        token: str,
        *,
        base_url: str = DEFAULT_BASE_URL,
        ratelimiter: Limiter | None = None,
        ratelimit_config: RateLimitConfig | None = None,
        timeout: float = 30.0,
        server_error_retries: int = 3,
        backoff_base: float = 0.5,
        max_connections: int = 100,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        if not token:
            raise ValueError("a bot token is needed")
        register_secret(token)
        self.ratelimiter: Limiter = (
            ratelimiter if ratelimiter is not None else LocalLimiter(ratelimit_config)
        )
        self._requester = Requester(
            token,
            self.ratelimiter,
            base_url=base_url,
            timeout=timeout,
            server_error_retries=server_error_retries,
            backoff_base=backoff_base,
            max_connections=max_connections,
            transport=transport,
        )

    def __repr__(self) -> str:
        return f"<Client base_url={self._requester.base_url!r}>"

    @property
    def base_url(self) -> str:
        return self._requester.base_url

    def close(self) -> None:
        """Closes the connection pool."""
        self._requester.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def request(
        self,
        method: str,
        route: str,
        *,
        json: Any = None,
        query: Mapping[str, Any] | None = None,
        files: Sequence[File] | None = None,
        reason: str | None = None,
        global_limited: bool = True,
        **params: Any,
    ) -> Any:
        """Any endpoint: `api.request("GET", "/guilds/{guild_id}/emojis", guild_id=1)`.

        The route's template and `params` give the path and the rate-limit bucket; returns
        the decoded JSON (None for 204).
        """
        target = Route(method, route, global_limited=global_limited, **params)
        return self._requester.request(target, json=json, params=query, files=files, reason=reason)
