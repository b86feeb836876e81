"""REST endpoints for guilds, members, bans, roles and users."""

from __future__ import annotations

from typing import Any

from bot.api.bodies import Endpoints, jsonable
from bot.api.models import Ban, Channel, Guild, Member, Role, User, wrap, wrap_list
from bot.api.routes import Route

__all__ = ["GuildEndpoints", "UserEndpoints"]


class GuildEndpoints(Endpoints):
    """Guilds, their channels, members, bans and roles."""

    def get_guild(self, guild_id: int, *, with_counts: bool = False) -> Guild:
        route = Route("GET", "/guilds/{guild_id}", guild_id=guild_id)
        return wrap(Guild, self._send(route, params={"with_counts": with_counts}))

    def get_guild_channels(self, guild_id: int) -> list[Channel]:
        route = Route("GET", "/guilds/{guild_id}/channels", guild_id=guild_id)
        return wrap_list(Channel, self._send(route))

    def create_guild_channel(
        self, guild_id: int, name: str, *, type: int = 0, reason: str | None = None, **fields: Any
    ) -> Channel:
        route = Route("POST", "/guilds/{guild_id}/channels", guild_id=guild_id)
        body = {"name": name, "type": type, **jsonable(fields)}
        return wrap(Channel, self._send(route, json=body, reason=reason))

    # -- members -----------------------------------------------------------------------------

    def get_member(self, guild_id: int, user_id: int) -> Member:
        return wrap(Member, self._send(self._member_route("GET", guild_id, user_id)))

    def list_members(
        self, guild_id: int, *, limit: int = 1, after: int | None = None
    ) -> list[Member]:
        """Members by user id ascending (`limit` 1 to 1000); needs the GUILD_MEMBERS intent."""
        route = Route("GET", "/guilds/{guild_id}/members", guild_id=guild_id)
        return wrap_list(Member, self._send(route, params={"limit": limit, "after": after}))

    def modify_member(
        self, guild_id: int, user_id: int, *, reason: str | None = None, **fields: Any
    ) -> Member:
        """Changes `nick=`, `roles=`, `mute=`, `deaf=`, `communication_disabled_until=`..."""
        route = self._member_route("PATCH", guild_id, user_id)
        return wrap(Member, self._send(route, json=jsonable(fields), reason=reason))

    def add_member_role(
        self, guild_id: int, user_id: int, role_id: int, *, reason: str | None = None
    ) -> None:
        self._send(self._member_role_route("PUT", guild_id, user_id, role_id), reason=reason)

    def remove_member_role(
        self, guild_id: int, user_id: int, role_id: int, *, reason: str | None = None
    ) -> None:
        self._send(self._member_role_route("DELETE", guild_id, user_id, role_id), reason=reason)

    def kick_member(self, guild_id: int, user_id: int, *, reason: str | None = None) -> None:
        self._send(self._member_route("DELETE", guild_id, user_id), reason=reason)

    # -- bans --------------------------------------------------------------------------------

    def get_bans(
        self,
        guild_id: int,
        *,
        limit: int | None = None,
        before: int | None = None,
        after: int | None = None,
    ) -> list[Ban]:
        route = Route("GET", "/guilds/{guild_id}/bans", guild_id=guild_id)
        params = {"limit": limit, "before": before, "after": after}
        return wrap_list(Ban, self._send(route, params=params))

    def get_ban(self, guild_id: int, user_id: int) -> Ban:
        return wrap(Ban, self._send(self._ban_route("GET", guild_id, user_id)))

    def ban_member(
        self,
        guild_id: int,
        user_id: int,
        *,
        delete_message_seconds: int | None = None,
        reason: str | None = None,
    ) -> None:
        body = (
            {}
            if delete_message_seconds is None
            else {"delete_message_seconds": delete_message_seconds}
        )
        self._send(self._ban_route("PUT", guild_id, user_id), json=body, reason=reason)

    def unban_member(self, guild_id: int, user_id: int, *, reason: str | None = None) -> None:
        self._send(self._ban_route("DELETE", guild_id, user_id), reason=reason)

    # -- roles -------------------------------------------------------------------------------

    def get_roles(self, guild_id: int) -> list[Role]:
        route = Route("GET", "/guilds/{guild_id}/roles", guild_id=guild_id)
        return wrap_list(Role, self._send(route))

    def create_role(self, guild_id: int, *, reason: str | None = None, **fields: Any) -> Role:
        """Creates a role (`name=`, `permissions=`, `color=`, `hoist=`, `mentionable=`)."""
        route = Route("POST", "/guilds/{guild_id}/roles", guild_id=guild_id)
        return wrap(Role, self._send(route, json=jsonable(fields), reason=reason))

    def modify_role(
        self, guild_id: int, role_id: int, *, reason: str | None = None, **fields: Any
    ) -> Role:
        route = Route(
            "PATCH", "/guilds/{guild_id}/roles/{role_id}", guild_id=guild_id, role_id=role_id
        )
        return wrap(Role, self._send(route, json=jsonable(fields), reason=reason))

    def delete_role(self, guild_id: int, role_id: int, *, reason: str | None = None) -> None:
        route = Route(
            "DELETE", "/guilds/{guild_id}/roles/{role_id}", guild_id=guild_id, role_id=role_id
        )
        self._send(route, reason=reason)

    @staticmethod
    def _member_route(method: str, guild_id: int, user_id: int) -> Route:
        return Route(
            method, "/guilds/{guild_id}/members/{user_id}", guild_id=guild_id, user_id=user_id
        )

    @staticmethod
    def _member_role_route(method: str, guild_id: int, user_id: int, role_id: int) -> Route:
        return Route(
            method,
            "/guilds/{guild_id}/members/{user_id}/roles/{role_id}",
            guild_id=guild_id,
            user_id=user_id,
            role_id=role_id,
        )

    @staticmethod
    def _ban_route(method: str, guild_id: int, user_id: int) -> Route:
        return Route(
            method, "/guilds/{guild_id}/bans/{user_id}", guild_id=guild_id, user_id=user_id
        )


class UserEndpoints(Endpoints):
    """The bot user, other users, DM channels."""

    def get_current_user(self) -> User:
        return wrap(User, self._send(Route("GET", "/users/@me")))

    def get_user(self, user_id: int) -> User:
        return wrap(User, self._send(Route("GET", "/users/{user_id}", user_id=user_id)))

    def create_dm(self, recipient_id: int) -> Channel:
        """Opens (or returns) the DM channel with a user."""
        route = Route("POST", "/users/@me/channels")
        return wrap(Channel, self._send(route, json={"recipient_id": str(recipient_id)}))
