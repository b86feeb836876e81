"""The fake REST API's message, reaction, channel and thread routes (registered at import)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from bot.testing.rest_routes import ROUTES, Reply, Request, RouteError, UploadedFile
from bot.testing.rest_state import State, now_iso
from bot.testing.rest_validation import Errors, check_components, check_embeds

if TYPE_CHECKING:
    from bot.testing.rest import FakeRest

__all__ = [
    "EPHEMERAL",
    "apply_message_edit",
    "channel_of",
    "check_message_body",
    "emit_message",
    "message_of",
    "reactor",
    "store_files",
]

# https://discord.com/developers/docs/resources/message#create-message
MAX_CONTENT = 2000
MAX_EMBEDS = 10
MESSAGE_FIELDS = ("content", "embeds", "components", "flags", "allowed_mentions", "attachments")


def channel_of(state: State, channel_id: str) -> dict[str, Any]:
    channel = state.channels.get(channel_id)
    if channel is None:
        raise RouteError(404, 10003, "Unknown Channel")
    return channel


def message_of(state: State, channel_id: str, message_id: str) -> dict[str, Any]:
    channel_of(state, channel_id)
    message = state.find_message(channel_id, message_id)
    if message is None:
        raise RouteError(404, 10008, "Unknown Message")
    return message


def check_message_body(body: Any, files: list[UploadedFile], *, creating: bool) -> dict[str, Any]:
    """Discord's checks on a message body: not empty, content, embeds and components valid."""
    if body is not None and not isinstance(body, Mapping):
        raise RouteError(400, 50109, "The request body contains invalid JSON.")
    body = dict(body or {})
    errors = Errors()
    content = body.get("content")
    errors.string(("content",), content, MAX_CONTENT)
    embeds = body.get("embeds")
    errors.too_long(("embeds",), embeds if isinstance(embeds, list) else None, MAX_EMBEDS)
    check_embeds(errors, embeds)
    flags = body.get("flags")
    if flags is not None and (not isinstance(flags, int) or isinstance(flags, bool)):
        errors.add(("flags",), "NUMBER_TYPE_COERCE", f'Value "{flags}" is not int.')
        flags = 0
    check_components(errors, body.get("components"), flags or 0)
    errors.raise_if_any()
    has_something = content or embeds or body.get("components") or body.get("sticker_ids")
    if creating and not has_something and not files and not body.get("poll"):
        raise RouteError(400, 50006, "Cannot send an empty message")
    return body


def store_files(fake: FakeRest, body: dict[str, Any], files: list[UploadedFile]) -> None:
    """Turns uploaded files into the message's `attachments` (bytes kept in `state.files`)."""
    if not files:
        return
    described = {str(a.get("id")): a for a in body.get("attachments") or []}
    attachments = []
    for index, upload in enumerate(files):
        attachment_id = fake.state.snowflake()
        fake.state.files[attachment_id] = upload.data
        meta = described.get(str(index), {})
        attachments.append(
            {
                "id": attachment_id,
                "filename": meta.get("filename", upload.filename),
                "description": meta.get("description"),
                "content_type": upload.content_type,
                "size": len(upload.data),
                "url": f"{fake.url}/attachments/{attachment_id}/{upload.filename}",
                "proxy_url": f"{fake.url}/attachments/{attachment_id}/{upload.filename}",
            }
        )
    body["attachments"] = attachments


# https://discord.com/developers/docs/resources/message#message-object-message-flags
EPHEMERAL = 1 << 6


def emit_message(fake: FakeRest, request: Request, name: str, message: dict[str, Any]) -> None:
    """Queues MESSAGE_CREATE or MESSAGE_UPDATE for a stored message, as the gateway sends it:
    with the author's `member` (without `user`) in a guild. Ephemeral messages are not sent."""
    if int(message.get("flags") or 0) & EPHEMERAL:
        return
    event = dict(message)
    guild_id = message.get("guild_id")
    author_id = str((message.get("author") or {}).get("id"))
    member = fake.state.members.get(str(guild_id), {}).get(author_id) if guild_id else None
    if member is not None:
        event["member"] = {k: v for k, v in member.items() if k != "user"}
    request.emit(name, event)


