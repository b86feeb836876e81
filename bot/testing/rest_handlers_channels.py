"""The fake REST API's channel and thread routes (registered at import)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.testing.rest_handlers import channel_of, message_of, reactor
from bot.testing.rest_routes import ROUTES, Reply, Request, RouteError
from bot.testing.rest_state import now_iso

if TYPE_CHECKING:
    from bot.testing.rest import FakeRest

__all__: list[str] = []

# https://discord.com/developers/docs/resources/channel#channel-object-channel-types
THREAD_TYPES = (10, 11, 12)


# -- channels and threads --------------------------------------------------------------------


@ROUTES.add("GET", "/channels/{channel_id}")
def get_channel(fake: FakeRest, request: Request) -> Reply:
    return Reply(200, dict(channel_of(fake.state, request.params["channel_id"])))


@ROUTES.add("PATCH", "/channels/{channel_id}")
def modify_channel(fake: FakeRest, request: Request) -> Reply:
    channel = channel_of(fake.state, request.params["channel_id"])
    payload, _ = request.payload()
    name = (payload or {}).get("name")
    if name is not None and not 1 <= len(name) <= 100:
        raise RouteError(
            400,
            50035,
            "Invalid Form Body",
            {"name": {"_errors": [{"code": "BASE_TYPE_BAD_LENGTH", "message": "1 to 100"}]}},
        )
    channel.update({k: v for k, v in (payload or {}).items() if k not in ("id", "type")})
    thread = channel.get("type") in THREAD_TYPES
    request.emit("THREAD_UPDATE" if thread else "CHANNEL_UPDATE", channel)
    return Reply(200, dict(channel))


@ROUTES.add("DELETE", "/channels/{channel_id}")
def delete_channel(fake: FakeRest, request: Request) -> Reply:
    channel_id = request.params["channel_id"]
    channel = channel_of(fake.state, channel_id)
    del fake.state.channels[channel_id]
    fake.state.messages.pop(channel_id, None)
    if channel.get("type") in THREAD_TYPES:
        keys = ("id", "guild_id", "parent_id", "type")
        request.emit("THREAD_DELETE", {k: channel[k] for k in keys if k in channel})
    elif channel.get("guild_id"):
        request.emit("CHANNEL_DELETE", channel)
    return Reply(200, dict(channel))


@ROUTES.add("POST", "/channels/{channel_id}/typing")
def trigger_typing(fake: FakeRest, request: Request) -> Reply:
    channel_of(fake.state, request.params["channel_id"])
    return Reply(204)


def _new_thread(fake: FakeRest, parent: dict[str, Any], body: Any, thread_type: int) -> Reply:
    name = (body or {}).get("name")
    if not name:
        raise RouteError(
            400,
            50035,
            "Invalid Form Body",
            {"name": {"_errors": [{"code": "BASE_TYPE_REQUIRED", "message": "Required"}]}},
        )
    thread = fake.state.add_channel(parent.get("guild_id"), name, thread_type)
    stored = fake.state.channels[thread["id"]]
    stored.update(
        parent_id=parent["id"],
        owner_id=fake.state.bot_user["id"],
        thread_metadata={
            "archived": False,
            "auto_archive_duration": (body or {}).get("auto_archive_duration", 1440),
            "archive_timestamp": now_iso(),
            "locked": False,
        },
    )
    fake.state.thread_members[thread["id"]] = {fake.state.bot_user["id"]}
    return Reply(201, dict(stored))


def _thread_created(request: Request, reply: Reply) -> Reply:
    request.emit("THREAD_CREATE", {**reply.body, "newly_created": True})
    return reply


@ROUTES.add("POST", "/channels/{channel_id}/messages/{message_id}/threads")
def start_thread_from_message(fake: FakeRest, request: Request) -> Reply:
    p = request.params
    message_of(fake.state, p["channel_id"], p["message_id"])
    payload, _ = request.payload()
    parent = channel_of(fake.state, p["channel_id"])
    return _thread_created(request, _new_thread(fake, parent, payload, 11))


@ROUTES.add("POST", "/channels/{channel_id}/threads")
def start_thread(fake: FakeRest, request: Request) -> Reply:
    payload, _ = request.payload()
    parent = channel_of(fake.state, request.params["channel_id"])
    kind = int((payload or {}).get("type", 11))
    return _thread_created(request, _new_thread(fake, parent, payload, kind))


@ROUTES.add("PUT", "/channels/{channel_id}/thread-members/{user}")
def add_thread_member(fake: FakeRest, request: Request) -> Reply:
    channel_id = request.params["channel_id"]
    channel_of(fake.state, channel_id)
    fake.state.thread_members.setdefault(channel_id, set()).add(reactor(fake, request))
    return Reply(204)


@ROUTES.add("DELETE", "/channels/{channel_id}/thread-members/{user}")
def remove_thread_member(fake: FakeRest, request: Request) -> Reply:
    channel_id = request.params["channel_id"]
    channel_of(fake.state, channel_id)
    fake.state.thread_members.get(channel_id, set()).discard(reactor(fake, request))
    return Reply(204)


@ROUTES.add("GET", "/guilds/{guild_id}/threads/active")
def active_threads(fake: FakeRest, request: Request) -> Reply:
    guild_id = request.params["guild_id"]
    threads = [
        dict(c)
        for c in fake.state.channels.values()
        if c.get("guild_id") == guild_id and c.get("type") in THREAD_TYPES
    ]
    return Reply(200, {"threads": threads, "members": []})
