"""INTERACTION_CREATE payloads as Discord builds them: typed command options with `resolved`,
component and modal data, and the interaction's member, channel and context.

https://discord.com/developers/docs/interactions/receiving-and-responding#interaction-object
https://discord.com/developers/docs/interactions/application-commands#application-command-object-application-command-interaction-data-option-structure

Options are typed from the command the bot registered (the REST state's commands, the guild's
first, then the global ones); for a command the bot never registered they are typed from the
Python values (bool, int, float, str, a user/channel/role object). Every function here runs
under the REST state's lock.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.testing.rest_state import State

__all__ = [
    "command_data",
    "find_component",
    "interaction_payload",
    "member_view",
    "object_id",
    "resolve",
]

Json = dict[str, Any]
Ref = Mapping[str, Any] | str | int

# https://discord.com/developers/docs/interactions/application-commands#application-command-object-application-command-option-type
SUB_COMMAND, SUB_COMMAND_GROUP = 1, 2
STRING, INTEGER, BOOLEAN, USER, CHANNEL, ROLE, MENTIONABLE, NUMBER, ATTACHMENT = range(3, 12)
# https://discord.com/developers/docs/interactions/receiving-and-responding#interaction-object-interaction-context-types
GUILD_CONTEXT, BOT_DM_CONTEXT = 0, 1
# https://discord.com/developers/docs/topics/permissions : ADMINISTRATOR, and every bit an
# owner has.
ALL_PERMISSIONS = str((1 << 51) - 1)
# https://discord.com/developers/docs/interactions/receiving-and-responding#interaction-object
ATTACHMENT_SIZE_LIMIT = 10 * 1024 * 1024


def object_id(ref: Ref) -> str:
    """The id of a Discord object given as its JSON, or as an id."""
    if isinstance(ref, Mapping):
        return str(ref["id"])
    return str(ref)


def member_view(state: State, guild_id: str, user_id: str) -> Json:
    """The invoking member as an interaction carries it: with `user` and `permissions`."""
    member = state.members.get(guild_id, {}).get(user_id)
    if member is None:
        raise ValueError(
            f"user {user_id} is not a member of guild {guild_id}: scenario.join(user, guild) first"
        )
    return {**member, "permissions": _permissions(state, guild_id, member)}


def _permissions(state: State, guild_id: str, member: Json) -> str:
    guild = state.guilds[guild_id]
    if str(guild.get("owner_id")) == str(member["user"]["id"]):
        return ALL_PERMISSIONS
    roles = state.roles.get(guild_id, {})
    bits = int(roles.get(guild_id, {}).get("permissions") or 0)
    for role_id in member.get("roles") or ():
        bits |= int(roles.get(str(role_id), {}).get("permissions") or 0)
    return str(bits)


def interaction_payload(
    state: State,
    kind: int,
    user_id: str,
    channel_id: str,
    data: Json,
    *,
    message: Json | None = None,
) -> Json:
    """A whole INTERACTION_CREATE, registered in the state so the bot can answer it."""
    channel = state.channels[channel_id]
    guild_id = channel.get("guild_id")
    record = state.add_interaction(
        channel_id, type=kind, message_id=message["id"] if message is not None else None
    )
    payload: Json = {
        "id": record["id"],
        "application_id": state.application_id,
        "type": kind,
        "data": data,
        "channel_id": channel_id,
        "channel": _partial_channel(channel),
        "token": record["token"],
        "version": 1,
        "app_permissions": ALL_PERMISSIONS,
        "locale": "en-US",
        "entitlements": [],
        "attachment_size_limit": ATTACHMENT_SIZE_LIMIT,
    }
    if guild_id is not None:
        payload.update(
            guild_id=guild_id,
            guild={"id": guild_id, "locale": "en-US", "features": []},
            guild_locale="en-US",
            member=member_view(state, guild_id, user_id),
            authorizing_integration_owners={"0": guild_id},
            context=GUILD_CONTEXT,
        )
    else:
        payload.update(
            user=dict(state.users[user_id]),
            authorizing_integration_owners={"1": user_id},
            context=BOT_DM_CONTEXT,
        )
    if message is not None:
        payload["message"] = dict(message)
    state.interactions[record["token"]]["payload"] = payload
    state.interactions[record["token"]]["user_id"] = user_id
    return payload


def _partial_channel(channel: Json) -> Json:
    keys = ("id", "type", "name", "guild_id", "parent_id", "nsfw", "position", "flags")
    partial = {key: channel[key] for key in keys if key in channel}
    partial["permissions"] = ALL_PERMISSIONS
    return partial


# -- application commands --------------------------------------------------------------------


def registered_command(state: State, name: str, kind: int, guild_id: str | None) -> Json | None:
    """The command the bot registered under `name` (guild scope first), or None."""
    scopes = ([guild_id] if guild_id else []) + ["global"]
    for scope in scopes:
        for command in state.commands.get(scope, {}).values():
            if command.get("name") == name and int(command.get("type", 1)) == kind:
                return command
    return None


def command_data(
    state: State,
    name: str,
    kind: int,
    options: Mapping[str, Any],
    guild_id: str | None,
    *,
    subcommand: str | None = None,
    focused: str | None = None,
) -> Json:
    """An application command interaction's `data`: id, name, type, typed options, resolved."""
    command = registered_command(state, name, kind, guild_id)
    declared = list((command or {}).get("options") or [])
    path = subcommand.split() if subcommand else []
    resolved: Json = {}
    leaf: list[Json] = []
    top = leaf
    for depth, part in enumerate(path):
        spec = _declared(declared, part) if command else None
        if command and spec is None:
            raise ValueError(f"/{name} has no subcommand {part!r}")
        nested_type = SUB_COMMAND_GROUP if depth < len(path) - 1 else SUB_COMMAND
        inner: list[Json] = []
        leaf.append({"name": part, "type": nested_type, "options": inner})
        leaf, declared = inner, list((spec or {}).get("options") or [])
    for option_name, value in options.items():
        spec = _declared(declared, option_name) if command else None
        if command and spec is None:
            raise ValueError(f"/{name} has no option {option_name!r}")
        option_type = int(spec["type"]) if spec else _infer(state, value, guild_id)
        if option_name == focused:
            leaf.append({"name": option_name, "type": option_type, "value": str(value)})
            leaf[-1]["focused"] = True
            continue
        wire = resolve(state, option_type, value, guild_id, resolved)
        leaf.append({"name": option_name, "type": option_type, "value": wire})
    if command:
        missing = [o["name"] for o in declared if o.get("required") and o["name"] not in options]
        if missing and focused is None:
            raise ValueError(f"/{name} needs the required options {missing}")
    data: Json = {
        "id": (command or {}).get("id") or state.snowflake(),
        "name": name,
        "type": kind,
    }
    if top:
        data["options"] = top
    if resolved:
        data["resolved"] = resolved
    if guild_id is not None and command is not None and command.get("guild_id"):
        data["guild_id"] = guild_id
    return data


