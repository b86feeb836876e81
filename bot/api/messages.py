"""REST endpoints for messages, reactions, channels and threads."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from bot.api.bodies import UNSET, Endpoints, Unset, jsonable, message_body
from bot.api.http import File
from bot.api.models import Channel, Message, User, wrap, wrap_list
from bot.api.routes import Route

__all__ = ["ChannelEndpoints", "MessageEndpoints"]

# https://discord.com/developers/docs/resources/message#bulk-delete-messages
BULK_DELETE_MIN, BULK_DELETE_MAX = 2, 100

JSON = Mapping[str, Any]


def _emoji(emoji: str) -> str:
    # Unicode emoji as is, custom ones as name:id; the route quotes it once.
    if emoji.startswith("<") and emoji.endswith(">"):
        emoji = emoji[1:-1].removeprefix("a:").removeprefix(":")
    return emoji


class MessageEndpoints(Endpoints):
    """Messages and reactions."""

    def create_message(
        self,
        channel_id: int,
        content: str | Unset | None = UNSET,
        *,
        embeds: Sequence[JSON] | Unset = UNSET,
        components: Sequence[JSON] | Unset = UNSET,
        allowed_mentions: JSON | Unset = UNSET,
        reply_to: int | Message | None = None,
        files: Sequence[File] | None = None,
        tts: bool | Unset = UNSET,
        flags: int | Unset = UNSET,
        sticker_ids: Sequence[int] | Unset = UNSET,
        nonce: str | int | Unset = UNSET,
    ) -> Message:
        """Posts a message; `reply_to` makes it a reply, `files` upload as multipart."""
        body = message_body(
            content=content,
            embeds=embeds,
            components=components,
            allowed_mentions=allowed_mentions,
            reply_to=reply_to,
            tts=tts,
            flags=flags,
            sticker_ids=sticker_ids,
            nonce=nonce,
        )
        route = Route("POST", "/channels/{channel_id}/messages", channel_id=channel_id)
        return wrap(Message, self._send(route, json=body, files=files))

    def edit_message(
        self,
        channel_id: int,
        message_id: int,
        *,
        content: str | Unset | None = UNSET,
        embeds: Sequence[JSON] | Unset | None = UNSET,
        components: Sequence[JSON] | Unset | None = UNSET,
        allowed_mentions: JSON | Unset | None = UNSET,
        flags: int | Unset | None = UNSET,
        attachments: Sequence[JSON] | Unset | None = UNSET,
        files: Sequence[File] | None = None,
    ) -> Message:
        """Edits a message; fields left UNSET stay as they are, None clears them."""
        body = message_body(
            content=content,
            embeds=embeds,
            components=components,
            allowed_mentions=allowed_mentions,
            flags=flags,
            attachments=attachments,
        )
        route = Route(
            "PATCH",
            "/channels/{channel_id}/messages/{message_id}",
            channel_id=channel_id,
            message_id=message_id,
        )
        return wrap(Message, self._send(route, json=body, files=files))

    def delete_message(
        self, channel_id: int, message_id: int, *, reason: str | None = None
    ) -> None:
        route = Route(
            "DELETE",
            "/channels/{channel_id}/messages/{message_id}",
            channel_id=channel_id,
            message_id=message_id,
        )
        self._send(route, reason=reason)

    def bulk_delete_messages(
        self, channel_id: int, message_ids: Iterable[int], *, reason: str | None = None
    ) -> None:
        """Deletes 2 to 100 messages younger than two weeks in one request."""
        ids = [str(i) for i in message_ids]
        if not BULK_DELETE_MIN <= len(ids) <= BULK_DELETE_MAX:
            raise ValueError(f"bulk delete takes {BULK_DELETE_MIN} to {BULK_DELETE_MAX} ids")
        route = Route("POST", "/channels/{channel_id}/messages/bulk-delete", channel_id=channel_id)
        self._send(route, json={"messages": ids}, reason=reason)

    def get_message(self, channel_id: int, message_id: int) -> Message:
        route = Route(
            "GET",
            "/channels/{channel_id}/messages/{message_id}",
            channel_id=channel_id,
            message_id=message_id,
        )
        return wrap(Message, self._send(route))

    def get_messages(
        self,
        channel_id: int,
        *,
        limit: int = 50,
        before: int | None = None,
        after: int | None = None,
        around: int | None = None,
    ) -> list[Message]:
        """The channel's history, newest first (`limit` 1 to 100)."""
        route = Route("GET", "/channels/{channel_id}/messages", channel_id=channel_id)
        params = {"limit": limit, "before": before, "after": after, "around": around}
        return wrap_list(Message, self._send(route, params=params))

    def create_reaction(self, channel_id: int, message_id: int, emoji: str) -> None:
        """Reacts as the bot; `emoji` is a unicode emoji or `name:id` for a custom one."""
        self._send(self._reaction_route("PUT", channel_id, message_id, emoji, "@me"))

    def delete_own_reaction(self, channel_id: int, message_id: int, emoji: str) -> None:
        self._send(self._reaction_route("DELETE", channel_id, message_id, emoji, "@me"))

    def delete_user_reaction(
        self, channel_id: int, message_id: int, emoji: str, user_id: int
    ) -> None:
        self._send(self._reaction_route("DELETE", channel_id, message_id, emoji, str(user_id)))

    def get_reactions(
        self,
        channel_id: int,
        message_id: int,
        emoji: str,
        *,
        limit: int = 25,
        after: int | None = None,
    ) -> list[User]:
        route = Route(
            "GET",
            "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}",
            channel_id=channel_id,
            message_id=message_id,
            emoji=_emoji(emoji),
        )
        return wrap_list(User, self._send(route, params={"limit": limit, "after": after}))

    def delete_all_reactions(
        self, channel_id: int, message_id: int, emoji: str | None = None
    ) -> None:
        """Removes every reaction, or every reaction with `emoji`."""
        if emoji is None:
            route = Route(
                "DELETE",
                "/channels/{channel_id}/messages/{message_id}/reactions",
                channel_id=channel_id,
                message_id=message_id,
            )
        else:
            route = Route(
                "DELETE",
                "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}",
                channel_id=channel_id,
                message_id=message_id,
                emoji=_emoji(emoji),
            )
        self._send(route)

    @staticmethod
    def _reaction_route(
        method: str, channel_id: int, message_id: int, emoji: str, user: str
    ) -> Route:
        return Route(
            method,
            "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/{user}",
            channel_id=channel_id,
            message_id=message_id,
            emoji=_emoji(emoji),
            user=user,
        )


