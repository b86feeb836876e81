"""The fake REST API's gateway, interaction, command and webhook routes (registered at import)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.testing.payloads import user_object
from bot.testing.rest_handlers import (
    EPHEMERAL,
    apply_message_edit,
    check_message_body,
    emit_message,
    message_of,
    store_files,
)
from bot.testing.rest_routes import ROUTES, Reply, Request, RouteError
from bot.testing.rest_state import State
from bot.testing.rest_validation import Errors, check_choices, check_modal, error
from bot.testing.rest_validation_commands import check_command

if TYPE_CHECKING:
    from bot.testing.rest import FakeRest

__all__: list[str] = []

# https://discord.com/developers/docs/interactions/receiving-and-responding#interaction-response-object-interaction-callback-type
PONG = 1
CHANNEL_MESSAGE_WITH_SOURCE = 4
DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE = 5
DEFERRED_UPDATE_MESSAGE = 6
UPDATE_MESSAGE = 7
APPLICATION_COMMAND_AUTOCOMPLETE_RESULT = 8
MODAL = 9
CALLBACK_TYPES = frozenset({PONG, 4, 5, 6, 7, 8, 9, 12})
# Types 6 and 7 answer a component (3) or a modal sent from a component (5); 8 only autocomplete.
MESSAGE_COMPONENT, AUTOCOMPLETE, MODAL_SUBMIT = 3, 4, 5
# https://discord.com/developers/docs/resources/message#message-object-message-flags : LOADING,
# "this message is an Interaction Response and the bot is 'thinking'".
LOADING = 1 << 7


# -- gateway ---------------------------------------------------------------------------------


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


@ROUTES.add("GET", "/oauth2/applications/@me")
@ROUTES.add("GET", "/applications/@me")
def get_current_application(fake: FakeRest, request: Request) -> Reply:
    """https://discord.com/developers/docs/resources/application#get-current-application
    (discord.py asks for it at login)."""
    return Reply(200, application_object(fake.state))


def application_object(state: State) -> dict[str, Any]:
    """The bot's application, owned by a user of the simulated Discord."""
    bot = state.bot_user
    owner = user_object("1000000000000000002", "shardline-owner")
    return {
        "id": state.application_id,
        "name": bot["username"],
        "icon": None,
        "description": "",
        "rpc_origins": [],
        "bot_public": True,
        "bot_require_code_grant": False,
        "bot": dict(bot),
        "owner": owner,
        "team": None,
        "verify_key": "0" * 64,
        "flags": 0,
        "approximate_guild_count": len(state.guilds),
        "approximate_user_install_count": 0,
        "integration_types_config": {"0": {}},
        "redirect_uris": [],
        "interactions_endpoint_url": None,
        "tags": [],
    }


# -- interactions ----------------------------------------------------------------------------


def _interaction(state: State, token: str) -> dict[str, Any]:
    interaction = state.interactions.get(token)
    if interaction is None:
        raise RouteError(404, 10062, "Unknown interaction")
    return interaction


@ROUTES.add("POST", "/interactions/{interaction_id}/{interaction_token}/callback")
def interaction_callback(fake: FakeRest, request: Request) -> Reply:
    interaction = _interaction(fake.state, request.params["interaction_token"])
    if interaction["id"] != request.params["interaction_id"]:
        raise RouteError(404, 10062, "Unknown interaction")
    if interaction["response_type"] is not None:
        raise RouteError(400, 40060, "Interaction has already been acknowledged.")
    payload, files = request.payload()
    kind = _callback_type(interaction, payload)
    data = (payload or {}).get("data")
    if kind in (CHANNEL_MESSAGE_WITH_SOURCE, UPDATE_MESSAGE):
        data = check_message_body(data, files, creating=kind == CHANNEL_MESSAGE_WITH_SOURCE)
        store_files(fake, data, files)
    elif kind == MODAL:
        check_modal(data)
    elif kind == APPLICATION_COMMAND_AUTOCOMPLETE_RESULT:
        check_choices(data)
    interaction["response_type"] = kind
    interaction["response"] = data
    if kind in (CHANNEL_MESSAGE_WITH_SOURCE, DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE):
        if kind == DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE:
            # Discord posts the "thinking" message at once, with the deferral's ephemeral flag;
            # the bot's first edit of @original fills it in.
            flags = int((data or {}).get("flags") or 0) & EPHEMERAL
            body: dict[str, Any] = {"content": "", "flags": flags | LOADING}
        else:
            body = data or {}
        message = fake.state.new_message(interaction["channel_id"], fake.state.bot_user, body)
        message["interaction_metadata"] = {"id": interaction["id"], "type": interaction["type"]}
        interaction["original"] = message["id"]
        emit_message(fake, request, "MESSAGE_CREATE", message)
    elif kind in (UPDATE_MESSAGE, DEFERRED_UPDATE_MESSAGE):
        # The component's message is the response: UPDATE_MESSAGE edits it now, a deferred
        # update when the bot edits @original.
        interaction["original"] = interaction["message_id"]
        if kind == UPDATE_MESSAGE:
            message = message_of(fake.state, interaction["channel_id"], interaction["message_id"])
            apply_message_edit(message, data)
            emit_message(fake, request, "MESSAGE_UPDATE", message)
    return Reply(204)


