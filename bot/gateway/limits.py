"""Every Discord gateway limit and protocol constant, named once, with where it comes from.

Docs paths are in `discord/discord-api-docs` (see docs/reference/gateway-spec.md).
Values marked "ours" are Shardline's own choices, not Discord's.
"""

from __future__ import annotations

__all__ = [
    "API_VERSION",
    "BACKOFF_BASE_SECONDS",
    "BACKOFF_CAP_SECONDS",
    "CLIENT_CLOSE_KEEP_SESSION",
    "CLIENT_CLOSE_NORMAL",
    "HEARTBEAT_SEND_RESERVE",
    "HELLO_TIMEOUT_SECONDS",
    "IDENTIFY_WINDOW_SECONDS",
    "INVALID_SESSION_WAIT_MAX_SECONDS",
    "INVALID_SESSION_WAIT_MIN_SECONDS",
    "LARGE_THRESHOLD_DEFAULT",
    "LARGE_THRESHOLD_MAX",
    "LARGE_THRESHOLD_MIN",
    "MAX_DECOMPRESSED_FRAME_BYTES",
    "MAX_SEND_PAYLOAD_BYTES",
    "MEMBER_NONCE_MAX_BYTES",
    "PRESENCE_UPDATES_PER_WINDOW",
    "PRESENCE_UPDATE_WINDOW_SECONDS",
    "REQUEST_ALL_MEMBERS_WINDOW_SECONDS",
    "SENDS_PER_WINDOW",
    "SEND_WINDOW_SECONDS",
    "ZLIB_SUFFIX",
]

# developers/reference.mdx (API Versioning): 10 and 9 are available; we speak 10.
API_VERSION = 10

# developers/events/gateway.mdx (Sending Events): larger client payloads close with 4002.
MAX_SEND_PAYLOAD_BYTES = 4096

# developers/events/gateway.mdx (Rate Limiting): 120 gateway events per connection per 60 s,
# going over closes with 4008. Heartbeats are not exempt.
SENDS_PER_WINDOW = 120
SEND_WINDOW_SECONDS = 60.0

# Ours: sends kept back for heartbeats within each window. At Discord's 41.25-45 s interval at
# most 2 scheduled beats fall in 60 s; the rest covers heartbeat requests (op 1 from the server).
HEARTBEAT_SEND_RESERVE = 5

# developers/events/gateway.mdx (Transport Compression): a zlib-stream message ends with the
# Z_SYNC_FLUSH marker.
ZLIB_SUFFIX = b"\x00\x00\xff\xff"

# Ours: the largest decompressed frame we accept. The real 2017 GUILD_CREATE of the Discord API
# guild (9593 members) is 2.8 MB; 64 MiB leaves room for the largest guilds and stops a bomb.
MAX_DECOMPRESSED_FRAME_BYTES = 64 * 1024 * 1024

# developers/events/gateway-events.mdx (Identify): large_threshold is 50 to 250, default 50.
LARGE_THRESHOLD_MIN = 50
LARGE_THRESHOLD_MAX = 250
LARGE_THRESHOLD_DEFAULT = 50

# developers/events/gateway.mdx (Max Concurrency): max_concurrency IDENTIFYs per 5 s.
IDENTIFY_WINDOW_SECONDS = 5.0

# docs/topics/Gateway.md at 8e41a2a9 (2022), line 189: after INVALID_SESSION false, wait a random
# 1 to 5 s before a fresh IDENTIFY (dropped from the current docs, still good practice).
INVALID_SESSION_WAIT_MIN_SECONDS = 1.0
INVALID_SESSION_WAIT_MAX_SECONDS = 5.0

# developers/events/gateway-events.mdx (Update Presence / Example Activity): 5 per 20 s.
PRESENCE_UPDATES_PER_WINDOW = 5
PRESENCE_UPDATE_WINDOW_SECONDS = 20.0

# developers/change-log.mdx 2025-08-14: one "all members" request per guild per 30 s.
REQUEST_ALL_MEMBERS_WINDOW_SECONDS = 30.0

# developers/events/gateway-events.mdx (Request Guild Members): nonce is at most 32 bytes.
MEMBER_NONCE_MAX_BYTES = 32

# developers/events/gateway.mdx (Initiating a Disconnect): 1000 or 1001 from the client
# invalidates the session; any other code keeps it resumable for a few minutes. 4000 is ours
# (RFC 6455 private range), used whenever we close but mean to RESUME (zombie, RECONNECT...).
CLIENT_CLOSE_NORMAL = 1000
CLIENT_CLOSE_KEEP_SESSION = 4000

# Ours: how long a new connection may wait for HELLO before we give up on it.
HELLO_TIMEOUT_SECONDS = 20.0

# Ours: reconnect backoff, exponential from 1 s, capped at 60 s, with jitter.
BACKOFF_BASE_SECONDS = 1.0
BACKOFF_CAP_SECONDS = 60.0
