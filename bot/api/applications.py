"""REST endpoints for interactions, application commands, webhooks and the gateway."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from bot.api.bodies import UNSET, Endpoints, Unset, jsonable, message_body
from bot.api.http import File
from bot.api.models import ApplicationCommand, GatewayBot, Message, wrap, wrap_list
from bot.api.routes import Route

__all__ = ["ApplicationEndpoints"]

JSON = Mapping[str, Any]

# Interaction responses and follow-ups are not bound by the global limit.
# https://discord.com/developers/docs/interactions/receiving-and-responding#endpoints
_INTERACTION = {"global_limited": False}


class ApplicationEndpoints(Endpoints):
    """Interactions, application commands, webhooks, gateway."""

    # -- interactions ------------------------------------------------------------------------

    def create_interaction_response(
        self,
        interaction_id: int,
        interaction_token: str,
        type: int,
        data: JSON | None = None,
        *,
        files: Sequence[File] | None = None,
    ) -> None:
        """Answers an interaction (type 4 message, 5 deferred, 6 deferred update, 7 update...)."""
        route = Route(
            "POST",
            "/interactions/{interaction_id}/{interaction_token}/callback",
            interaction_id=interaction_id,
            interaction_token=interaction_token,
            **_INTERACTION,
        )
        body: dict[str, Any] = {"type": type}
        if data is not None:
            body["data"] = jsonable(data)
        self._send(route, json=body, files=files)

    def get_original_response(self, application_id: int, interaction_token: str) -> Message:
        return wrap(Message, self._send(self._original(application_id, interaction_token, "GET")))

    def edit_original_response(
        self,
        application_id: int,
        interaction_token: str,
        *,
        content: str | Unset | None = UNSET,
        embeds: Sequence[JSON] | Unset | None = UNSET,
        components: Sequence[JSON] | Unset | None = UNSET,
        allowed_mentions: JSON | Unset | None = UNSET,
        files: Sequence[File] | None = None,
    ) -> Message:
        body = message_body(
            content=content, embeds=embeds, components=components, allowed_mentions=allowed_mentions
        )
        route = self._original(application_id, interaction_token, "PATCH")
        return wrap(Message, self._send(route, json=body, files=files))

    def delete_original_response(self, application_id: int, interaction_token: str) -> None:
        self._send(self._original(application_id, interaction_token, "DELETE"))

    def create_followup(
        self,
        application_id: int,
        interaction_token: str,
        content: str | Unset | None = UNSET,
        *,
        embeds: Sequence[JSON] | Unset = UNSET,
        components: Sequence[JSON] | Unset = UNSET,
        allowed_mentions: JSON | Unset = UNSET,
        flags: int | Unset = UNSET,
        files: Sequence[File] | None = None,
    ) -> Message:
        """Sends a follow-up message (flags=64 for an ephemeral one)."""
        body = message_body(
            content=content,
            embeds=embeds,
            components=components,
            allowed_mentions=allowed_mentions,
            flags=flags,
        )
        route = Route(
            "POST",
            "/webhooks/{webhook_id}/{webhook_token}",
            webhook_id=application_id,
            webhook_token=interaction_token,
            **_INTERACTION,
        )
        return wrap(Message, self._send(route, json=body, params={"wait": True}, files=files))

    def edit_followup(
        self,
        application_id: int,
        interaction_token: str,
        message_id: int,
        *,
        content: str | Unset | None = UNSET,
        embeds: Sequence[JSON] | Unset | None = UNSET,
        components: Sequence[JSON] | Unset | None = UNSET,
    ) -> Message:
        body = message_body(content=content, embeds=embeds, components=components)
        route = self._webhook_message("PATCH", application_id, interaction_token, message_id)
        return wrap(Message, self._send(route, json=body))

    def delete_followup(self, application_id: int, interaction_token: str, message_id: int) -> None:
        self._send(self._webhook_message("DELETE", application_id, interaction_token, message_id))

    # -- application commands ----------------------------------------------------------------

    def get_global_commands(self, application_id: int) -> list[ApplicationCommand]:
        return wrap_list(ApplicationCommand, self._send(self._commands("GET", application_id)))

    def create_global_command(self, application_id: int, command: JSON) -> ApplicationCommand:
        route = self._commands("POST", application_id)
        return wrap(ApplicationCommand, self._send(route, json=jsonable(command)))

    def bulk_overwrite_global_commands(
        self, application_id: int, commands: Sequence[JSON]
    ) -> list[ApplicationCommand]:
        route = self._commands("PUT", application_id)
        return wrap_list(ApplicationCommand, self._send(route, json=jsonable(commands)))

    def delete_global_command(self, application_id: int, command_id: int) -> None:
        route = Route(
            "DELETE",
            "/applications/{application_id}/commands/{command_id}",
            application_id=application_id,
            command_id=command_id,
        )
        self._send(route)

    def get_guild_commands(self, application_id: int, guild_id: int) -> list[ApplicationCommand]:
        route = self._commands("GET", application_id, guild_id)
        return wrap_list(ApplicationCommand, self._send(route))

    def create_guild_command(
        self, application_id: int, guild_id: int, command: JSON
    ) -> ApplicationCommand:
        route = self._commands("POST", application_id, guild_id)
        return wrap(ApplicationCommand, self._send(route, json=jsonable(command)))

    def bulk_overwrite_guild_commands(
        self, application_id: int, guild_id: int, commands: Sequence[JSON]
    ) -> list[ApplicationCommand]:
        route = self._commands("PUT", application_id, guild_id)
        return wrap_list(ApplicationCommand, self._send(route, json=jsonable(commands)))

    def delete_guild_command(self, application_id: int, guild_id: int, command_id: int) -> None:
        route = Route(
            "DELETE",
            "/applications/{application_id}/guilds/{guild_id}/commands/{command_id}",
            application_id=application_id,
            guild_id=guild_id,
            command_id=command_id,
        )
        self._send(route)

    # -- webhooks and gateway ----------------------------------------------------------------

    def execute_webhook(
        self,
        webhook_id: int,
        webhook_token: str,
        content: str | Unset | None = UNSET,
        *,
        username: str | Unset = UNSET,
        avatar_url: str | Unset = UNSET,
        embeds: Sequence[JSON] | Unset = UNSET,
        components: Sequence[JSON] | Unset = UNSET,
        allowed_mentions: JSON | Unset = UNSET,
        files: Sequence[File] | None = None,
        wait: bool = True,
        thread_id: int | None = None,
    ) -> Message | None:
        """Posts through a webhook; with `wait` the created message comes back."""
        body = message_body(
            content=content,
            username=username,
            avatar_url=avatar_url,
            embeds=embeds,
            components=components,
            allowed_mentions=allowed_mentions,
        )
        route = Route(
            "POST",
            "/webhooks/{webhook_id}/{webhook_token}",
            webhook_id=webhook_id,
            webhook_token=webhook_token,
        )
        params = {"wait": wait, "thread_id": thread_id}
        data = self._send(route, json=body, params=params, files=files)
        return wrap(Message, data) if wait and data is not None else None

    def get_gateway(self) -> str:
        """The gateway URL (no authentication needed, but the client sends it anyway)."""
        return str(self._send(Route("GET", "/gateway"))["url"])

    def get_gateway_bot(self) -> GatewayBot:
        """The gateway URL, recommended shard count and session start limit."""
        return wrap(GatewayBot, self._send(Route("GET", "/gateway/bot")))

    # -- routes ------------------------------------------------------------------------------

    @staticmethod
    def _original(application_id: int, interaction_token: str, method: str) -> Route:
        return Route(
            method,
            "/webhooks/{webhook_id}/{webhook_token}/messages/@original",
            webhook_id=application_id,
            webhook_token=interaction_token,
            **_INTERACTION,
        )

    @staticmethod
    def _webhook_message(method: str, webhook_id: int, token: str, message_id: int) -> Route:
        return Route(
            method,
            "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}",
            webhook_id=webhook_id,
            webhook_token=token,
            message_id=message_id,
            **_INTERACTION,
        )

    @staticmethod
    def _commands(method: str, application_id: int, guild_id: int | None = None) -> Route:
        if guild_id is None:
            return Route(
                method, "/applications/{application_id}/commands", application_id=application_id
            )
        return Route(
            method,
            "/applications/{application_id}/guilds/{guild_id}/commands",
            application_id=application_id,
            guild_id=guild_id,
        )
