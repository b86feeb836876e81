"""Scenarios: what users do in the simulated Discord, and what the bot answered.

    scenario = Scenario(discord)                       # discord: a running FakeDiscord
    guild = scenario.guild(name="Test")
    channel = scenario.channel(guild, name="general")
    alice = scenario.user(name="alice")
    scenario.join(alice, guild)
    assert scenario.say(alice, channel, "!ping").reply["content"] == "pong"
    result = scenario.slash(alice, "echo", options={"text": "hi"}, channel=channel)
    assert result.response_type == 4 and result.message["content"] == "hi"

Every object is created in the one world the gateway and the REST API share (the REST state),
and the matching gateway event is dispatched (GUILD_CREATE, CHANNEL_CREATE, GUILD_MEMBER_ADD,
MESSAGE_CREATE, INTERACTION_CREATE) to the shard that owns the guild, once every shard is ready.
What the bot sends back is read from the REST state: `Exchange` for a message's replies,
`InteractionResult` for an interaction's callback, response message and follow-ups.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.testing.rest_validation import modal_fields
from bot.testing.scenario_interactions import (
    Ref,
    command_data,
    find_component,
    interaction_payload,
    object_id,
    resolve,
)
from bot.testing.scenario_results import Exchange, InteractionResult
from bot.testing.scenario_world import ScenarioWorld

__all__ = ["Exchange", "InteractionResult", "Scenario"]

Json = dict[str, Any]

# https://discord.com/developers/docs/interactions/receiving-and-responding#interaction-object-interaction-type
APPLICATION_COMMAND, MESSAGE_COMPONENT, AUTOCOMPLETE, MODAL_SUBMIT = 2, 3, 4, 5
# https://discord.com/developers/docs/interactions/application-commands#application-command-object-application-command-types
CHAT_INPUT, USER_COMMAND, MESSAGE_COMMAND = 1, 2, 3
# https://discord.com/developers/docs/components/reference#component-object-component-types
BUTTON, STRING_SELECT, TEXT_INPUT = 2, 3, 4
USER_SELECT, ROLE_SELECT, MENTIONABLE_SELECT, CHANNEL_SELECT = 5, 6, 7, 8
_SELECT_TYPES = {USER_SELECT: 6, ROLE_SELECT: 8, MENTIONABLE_SELECT: 9, CHANNEL_SELECT: 7}
# https://discord.com/developers/docs/interactions/receiving-and-responding#interaction-response-object-interaction-callback-type
MODAL = 9
LABEL = 18


class Scenario(ScenarioWorld):
    """Users, guilds and channels in a running `FakeDiscord`, and what they do to the bot:
    the world and messages (`ScenarioWorld`), and commands, components and modals here.

    `timeout` is how long each step waits (for every shard to be ready before a dispatch, for
    the bot's answer when a result is read) unless the step gives its own. `shard_ids` are the
    shards to wait for when this process runs only some of them (default: all).
    """

    # -- application commands ----------------------------------------------------------------

    def slash(
        self,
        user: Ref,
        name: str,
        options: Mapping[str, Any] | None = None,
        *,
        channel: Ref | None = None,
        guild: Ref | None = None,
        subcommand: str | None = None,
        timeout: float | None = None,
    ) -> InteractionResult:
        """`user` runs slash command `/name` (INTERACTION_CREATE type 2) with `options`
        (name -> value; users, channels, roles as their objects or ids) in `channel` (else the
        guild's first text channel, else a DM with the bot). `subcommand` is `"sub"` or
        `"group sub"`. Options are typed from the command the bot registered."""
        return self._command(
            user, name, CHAT_INPUT, options or {}, channel, guild, subcommand, None, timeout
        )

    def user_command(
        self,
        user: Ref,
        name: str,
        target: Ref,
        *,
        channel: Ref | None = None,
        guild: Ref | None = None,
        timeout: float | None = None,
    ) -> InteractionResult:
        """`user` runs user command `name` on `target` (a user)."""
        with self.state.lock:
            channel_id = self._where(user, channel, guild)
            guild_id = self.state.channels[channel_id].get("guild_id")
            data = command_data(self.state, name, USER_COMMAND, {}, guild_id)
            resolved: Json = {}
            data["target_id"] = resolve(self.state, 6, target, guild_id, resolved)
            data["resolved"] = resolved
            payload = interaction_payload(
                self.state, APPLICATION_COMMAND, object_id(user), channel_id, data
            )
        return self._send(payload, timeout)

    def message_command(
        self,
        user: Ref,
        name: str,
        message: Ref,
        *,
        channel: Ref | None = None,
        timeout: float | None = None,
    ) -> InteractionResult:
        """`user` runs message command `name` on `message`."""
        with self.state.lock:
            target = self._message(message, channel)
            channel_id = str(target["channel_id"])
            guild_id = self.state.channels[channel_id].get("guild_id")
            data = command_data(self.state, name, MESSAGE_COMMAND, {}, guild_id)
            data["target_id"] = target["id"]
            data["resolved"] = {"messages": {target["id"]: dict(target)}}
            payload = interaction_payload(
                self.state, APPLICATION_COMMAND, object_id(user), channel_id, data
            )
        return self._send(payload, timeout)

    def autocomplete(
        self,
        user: Ref,
        name: str,
        options: Mapping[str, Any],
        *,
        focused: str,
        channel: Ref | None = None,
        guild: Ref | None = None,
        subcommand: str | None = None,
        timeout: float | None = None,
    ) -> list[Json]:
        """`user` types in option `focused` of `/name` (INTERACTION_CREATE type 4); returns
        the choices the bot offered (callback type 8)."""
        if focused not in options:
            raise ValueError(f"the focused option {focused!r} is not in options")
        result = self._command(
            user, name, CHAT_INPUT, options, channel, guild, subcommand, focused, timeout
        )
        return result.choices

    def _command(
        self,
        user: Ref,
        name: str,
        kind: int,
        options: Mapping[str, Any],
        channel: Ref | None,
        guild: Ref | None,
        subcommand: str | None,
        focused: str | None,
        timeout: float | None,
    ) -> InteractionResult:
        with self.state.lock:
            channel_id = self._where(user, channel, guild)
            guild_id = self.state.channels[channel_id].get("guild_id")
            data = command_data(
                self.state, name, kind, options, guild_id, subcommand=subcommand, focused=focused
            )
            interaction_type = AUTOCOMPLETE if focused is not None else APPLICATION_COMMAND
            payload = interaction_payload(
                self.state, interaction_type, object_id(user), channel_id, data
            )
        return self._send(payload, timeout)

    def _where(self, user: Ref, channel: Ref | None, guild: Ref | None) -> str:
        """The channel an interaction happens in."""
        if channel is not None:
            channel_id = object_id(channel)
            if channel_id not in self.state.channels:
                raise ValueError(f"no channel {channel_id} in the simulated Discord")
            return channel_id
        if guild is not None:
            guild_id = object_id(guild)
            for candidate in self.state.channels.values():
                if candidate.get("guild_id") == guild_id and candidate.get("type") == 0:
                    return str(candidate["id"])
            raise ValueError(f"guild {guild_id} has no text channel: pass channel=")
        return str(self.dm(user)["id"])

    def _send(self, payload: Json, timeout: float | None) -> InteractionResult:
        timeout = self.timeout if timeout is None else timeout
        result = InteractionResult(self.fake, payload, timeout)
        self._dispatch("INTERACTION_CREATE", payload, timeout)
        return result

    # -- components and modals ---------------------------------------------------------------

    def click(
        self, user: Ref, message: Ref, custom_id: str, *, timeout: float | None = None
    ) -> InteractionResult:
        """`user` clicks the button `custom_id` on `message` (INTERACTION_CREATE type 3)."""
        return self._component(user, message, custom_id, None, timeout)

    def select(
        self,
        user: Ref,
        message: Ref,
        custom_id: str,
        values: list[Any],
        *,
        timeout: float | None = None,
    ) -> InteractionResult:
        """`user` picks `values` in the select menu `custom_id` on `message` (option values for
        a string select; users, roles or channels, as objects or ids, for the others)."""
        return self._component(user, message, custom_id, list(values), timeout)

    def _component(
        self,
        user: Ref,
        message: Ref,
        custom_id: str,
        values: list[Any] | None,
        timeout: float | None,
    ) -> InteractionResult:
        with self.state.lock:
            stored = self._message(message, None)
            component = find_component(stored, custom_id)
            if component is None:
                raise ValueError(f"message {stored['id']} has no component {custom_id!r}")
            if component.get("disabled"):
                raise ValueError(f"component {custom_id!r} is disabled")
            kind = int(component["type"])
            data: Json = {"custom_id": custom_id, "component_type": kind}
            if (values is None) != (kind == BUTTON):
                verb = "click" if kind == BUTTON else "select"
                raise ValueError(f"component {custom_id!r} is type {kind}: use scenario.{verb}")
            if values is not None:
                guild_id = stored.get("guild_id")
                data["values"] = self._select_values(component, values, guild_id, data)
            payload = interaction_payload(
                self.state,
                MESSAGE_COMPONENT,
                object_id(user),
                str(stored["channel_id"]),
                data,
                message=stored,
            )
        return self._send(payload, timeout)

    def _select_values(
        self, component: Json, values: list[Any], guild_id: str | None, data: Json
    ) -> list[str]:
        """The select's answer as Discord sends it (`values`, and users, roles or channels
        added to `data["resolved"]`), refusing what Discord's client would not let a user
        pick."""
        kind = int(component["type"])
        low, high = int(component.get("min_values", 1)), int(component.get("max_values", 1))
        if not low <= len(values) <= high:
            raise ValueError(f"select {component['custom_id']!r} takes {low} to {high} values")
        if kind == STRING_SELECT:
            allowed = {str(o.get("value")) for o in component.get("options") or []}
            unknown = [v for v in values if str(v) not in allowed]
            if unknown:
                raise ValueError(f"select {component['custom_id']!r} has no options {unknown}")
            return [str(v) for v in values]
        resolved = data.setdefault("resolved", {})
        option_type = _SELECT_TYPES.get(kind, 9)
        return [str(resolve(self.state, option_type, v, guild_id, resolved)) for v in values]

    def submit_modal(
        self,
        user: Ref,
        custom_id: str,
        values: Mapping[str, Any],
        *,
        channel: Ref | None = None,
        timeout: float | None = None,
    ) -> InteractionResult:
        """`user` submits the modal `custom_id` with `values` (input custom_id -> the text of a
        text input, or the list of picks of a select; one pick may be given alone)
        (INTERACTION_CREATE type 5). The modal is the newest one the bot opened with that
        custom_id: its layout, channel and message (for a modal opened from a component) are
        used; unknown or missing required inputs and picks that are not options are refused
        as Discord's client would. As Discord sends it, a text input carries `value` and a
        select `values` (https://discord.com/developers/docs/components/reference#string-select-string-select-interaction-response-structure)."""
        with self.state.lock:
            opened = self._opened_modal(custom_id)
            if opened is not None:
                modal, record = opened
                channel_id = str(record["channel_id"])
                message_id = record.get("message_id")
                guild_id = self.state.channels[channel_id].get("guild_id")
                data: Json = {"custom_id": custom_id}
                rows = self._modal_rows(modal, values, guild_id, data)
            elif channel is not None:
                channel_id, message_id = object_id(channel), None
                # No modal to read the layout from: text is a text input, a list a string
                # select.
                rows = [
                    {"type": 1, "id": 2 * n + 1, "components": [_unknown_input(k, v, 2 * n + 2)]}
                    for n, (k, v) in enumerate(values.items())
                ]
                data = {"custom_id": custom_id}
            else:
                raise ValueError(f"the bot opened no modal {custom_id!r}: pass channel=")
            message = None
            if message_id is not None:
                message = self.state.messages[channel_id].get(message_id)
            data["components"] = rows
            if not data.get("resolved"):
                data.pop("resolved", None)
            payload = interaction_payload(
                self.state, MODAL_SUBMIT, object_id(user), channel_id, data, message=message
            )
        return self._send(payload, timeout)

    def _opened_modal(self, custom_id: str) -> tuple[Json, Json] | None:
        for record in reversed(list(self.state.interactions.values())):
            response = record.get("response")
            if (
                record.get("response_type") == MODAL
                and isinstance(response, Mapping)
                and response.get("custom_id") == custom_id
            ):
                return dict(response), record
        return None

    def _modal_rows(
        self, modal: Json, values: Mapping[str, Any], guild_id: str | None, data: Json
    ) -> list[Json]:
        rows: list[Json] = []
        known: set[str] = set()
        # Discord numbers the components the bot left without an `id` in order, from 1
        # (https://discord.com/developers/docs/components/reference#anatomy-of-a-component).
        numbers = iter(range(1, 1000))
        for row in modal.get("components") or []:
            row_id = row.get("id") or next(numbers) if isinstance(row, Mapping) else None
            for field in modal_fields(row) or []:
                field_id = str(field.get("custom_id"))
                known.add(field_id)
                if field_id not in values and field.get("required", True):
                    raise ValueError(f"the modal's input {field_id!r} is required")
                kind = int(field.get("type", TEXT_INPUT))
                submitted: Json = {"type": kind, "id": field.get("id") or next(numbers)}
                submitted["custom_id"] = field_id
                if kind == TEXT_INPUT:
                    submitted["value"] = str(values.get(field_id, ""))
                else:
                    picked = values.get(field_id, [])
                    picks = [picked] if isinstance(picked, str | int) else list(picked)
                    if field_id not in values:
                        field = {**field, "min_values": 0}
                    submitted["values"] = self._select_values(dict(field), picks, guild_id, data)
                if row.get("type") == LABEL:
                    rows.append({"type": LABEL, "id": row_id, "component": submitted})
                else:
                    rows.append({"type": 1, "id": row_id, "components": [submitted]})
        unknown = sorted(set(values) - known)
        if unknown:
            raise ValueError(f"the modal has no inputs {unknown}")
        return rows


def _unknown_input(custom_id: str, value: Any, number: int) -> Json:
    if isinstance(value, str):
        return {"type": TEXT_INPUT, "id": number, "custom_id": custom_id, "value": value}
    return {"type": STRING_SELECT, "id": number, "custom_id": custom_id, "values": list(value)}
