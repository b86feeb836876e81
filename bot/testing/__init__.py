"""The local Discord for tests and demos: a real gateway websocket server and REST server.

    from bot.testing import FakeDiscord, GatewayConfig

    with FakeDiscord(config=GatewayConfig(heartbeat_interval_ms=200)) as discord:
        ...  # point the bot at discord.gateway_url / discord.rest_url with discord.token
        discord.wait_for_ready(timeout=5)

See docs/simulator.md.
"""

from __future__ import annotations

from bot.testing.fake_discord import FakeDiscord
from bot.testing.gateway_config import GatewayConfig
from bot.testing.gateway_record import ConnectionInfo, Received, RefusedSend, Violation
from bot.testing.gateway_server import GatewayServer
from bot.testing.gateway_world import World
from bot.testing.scenarios import Exchange, InteractionResult, Scenario
from bot.testing.serve import serve_forever

__all__ = [
    "ConnectionInfo",
    "Exchange",
    "FakeDiscord",
    "GatewayConfig",
    "GatewayServer",
    "InteractionResult",
    "Received",
    "RefusedSend",
    "Scenario",
    "Violation",
    "World",
    "serve_forever",
]
