"""The fake REST API's guild, member, ban, role and user routes (registered at import)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.testing.rest_routes import ROUTES, Reply, Request, RouteError
from bot.testing.rest_state import State

if TYPE_CHECKING:
    from bot.testing.rest import FakeRest

__all__: list[str] = []


def _guild(state: State, guild_id: str) -> dict[str, Any]:
    guild = state.guilds.get(guild_id)
    if guild is None:
        raise RouteError(404, 10004, "Unknown Guild")
    return guild


def _member(state: State, guild_id: str, user_id: str) -> dict[str, Any]:
    _guild(state, guild_id)
    member = state.find_member(guild_id, user_id)
    if member is None:
        raise RouteError(404, 10007, "Unknown Member")
    return member


def _role(state: State, guild_id: str, role_id: str) -> dict[str, Any]:
    _guild(state, guild_id)
    role = state.roles[guild_id].get(role_id)
    if role is None:
        raise RouteError(404, 10011, "Unknown Role")
    return role


def _body(request: Request) -> dict[str, Any]:
    payload, _ = request.payload()
    return dict(payload or {})


# -- guilds ----------------------------------------------------------------------------------


@ROUTES.add("GET", "/guilds/{guild_id}")
def get_guild(fake: FakeRest, request: Request) -> Reply:
    guild = dict(_guild(fake.state, request.params["guild_id"]))
    guild["roles"] = [dict(r) for r in fake.state.roles[guild["id"]].values()]
    if request.args().get("with_counts") == "true":
        guild["approximate_member_count"] = len(fake.state.members[guild["id"]])
    return Reply(200, guild)


@ROUTES.add("GET", "/guilds/{guild_id}/channels")
def get_guild_channels(fake: FakeRest, request: Request) -> Reply:
    guild_id = _guild(fake.state, request.params["guild_id"])["id"]
    channels = [
        dict(c)
        for c in fake.state.channels.values()
        if c.get("guild_id") == guild_id and c.get("type") not in (10, 11, 12)
    ]
    return Reply(200, channels)


@ROUTES.add("POST", "/guilds/{guild_id}/channels")
def create_guild_channel(fake: FakeRest, request: Request) -> Reply:
    guild_id = _guild(fake.state, request.params["guild_id"])["id"]
    body = _body(request)
    channel = fake.state.add_channel(guild_id, body.get("name", "channel"), body.get("type", 0))
    stored = fake.state.channels[channel["id"]]
    stored.update({k: v for k, v in body.items() if k not in ("id", "guild_id")})
    request.emit("CHANNEL_CREATE", stored)
    return Reply(201, dict(stored))


# -- members ---------------------------------------------------------------------------------


@ROUTES.add("GET", "/guilds/{guild_id}/members/{user_id}")
def get_member(fake: FakeRest, request: Request) -> Reply:
    p = request.params
    return Reply(200, dict(_member(fake.state, p["guild_id"], p["user_id"])))


@ROUTES.add("GET", "/guilds/{guild_id}/members")
def list_members(fake: FakeRest, request: Request) -> Reply:
    guild_id = _guild(fake.state, request.params["guild_id"])["id"]
    args = request.args()
    limit = max(1, min(1000, int(args.get("limit", 1))))
    after = int(args.get("after", 0))
    members = sorted(fake.state.members[guild_id].items(), key=lambda item: int(item[0]))
    return Reply(200, [dict(m) for uid, m in members if int(uid) > after][:limit])


@ROUTES.add("PATCH", "/guilds/{guild_id}/members/{user_id}")
def modify_member(fake: FakeRest, request: Request) -> Reply:
    p = request.params
    member = _member(fake.state, p["guild_id"], p["user_id"])
    body = _body(request)
    for role_id in body.get("roles") or []:
        _role(fake.state, p["guild_id"], str(role_id))
    member.update({k: v for k, v in body.items() if k in ("nick", "roles", "mute", "deaf")})
    if "communication_disabled_until" in body:
        member["communication_disabled_until"] = body["communication_disabled_until"]
    request.emit("GUILD_MEMBER_UPDATE", {**member, "guild_id": p["guild_id"]})
    return Reply(200, dict(member))


@ROUTES.add("PUT", "/guilds/{guild_id}/members/{user_id}/roles/{role_id}")
def add_member_role(fake: FakeRest, request: Request) -> Reply:
    p = request.params
    member = _member(fake.state, p["guild_id"], p["user_id"])
    _role(fake.state, p["guild_id"], p["role_id"])
    if p["role_id"] not in member["roles"]:
        member["roles"] = [*member["roles"], p["role_id"]]
        request.emit("GUILD_MEMBER_UPDATE", {**member, "guild_id": p["guild_id"]})
    return Reply(204)


@ROUTES.add("DELETE", "/guilds/{guild_id}/members/{user_id}/roles/{role_id}")
def remove_member_role(fake: FakeRest, request: Request) -> Reply:
    p = request.params
    member = _member(fake.state, p["guild_id"], p["user_id"])
    if p["role_id"] in member["roles"]:
        member["roles"] = [r for r in member["roles"] if r != p["role_id"]]
        request.emit("GUILD_MEMBER_UPDATE", {**member, "guild_id": p["guild_id"]})
    return Reply(204)


@ROUTES.add("DELETE", "/guilds/{guild_id}/members/{user_id}")
def kick_member(fake: FakeRest, request: Request) -> Reply:
    p = request.params
    member = _member(fake.state, p["guild_id"], p["user_id"])
    del fake.state.members[p["guild_id"]][p["user_id"]]
    request.emit("GUILD_MEMBER_REMOVE", {"guild_id": p["guild_id"], "user": member["user"]})
    return Reply(204)


# -- bans ------------------------------------------------------------------------------------


@ROUTES.add("GET", "/guilds/{guild_id}/bans")
def get_bans(fake: FakeRest, request: Request) -> Reply:
    guild_id = _guild(fake.state, request.params["guild_id"])["id"]
    return Reply(200, [dict(b) for b in fake.state.bans[guild_id].values()])


@ROUTES.add("GET", "/guilds/{guild_id}/bans/{user_id}")
def get_ban(fake: FakeRest, request: Request) -> Reply:
    p = request.params
    _guild(fake.state, p["guild_id"])
    ban = fake.state.bans[p["guild_id"]].get(p["user_id"])
    if ban is None:
        raise RouteError(404, 10026, "Unknown Ban")
    return Reply(200, dict(ban))


@ROUTES.add("PUT", "/guilds/{guild_id}/bans/{user_id}")
def ban_member(fake: FakeRest, request: Request) -> Reply:
    p = request.params
    _guild(fake.state, p["guild_id"])
    user = fake.state.users.get(p["user_id"])
    if user is None:
        raise RouteError(404, 10013, "Unknown User")
    reason = request.headers.get("x-audit-log-reason")
    fake.state.bans[p["guild_id"]][p["user_id"]] = {"reason": reason, "user": dict(user)}
    request.emit("GUILD_BAN_ADD", {"guild_id": p["guild_id"], "user": user})
    if fake.state.members[p["guild_id"]].pop(p["user_id"], None) is not None:
        request.emit("GUILD_MEMBER_REMOVE", {"guild_id": p["guild_id"], "user": user})
    return Reply(204)


@ROUTES.add("DELETE", "/guilds/{guild_id}/bans/{user_id}")
def unban_member(fake: FakeRest, request: Request) -> Reply:
    p = request.params
    _guild(fake.state, p["guild_id"])
    ban = fake.state.bans[p["guild_id"]].pop(p["user_id"], None)
    if ban is None:
        raise RouteError(404, 10026, "Unknown Ban")
    request.emit("GUILD_BAN_REMOVE", {"guild_id": p["guild_id"], "user": ban["user"]})
    return Reply(204)


# -- roles -----------------------------------------------------------------------------------


@ROUTES.add("GET", "/guilds/{guild_id}/roles")
def get_roles(fake: FakeRest, request: Request) -> Reply:
    guild_id = _guild(fake.state, request.params["guild_id"])["id"]
    return Reply(200, [dict(r) for r in fake.state.roles[guild_id].values()])


@ROUTES.add("POST", "/guilds/{guild_id}/roles")
def create_role(fake: FakeRest, request: Request) -> Reply:
    guild_id = _guild(fake.state, request.params["guild_id"])["id"]
    body = _body(request)
    role = fake.state.add_role(
        guild_id, body.get("name", "new role"), permissions=str(body.get("permissions", "0"))
    )
    stored = fake.state.roles[guild_id][role["id"]]
    stored.update(
        color=body.get("color", 0),
        hoist=bool(body.get("hoist", False)),
        mentionable=bool(body.get("mentionable", False)),
    )
    request.emit("GUILD_ROLE_CREATE", {"guild_id": guild_id, "role": dict(stored)})
    return Reply(200, dict(stored))


@ROUTES.add("PATCH", "/guilds/{guild_id}/roles/{role_id}")
def modify_role(fake: FakeRest, request: Request) -> Reply:
    p = request.params
    role = _role(fake.state, p["guild_id"], p["role_id"])
    role.update({k: v for k, v in _body(request).items() if k not in ("id", "managed")})
    request.emit("GUILD_ROLE_UPDATE", {"guild_id": p["guild_id"], "role": dict(role)})
    return Reply(200, dict(role))


@ROUTES.add("DELETE", "/guilds/{guild_id}/roles/{role_id}")
def delete_role(fake: FakeRest, request: Request) -> Reply:
    p = request.params
    _role(fake.state, p["guild_id"], p["role_id"])
    del fake.state.roles[p["guild_id"]][p["role_id"]]
    for member in fake.state.members[p["guild_id"]].values():
        member["roles"] = [r for r in member["roles"] if r != p["role_id"]]
    request.emit("GUILD_ROLE_DELETE", {"guild_id": p["guild_id"], "role_id": p["role_id"]})
    return Reply(204)


# -- users -----------------------------------------------------------------------------------


@ROUTES.add("GET", "/users/@me")
def get_current_user(fake: FakeRest, request: Request) -> Reply:
    return Reply(200, dict(fake.state.bot_user))


@ROUTES.add("GET", "/users/{user_id}")
def get_user(fake: FakeRest, request: Request) -> Reply:
    user = fake.state.users.get(request.params["user_id"])
    if user is None:
        raise RouteError(404, 10013, "Unknown User")
    return Reply(200, dict(user))


@ROUTES.add("POST", "/users/@me/channels")
def create_dm(fake: FakeRest, request: Request) -> Reply:
    recipient_id = str(_body(request).get("recipient_id"))
    user = fake.state.users.get(recipient_id)
    if user is None:
        raise RouteError(404, 10013, "Unknown User")
    for channel in fake.state.channels.values():
        if channel.get("type") == 1 and channel["recipients"][0]["id"] == recipient_id:
            return Reply(200, dict(channel))
    channel = fake.state.add_channel(None, "", 1)
    stored = fake.state.channels[channel["id"]]
    stored.pop("name", None)
    stored["recipients"] = [dict(user)]
    return Reply(200, dict(stored))
