"""The simulated gateway's knobs: timings, Discord's limits (scalable for fast tests), the world."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.testing.gateway_world import World

__all__ = ["PRIVILEGED_INTENTS", "VALID_INTENTS", "GatewayConfig"]

# https://discord.com/developers/docs/events/gateway#list-of-intents : every documented bit.
VALID_INTENTS = 0x331FFFF
# GUILD_MEMBERS (1 << 1), GUILD_PRESENCES (1 << 8), MESSAGE_CONTENT (1 << 15).
PRIVILEGED_INTENTS = (1 << 1) | (1 << 8) | (1 << 15)


@dataclass(slots=True)
class GatewayConfig:
    """How the simulated gateway behaves. Times are seconds unless the name says ms.

    The limits default to Discord's; tests scale the windows down (say 12 sends per 0.5 s) so a
    limit can be hit, or shown to hold, in a second.
    """

    # HELLO's heartbeat_interval. Discord sends about 41250 ms.
    heartbeat_interval_ms: int = 41_250
    # A client heartbeat later than interval + grace after the previous one (or HELLO) is
    # recorded as a `heartbeat_late` violation.
    heartbeat_grace: float = 1.0
    # https://discord.com/developers/docs/events/gateway#rate-limiting : 120 per 60 s, else 4008.
    send_limit: int = 120
    send_window: float = 60.0
    # https://discord.com/developers/docs/events/gateway#sending-events : 4096 bytes, else 4002.
    max_payload_bytes: int = 4096
    # https://discord.com/developers/docs/events/gateway#max-concurrency : per 5 s per bucket.
    max_concurrency: int = 1
    identify_window: float = 5.0
    # https://discord.com/developers/docs/events/gateway-events#request-guild-members :
    # one request for all members per guild per 30 s, else a RATE_LIMITED dispatch.
    request_all_members_window: float = 30.0
    # False: member requests get no chunks (a Discord that has not answered yet).
    answer_member_requests: bool = True
    # A shard count below this closes IDENTIFY with 4011 (sharding required).
    required_shards: int = 1
    # Intents the bot may use; privileged ones outside this close IDENTIFY with 4014.
    allowed_privileged_intents: int = PRIVILEGED_INTENTS
    # A client silent for this many heartbeat intervals (plus the grace) since its last
    # heartbeat (or HELLO) is a zombie: the gateway closes it with 4000; its session stays, to be
    # resumed, as the docs say. None: never.
    zombie_after_intervals: float | None = 2.0
    # Whether HEARTBEATs are answered; tests turn it off to make a zombie connection.
    ack_heartbeats: bool = True
    # A server-initiated close waits this long for the client's close frame, then drops TCP.
    close_timeout: float = 2.0
    world: World = field(default_factory=World)