class ChannelEndpoints(Endpoints):
    """Channels and threads."""

    def get_channel(self, channel_id: int) -> Channel:
        return wrap(
            Channel, self._send(Route("GET", "/channels/{channel_id}", channel_id=channel_id))
        )

    def modify_channel(
        self, channel_id: int, *, reason: str | None = None, **fields: Any
    ) -> Channel:
        """Changes channel fields (`name=`, `topic=`, `rate_limit_per_user=`, ...)."""
        route = Route("PATCH", "/channels/{channel_id}", channel_id=channel_id)
        return wrap(Channel, self._send(route, json=jsonable(fields), reason=reason))

    def delete_channel(self, channel_id: int, *, reason: str | None = None) -> Channel:
        """Deletes a channel (or closes a DM); returns it as it was."""
        route = Route("DELETE", "/channels/{channel_id}", channel_id=channel_id)
        return wrap(Channel, self._send(route, reason=reason))

    def trigger_typing(self, channel_id: int) -> None:
        self._send(Route("POST", "/channels/{channel_id}/typing", channel_id=channel_id))

    def start_thread_from_message(
        self,
        channel_id: int,
        message_id: int,
        name: str,
        *,
        auto_archive_duration: int | Unset = UNSET,
        rate_limit_per_user: int | Unset = UNSET,
        reason: str | None = None,
    ) -> Channel:
        route = Route(
            "POST",
            "/channels/{channel_id}/messages/{message_id}/threads",
            channel_id=channel_id,
            message_id=message_id,
        )
        body = message_body(
            name=name,
            auto_archive_duration=auto_archive_duration,
            rate_limit_per_user=rate_limit_per_user,
        )
        return wrap(Channel, self._send(route, json=body, reason=reason))

    def start_thread(
        self,
        channel_id: int,
        name: str,
        *,
        type: int = 11,
        auto_archive_duration: int | Unset = UNSET,
        invitable: bool | Unset = UNSET,
        reason: str | None = None,
    ) -> Channel:
        """Starts a thread without a message (type 11 public, 12 private)."""
        route = Route("POST", "/channels/{channel_id}/threads", channel_id=channel_id)
        body = message_body(
            name=name, type=type, auto_archive_duration=auto_archive_duration, invitable=invitable
        )
        return wrap(Channel, self._send(route, json=body, reason=reason))

    def join_thread(self, channel_id: int) -> None:
        self._thread_member("PUT", channel_id, "@me")

    def leave_thread(self, channel_id: int) -> None:
        self._thread_member("DELETE", channel_id, "@me")

    def add_thread_member(self, channel_id: int, user_id: int) -> None:
        self._thread_member("PUT", channel_id, str(user_id))

    def remove_thread_member(self, channel_id: int, user_id: int) -> None:
        self._thread_member("DELETE", channel_id, str(user_id))

    def get_active_threads(self, guild_id: int) -> list[Channel]:
        """The guild's active threads."""
        route = Route("GET", "/guilds/{guild_id}/threads/active", guild_id=guild_id)
        body = self._send(route) or {}
        return wrap_list(Channel, body.get("threads"))

    def _thread_member(self, method: str, channel_id: int, user: str) -> None:
        route = Route(
            method,
            "/channels/{channel_id}/thread-members/{user}",
            channel_id=channel_id,
            user=user,
        )
        self._send(route)
