"""Runs the local Discord alone until Ctrl-C: `python -m bot simulate`, `python -m bot.testing`.

Each new session gets, after its READY and GUILD_CREATEs, `simulator.messages` MESSAGE_CREATEs;
with `simulator.reconnect` the gateway then sends one RECONNECT, so a bot pointed at it shows a
RESUME with replay as well.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from typing import Any, TextIO

import structlog

from bot.testing.fake_discord import FakeDiscord
from bot.testing.gateway_config import GatewayConfig
from bot.testing.gateway_connection import Payload
from bot.testing.gateway_opcodes import OP_RECONNECT, frame
from bot.testing.gateway_world import World
from bot.testing.records_route import expose_records

__all__ = ["serve_forever", "simulator_from_config"]

log = structlog.get_logger(__name__)


def simulator_from_config(config: Any = None) -> FakeDiscord:
    """A (not yet started) FakeDiscord for a `bot.config.Config`, its `[simulator]`, or None."""
    simulator = getattr(config, "simulator", config)
    token = getattr(config, "token", None)
    world = World(
        guild_count=getattr(simulator, "guilds", 3),
        members_per_guild=getattr(simulator, "members_per_guild", 25),
    )
    shards = getattr(simulator, "shards", 1)
    gateway = GatewayConfig(
        heartbeat_interval_ms=getattr(simulator, "heartbeat_interval_ms", 41_250),
        world=world,
        # 0: every recommended shard may IDENTIFY at once.
        max_concurrency=getattr(simulator, "max_concurrency", 0) or shards,
    )
    return FakeDiscord(
        token.reveal() if token is not None else None,
        gateway,
        shards=shards,
        gateway_port=getattr(simulator, "gateway_port", 0),
        rest_port=getattr(simulator, "rest_port", 0),
    )


def serve_forever(
    config: Any = None,
    *,
    stop: threading.Event | None = None,
    out: TextIO | None = None,
    ready: Callable[[FakeDiscord], None] | None = None,
) -> None:
    """Serves until `stop` is set or Ctrl-C; prints where to connect on `out` (stdout).

    `ready(discord)` is called once both servers listen (tests use it to find the ports).
    """
    out = out if out is not None else sys.stdout
    simulator = getattr(config, "simulator", config)
    messages = getattr(simulator, "messages", 0)
    reconnect = getattr(simulator, "reconnect", False)
    stop = stop if stop is not None else threading.Event()
    generated_token = getattr(config, "token", None) is None
    with simulator_from_config(config) as discord:
        expose_records(discord)  # GET /_shardline/records, for multi-process tests
        print(f"gateway: {discord.gateway_url}", file=out)
        print(f"rest:    {discord.rest_url}", file=out)
        if generated_token:
            # A throwaway token made for this run; a configured token is never printed.
            print(f"token:   {discord.token}", file=out)
        out.flush()
        feeder = threading.Thread(
            target=_feed_sessions,
            args=(discord, messages, reconnect, stop),
            name="fake-discord-feeder",
            daemon=True,
        )
        feeder.start()
        if ready is not None:
            ready(discord)
        try:
            while not stop.wait(3600):
                pass
        finally:
            stop.set()
            with discord.changed:
                discord.changed.notify_all()
            feeder.join(5)


def _feed_sessions(
    discord: FakeDiscord, messages: int, reconnect: bool, stop: threading.Event
) -> None:
    """Gives every new session its messages, then (once) a RECONNECT."""
    fed: set[str] = set()

    def new_sessions() -> list[Any]:
        return [s for s in discord.sessions.values() if s.session_id not in fed]

    while not stop.is_set():
        discord.wait_until(lambda: stop.is_set() or bool(new_sessions()), timeout=None)
        if stop.is_set():
            return
        with discord.lock:
            sessions = new_sessions()
            fed.update(s.session_id for s in sessions)
        for session in sessions:
            try:
                seqs = discord.stream_messages(messages, session.shard_id) if messages else None
                if reconnect:
                    last = seqs[-1] if seqs else session.log.last_seq
                    _reconnect_once_sent(discord, session, last, stop)
            except (LookupError, TimeoutError) as exc:
                log.info("fake_discord.feed_skipped", shard=session.shard_id, reason=str(exc))


def _reconnect_once_sent(
    discord: FakeDiscord, session: Any, last: int, stop: threading.Event
) -> None:
    """Sends RECONNECT to `session`'s own connection once it has written dispatch `last`
    (READY first); not to another client's, and not if the session ended meanwhile."""

    def sent() -> bool:
        conn = session.connection
        return stop.is_set() or session.invalidated or (conn is not None and conn.sent_seq >= last)

    if not discord.wait_until(sent, timeout=60):
        raise TimeoutError(f"dispatch {last} of session {session.session_id} not sent in 60 s")
    with discord.lock:
        conn = session.connection
        if stop.is_set() or session.invalidated or conn is None:
            return
        conn.send(Payload(frame(OP_RECONNECT, None)))
