"""`FakeDiscord`: the local Discord, gateway and REST together, for tests and for `simulate`.

    with FakeDiscord(config=GatewayConfig(heartbeat_interval_ms=200)) as discord:
        bot = Bot(token=discord.token, gateway_url=discord.gateway_url, rest_url=discord.rest_url)
        ...
        discord.wait_for_ready(timeout=5)
        discord.dispatch("MESSAGE_CREATE", {...})
        assert not discord.violations

It is a `GatewayServer` (every scripting, record and wait method is here) that also runs E's
`FakeRest` with `GET /gateway/bot` pointing at this gateway, the same token on both sides.
"""

from __future__ import annotations

from types import TracebackType
from typing import Any

import structlog

from bot.log import register_secret
from bot.testing.gateway_config import GatewayConfig
from bot.testing.gateway_server import GatewayServer
from bot.testing.rest import FakeRest, make_token
from bot.testing.rest_state import State
from bot.testing.world_state import seed_world, store_message

__all__ = ["FakeDiscord"]

log = structlog.get_logger(__name__)


class FakeDiscord(GatewayServer):
    """Discord on 127.0.0.1: the gateway simulator plus the REST fake, started and stopped as one.

    `shards` is the recommended shard count `GET /gateway/bot` answers; `session_start_limit`
    overrides its fields (its `max_concurrency` defaults to the gateway config's). Ports are
    free ones unless given. Unless `rest_options` brings its own `state`, the REST side starts
    with the gateway world's guilds and channels (`seed_world`), so a bot can answer a
    MESSAGE_CREATE through REST.
    """

    def __init__(
        self,
        token: str | None = None,
        config: GatewayConfig | None = None,
        *,
        shards: int = 1,
        session_start_limit: dict[str, int] | None = None,
        gateway_port: int = 0,
        rest_port: int = 0,
        rest_options: dict[str, Any] | None = None,
    ) -> None:
        token = token if token is not None else make_token()
        register_secret(token)
        config = config if config is not None else GatewayConfig()
        limit = {"max_concurrency": config.max_concurrency, **(session_start_limit or {})}
        options = dict(rest_options or {})
        seeded = options.get("state") is None
        if seeded:
            # One bot user for READY and `GET /users/@me`.
            options["state"] = State(bot_user=config.world.bot_user())
        rest = FakeRest(token, shards=shards, session_start_limit=limit, port=rest_port, **options)
        if seeded:
            seed_world(rest.state, config.world)
            rest.state.world = config.world
        super().__init__(token, config, rest=rest, port=gateway_port)
        self.rest: FakeRest = rest
        # What the bot's requests do reaches it through the gateway, as on Discord.
        rest.on_dispatch = self._dispatch_from_rest

    def _dispatch_from_rest(self, name: str, data: dict[str, Any]) -> None:
        """Dispatches what a REST request did (the bot's own message, an edit, a reaction) to
        the shard of its guild; dropped when that shard has no session, as Discord would."""
        try:
            super().dispatch(name, data)
        except LookupError:
            log.debug("fake_discord.dispatch_dropped", dispatch=name)

    def dispatch(self, name: str, data: Any, shard_id: int | None = None) -> int:
        """`GatewayServer.dispatch`, and the world it describes goes into the REST state (one
        world): a dispatched message can be fetched, replied to and reacted to; a member who
        joined can be fetched."""
        if isinstance(data, dict):
            self._remember(name, data)
        return super().dispatch(name, data, shard_id)

    def _remember(self, name: str, data: dict[str, Any]) -> None:
        state = self.rest.state
        if name == "MESSAGE_CREATE" and "channel_id" in data and "id" in data:
            store_message(state, data)
        elif name == "GUILD_MEMBER_ADD" and isinstance(data.get("user"), dict):
            with state.lock:
                guild_id, user = str(data.get("guild_id")), data["user"]
                if guild_id in state.members:
                    member = {k: v for k, v in data.items() if k != "guild_id"}
                    state.members[guild_id][str(user["id"])] = member
                    state.users.setdefault(str(user["id"]), dict(user))

    def stream_messages(self, count: int, shard_id: int = 0, first: int = 0) -> range:
        """`GatewayServer.stream_messages`; the REST side finds those messages (generated
        again on first use, not stored one by one)."""
        seqs = super().stream_messages(count, shard_id, first)
        with self.rest.state.lock:
            self.rest.state.streamed = max(self.rest.state.streamed, first + count)
        return seqs

    def __repr__(self) -> str:
        started = self._listener is not None
        return f"<FakeDiscord gateway={self.url if started else None!r}>"

    def start(self) -> FakeDiscord:
        """Starts the gateway, then the REST server (pointed at the gateway); returns self."""
        super().start()
        try:
            self.rest.gateway_url = self.url
            self.rest.start()
        except BaseException:
            super().stop()
            raise
        return self

    def stop(self) -> None:
        """Stops both servers; safe to call twice."""
        try:
            self.rest.stop()
        finally:
            super().stop()

    def __enter__(self) -> FakeDiscord:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def gateway_url(self) -> str:
        """The gateway URL (`ws://127.0.0.1:PORT`), as `GET /gateway/bot` also answers."""
        return self.url

    @property
    def rest_url(self) -> str:
        """The REST base URL including `/api/v10`."""
        return self.rest.base_url