def apply_message_edit(message: dict[str, Any], body: Mapping[str, Any] | None) -> None:
    """Applies an edit body's message fields to a stored message (null clears a field)."""
    for key in MESSAGE_FIELDS:
        if body and key in body and key != "allowed_mentions":
            message[key] = body[key] if body[key] is not None else ([] if key != "content" else "")
    message["edited_timestamp"] = now_iso()


def _edit(fake: FakeRest, message: dict[str, Any], request: Request) -> dict[str, Any]:
    payload, files = request.payload()
    body = check_message_body(payload, files, creating=False)
    store_files(fake, body, files)
    apply_message_edit(message, body)
    return message


# -- messages --------------------------------------------------------------------------------


@ROUTES.add("POST", "/channels/{channel_id}/messages")
def create_message(fake: FakeRest, request: Request) -> Reply:
    channel_id = request.params["channel_id"]
    channel_of(fake.state, channel_id)
    payload, files = request.payload()
    body = check_message_body(payload, files, creating=True)
    store_files(fake, body, files)
    reference = body.get("message_reference")
    if reference and reference.get("fail_if_not_exists", True):
        message_of(fake.state, channel_id, str(reference.get("message_id")))
    message = fake.state.new_message(channel_id, fake.state.bot_user, body)
    emit_message(fake, request, "MESSAGE_CREATE", message)
    return Reply(200, dict(message))


@ROUTES.add("GET", "/channels/{channel_id}/messages/{message_id}")
def get_message(fake: FakeRest, request: Request) -> Reply:
    p = request.params
    return Reply(200, dict(message_of(fake.state, p["channel_id"], p["message_id"])))


@ROUTES.add("PATCH", "/channels/{channel_id}/messages/{message_id}")
def edit_message(fake: FakeRest, request: Request) -> Reply:
    p = request.params
    message = _edit(fake, message_of(fake.state, p["channel_id"], p["message_id"]), request)
    emit_message(fake, request, "MESSAGE_UPDATE", message)
    return Reply(200, dict(message))


@ROUTES.add("DELETE", "/channels/{channel_id}/messages/{message_id}")
def delete_message(fake: FakeRest, request: Request) -> Reply:
    p = request.params
    message = message_of(fake.state, p["channel_id"], p["message_id"])
    del fake.state.messages[p["channel_id"]][p["message_id"]]
    request.emit("MESSAGE_DELETE", _message_ids(message))
    return Reply(204)


def _message_ids(message: dict[str, Any]) -> dict[str, Any]:
    ids = {"id": message["id"], "channel_id": message["channel_id"]}
    if message.get("guild_id"):
        ids["guild_id"] = message["guild_id"]
    return ids


@ROUTES.add("POST", "/channels/{channel_id}/messages/bulk-delete")
def bulk_delete(fake: FakeRest, request: Request) -> Reply:
    channel_id = request.params["channel_id"]
    channel_of(fake.state, channel_id)
    payload, _ = request.payload()
    ids = (payload or {}).get("messages") or []
    if not 2 <= len(ids) <= 100:
        raise RouteError(
            400,
            50035,
            "Invalid Form Body",
            {"messages": {"_errors": [{"code": "BASE_TYPE_BAD_LENGTH", "message": "2 to 100"}]}},
        )
    for message_id in ids:
        fake.state.messages[channel_id].pop(str(message_id), None)
    event: dict[str, Any] = {"ids": [str(i) for i in ids], "channel_id": channel_id}
    guild_id = fake.state.channels[channel_id].get("guild_id")
    if guild_id:
        event["guild_id"] = guild_id
    request.emit("MESSAGE_DELETE_BULK", event)
    return Reply(204)


@ROUTES.add("GET", "/channels/{channel_id}/messages")
def get_messages(fake: FakeRest, request: Request) -> Reply:
    channel_id = request.params["channel_id"]
    channel_of(fake.state, channel_id)
    args = request.args()
    limit = max(1, min(100, int(args.get("limit", 50))))
    messages = sorted(fake.state.messages[channel_id].values(), key=lambda m: -int(m["id"]))
    if "before" in args:
        messages = [m for m in messages if int(m["id"]) < int(args["before"])]
    if "after" in args:
        messages = [m for m in messages if int(m["id"]) > int(args["after"])]
    return Reply(200, [dict(m) for m in messages[:limit]])


# -- reactions -------------------------------------------------------------------------------