def _declared(options: list[Json], name: str) -> Json | None:
    return next((o for o in options if o.get("name") == name), None)


def _infer(state: State, value: Any, guild_id: str | None) -> int:
    if isinstance(value, bool):
        return BOOLEAN
    if isinstance(value, int):
        return INTEGER
    if isinstance(value, float):
        return NUMBER
    if isinstance(value, Mapping):
        ref = str(value.get("id"))
        if "username" in value:
            return USER
        if ref in state.channels:
            return CHANNEL
        if guild_id is not None and ref in state.roles.get(guild_id, {}):
            return ROLE
        if "filename" in value:
            return ATTACHMENT
    return STRING


def resolve(state: State, option_type: int, value: Any, guild_id: str | None, out: Json) -> Any:
    """An option value as sent on the wire, adding users, members, channels, roles and
    attachments to `resolved` (`out`) as Discord does."""
    if option_type == STRING:
        return str(value)
    if option_type == INTEGER:
        if isinstance(value, bool) or int(value) != value:
            raise ValueError(f"{value!r} is not an integer")
        return int(value)
    if option_type == NUMBER:
        return float(value)
    if option_type == BOOLEAN:
        return bool(value)
    if option_type == ATTACHMENT:
        attachment = dict(value) if isinstance(value, Mapping) else {"filename": str(value)}
        attachment.setdefault("id", state.snowflake())
        out.setdefault("attachments", {})[attachment["id"]] = attachment
        return attachment["id"]
    ref = object_id(value)
    if option_type in (USER, MENTIONABLE) and ref in state.users:
        out.setdefault("users", {})[ref] = dict(state.users[ref])
        member = state.members.get(guild_id or "", {}).get(ref)
        if member is not None:
            view = member_view(state, str(guild_id), ref)
            view = {k: v for k, v in view.items() if k not in ("user", "deaf", "mute")}
            out.setdefault("members", {})[ref] = view
        return ref
    if option_type in (ROLE, MENTIONABLE) and ref in state.roles.get(guild_id or "", {}):
        out.setdefault("roles", {})[ref] = dict(state.roles[str(guild_id)][ref])
        return ref
    if option_type == CHANNEL and ref in state.channels:
        out.setdefault("channels", {})[ref] = _partial_channel(state.channels[ref])
        return ref
    raise ValueError(f"option type {option_type}: no such object {ref}")


# -- components ------------------------------------------------------------------------------


def find_component(message: Json, custom_id: str) -> Json | None:
    """The component with `custom_id` anywhere in a message's components (rows, containers,
    sections), else None."""
    stack = list(message.get("components") or [])
    while stack:
        component = stack.pop()
        if not isinstance(component, Mapping):
            continue
        if component.get("custom_id") == custom_id:
            return dict(component)
        stack.extend(component.get("components") or [])
        for key in ("accessory", "component"):
            if isinstance(component.get(key), Mapping):
                stack.append(component[key])
    return None