def _callback_type(interaction: dict[str, Any], payload: Any) -> int:
    """The callback's type, refused (400 50035) where Discord refuses it."""
    kind = (payload or {}).get("type") if isinstance(payload, dict) else None
    allowed = set(CALLBACK_TYPES - {PONG})
    if interaction["type"] == AUTOCOMPLETE:
        allowed = {APPLICATION_COMMAND_AUTOCOMPLETE_RESULT}
    else:
        allowed.discard(APPLICATION_COMMAND_AUTOCOMPLETE_RESULT)
        if interaction.get("message_id") is None:
            allowed -= {UPDATE_MESSAGE, DEFERRED_UPDATE_MESSAGE}
        if interaction["type"] == MODAL_SUBMIT:
            allowed.discard(MODAL)
    if not isinstance(kind, int) or isinstance(kind, bool) or kind not in allowed:
        raise RouteError(
            400,
            50035,
            "Invalid Form Body",
            {"type": {"_errors": [error("INTERACTION_RESPONSE_TYPE_INVALID", "Invalid type")]}},
        )
    return kind


def _original(fake: FakeRest, token: str, application_id: str) -> dict[str, Any]:
    interaction = _interaction(fake.state, token)
    if application_id != interaction["application_id"]:
        raise RouteError(404, 10015, "Unknown Webhook")
    if interaction["original"] is None:
        # Not answered yet, answered without a message (modal, choices) or deleted.
        raise RouteError(404, 10008, "Unknown Message")
    return message_of(fake.state, interaction["channel_id"], interaction["original"])


@ROUTES.add("GET", "/webhooks/{webhook_id}/{webhook_token}/messages/@original")
def get_original(fake: FakeRest, request: Request) -> Reply:
    p = request.params
    return Reply(200, dict(_original(fake, p["webhook_token"], p["webhook_id"])))


@ROUTES.add("PATCH", "/webhooks/{webhook_id}/{webhook_token}/messages/@original")
def edit_original(fake: FakeRest, request: Request) -> Reply:
    p = request.params
    message = _original(fake, p["webhook_token"], p["webhook_id"])
    # The first edit of a deferred answer ends its "thinking" state.
    message["flags"] = int(message.get("flags") or 0) & ~LOADING
    return Reply(200, dict(_edit_webhook_message(fake, message, request)))


@ROUTES.add("DELETE", "/webhooks/{webhook_id}/{webhook_token}/messages/@original")
def delete_original(fake: FakeRest, request: Request) -> Reply:
    p = request.params
    message = _original(fake, p["webhook_token"], p["webhook_id"])
    del fake.state.messages[message["channel_id"]][message["id"]]
    fake.state.interactions[p["webhook_token"]]["original"] = None
    _emit_delete(fake, request, message)
    return Reply(204)


def _emit_delete(fake: FakeRest, request: Request, message: dict[str, Any]) -> None:
    if int(message.get("flags") or 0) & EPHEMERAL:
        return
    event = {"id": message["id"], "channel_id": message["channel_id"]}
    if message.get("guild_id"):
        event["guild_id"] = message["guild_id"]
    request.emit("MESSAGE_DELETE", event)


def _edit_webhook_message(
    fake: FakeRest, message: dict[str, Any], request: Request, event: str = "MESSAGE_UPDATE"
) -> dict[str, Any]:
    payload, files = request.payload()
    body = check_message_body(payload, files, creating=False)
    store_files(fake, body, files)
    apply_message_edit(message, body)
    emit_message(fake, request, event, message)
    return message


# -- webhooks (incoming ones, and an interaction's follow-ups) -------------------------------


def _webhook_target(fake: FakeRest, webhook_id: str, token: str) -> tuple[str, dict[str, Any]]:
    """The channel a webhook posts to, and the author of its messages."""
    hook = fake.state.webhooks.get(webhook_id)
    if hook is not None and hook["token"] == token:
        author = {"id": hook["id"], "username": hook["name"], "bot": True, "discriminator": "0"}
        return hook["channel_id"], author
    interaction = fake.state.interactions.get(token)
    if interaction is not None and interaction["application_id"] == webhook_id:
        if interaction["response_type"] is None:
            raise RouteError(404, 10015, "Unknown Webhook")
        return interaction["channel_id"], fake.state.bot_user
    raise RouteError(404, 10015, "Unknown Webhook")