def _reactions_view(fake: FakeRest, message: dict[str, Any]) -> None:
    bot_id = fake.state.bot_user["id"]
    by_emoji = fake.state.reactions.get(message["id"], {})
    message["reactions"] = [
        {"emoji": _emoji_object(emoji), "count": len(users), "me": bot_id in users}
        for emoji, users in by_emoji.items()
        if users
    ]


def _reaction_event(
    fake: FakeRest, message: dict[str, Any], emoji: str, user_id: str
) -> dict[str, Any]:
    """MESSAGE_REACTION_ADD's fields (events/gateway-events#message-reaction-add)."""
    event: dict[str, Any] = {
        "user_id": user_id,
        "message_id": message["id"],
        "emoji": _emoji_object(emoji),
        "message_author_id": (message.get("author") or {}).get("id"),
        "burst": False,
        "burst_colors": [],
        "type": 0,
        **_message_ids(message),
    }
    event["channel_id"], event["message_id"] = message["channel_id"], message["id"]
    del event["id"]
    guild_id = message.get("guild_id")
    member = fake.state.members.get(str(guild_id), {}).get(user_id) if guild_id else None
    if member is not None:
        event["member"] = dict(member)
    return event


def _emoji_object(emoji: str) -> dict[str, Any]:
    name, _, emoji_id = emoji.partition(":")
    return {"id": emoji_id or None, "name": name}


def _reaction_target(fake: FakeRest, request: Request) -> tuple[dict[str, Any], str]:
    p = request.params
    message = message_of(fake.state, p["channel_id"], p["message_id"])
    return message, p["emoji"]


def reactor(fake: FakeRest, request: Request) -> str:
    """The user a `{user}` route parameter names (`@me`: the bot)."""
    user = request.params["user"]
    return fake.state.bot_user["id"] if user == "@me" else user


@ROUTES.add("PUT", "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/{user}")
def add_reaction(fake: FakeRest, request: Request) -> Reply:
    message, emoji = _reaction_target(fake, request)
    users = fake.state.reactions.setdefault(message["id"], {}).setdefault(emoji, set())
    user_id = reactor(fake, request)
    if user_id not in users:
        users.add(user_id)
        request.emit("MESSAGE_REACTION_ADD", _reaction_event(fake, message, emoji, user_id))
    _reactions_view(fake, message)
    return Reply(204)


@ROUTES.add("DELETE", "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/{user}")
def delete_reaction(fake: FakeRest, request: Request) -> Reply:
    message, emoji = _reaction_target(fake, request)
    users = fake.state.reactions.get(message["id"], {}).get(emoji, set())
    user_id = reactor(fake, request)
    if user_id in users:
        users.discard(user_id)
        event = _reaction_event(fake, message, emoji, user_id)
        event.pop("member", None)
        request.emit("MESSAGE_REACTION_REMOVE", event)
    _reactions_view(fake, message)
    return Reply(204)


@ROUTES.add("GET", "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}")
def get_reactions(fake: FakeRest, request: Request) -> Reply:
    message, emoji = _reaction_target(fake, request)
    users = sorted(fake.state.reactions.get(message["id"], {}).get(emoji, set()), key=int)
    limit = int(request.args().get("limit", 25))
    return Reply(200, [dict(fake.state.users.get(u, {"id": u})) for u in users[:limit]])


@ROUTES.add("DELETE", "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}")
def delete_emoji_reactions(fake: FakeRest, request: Request) -> Reply:
    message, emoji = _reaction_target(fake, request)
    fake.state.reactions.get(message["id"], {}).pop(emoji, None)
    _reactions_view(fake, message)
    event = {**_message_ids(message), "message_id": message["id"], "emoji": _emoji_object(emoji)}
    del event["id"]
    request.emit("MESSAGE_REACTION_REMOVE_EMOJI", event)
    return Reply(204)


@ROUTES.add("DELETE", "/channels/{channel_id}/messages/{message_id}/reactions")
def delete_all_reactions(fake: FakeRest, request: Request) -> Reply:
    p = request.params
    message = message_of(fake.state, p["channel_id"], p["message_id"])
    fake.state.reactions.pop(message["id"], None)
    _reactions_view(fake, message)
    event = {**_message_ids(message), "message_id": message["id"]}
    del event["id"]
    request.emit("MESSAGE_REACTION_REMOVE_ALL", event)
    return Reply(204)