@ROUTES.add("POST", "/webhooks/{webhook_id}/{webhook_token}")
def execute_webhook(fake: FakeRest, request: Request) -> Reply:
    p = request.params
    channel_id, author = _webhook_target(fake, p["webhook_id"], p["webhook_token"])
    payload, files = request.payload()
    body = check_message_body(payload, files, creating=True)
    store_files(fake, body, files)
    if body.get("username"):
        author = {**author, "username": body["username"]}
    message = fake.state.new_message(channel_id, author, body)
    message["webhook_id"] = p["webhook_id"]
    emit_message(fake, request, "MESSAGE_CREATE", message)
    interaction = fake.state.interactions.get(p["webhook_token"])
    if interaction is not None:
        interaction["followups"].append(message["id"])
    if request.args().get("wait") == "true":
        return Reply(200, dict(message))
    return Reply(204)


def _webhook_message(fake: FakeRest, request: Request) -> dict[str, Any]:
    p = request.params
    channel_id, _ = _webhook_target(fake, p["webhook_id"], p["webhook_token"])
    message = message_of(fake.state, channel_id, p["message_id"])
    if message.get("webhook_id") != p["webhook_id"]:
        raise RouteError(404, 10008, "Unknown Message")
    return message


@ROUTES.add("PATCH", "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}")
def edit_webhook_message(fake: FakeRest, request: Request) -> Reply:
    message = _webhook_message(fake, request)
    return Reply(200, dict(_edit_webhook_message(fake, message, request)))


@ROUTES.add("DELETE", "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}")
def delete_webhook_message(fake: FakeRest, request: Request) -> Reply:
    message = _webhook_message(fake, request)
    del fake.state.messages[message["channel_id"]][message["id"]]
    _emit_delete(fake, request, message)
    return Reply(204)


# -- application commands --------------------------------------------------------------------


def _commands(fake: FakeRest, request: Request) -> dict[str, dict[str, Any]]:
    p = request.params
    if p["application_id"] != fake.state.application_id:
        raise RouteError(403, 50001, "Missing Access")
    scope = p.get("guild_id", "global")
    if scope != "global" and scope not in fake.state.guilds:
        raise RouteError(404, 10004, "Unknown Guild")
    return fake.state.commands.setdefault(scope, {})


def _command(fake: FakeRest, request: Request, body: Any) -> dict[str, Any]:
    command = {
        "id": fake.state.snowflake(),
        "application_id": fake.state.application_id,
        "type": body.get("type", 1),
        "description": body.get("description", ""),
        "version": fake.state.snowflake(),
        **{k: v for k, v in body.items() if k not in ("id", "application_id")},
    }
    if "guild_id" in request.params:
        command["guild_id"] = request.params["guild_id"]
    return command


@ROUTES.add("GET", "/applications/{application_id}/commands")
@ROUTES.add("GET", "/applications/{application_id}/guilds/{guild_id}/commands")
def list_commands(fake: FakeRest, request: Request) -> Reply:
    return Reply(200, [dict(c) for c in _commands(fake, request).values()])


@ROUTES.add("POST", "/applications/{application_id}/commands")
@ROUTES.add("POST", "/applications/{application_id}/guilds/{guild_id}/commands")
def create_command(fake: FakeRest, request: Request) -> Reply:
    commands = _commands(fake, request)
    payload, _ = request.payload()
    errors = Errors()
    check_command(errors, (), payload)
    errors.raise_if_any()
    for existing in commands.values():
        if existing["name"] == (payload or {}).get("name"):
            existing.update(payload)
            return Reply(200, dict(existing))
    command = _command(fake, request, payload)
    commands[command["id"]] = command
    return Reply(201, dict(command))


@ROUTES.add("PUT", "/applications/{application_id}/commands")
@ROUTES.add("PUT", "/applications/{application_id}/guilds/{guild_id}/commands")
def overwrite_commands(fake: FakeRest, request: Request) -> Reply:
    commands = _commands(fake, request)
    payload, _ = request.payload()
    errors = Errors()
    if not isinstance(payload, list):
        errors.add(("_root",), "BASE_TYPE_ARRAY", "Must be an array.")
    else:
        for index, body in enumerate(payload):
            check_command(errors, (index,), body)
    errors.raise_if_any()
    assert isinstance(payload, list)
    fresh = [_command(fake, request, body) for body in payload]
    commands.clear()
    commands.update({c["id"]: c for c in fresh})
    return Reply(200, [dict(c) for c in fresh])


@ROUTES.add("DELETE", "/applications/{application_id}/commands/{command_id}")
@ROUTES.add("DELETE", "/applications/{application_id}/guilds/{guild_id}/commands/{command_id}")
def delete_command(fake: FakeRest, request: Request) -> Reply:
    if _commands(fake, request).pop(request.params["command_id"], None) is None:
        raise RouteError(404, 10063, "Unknown application command")
    return Reply(204)
