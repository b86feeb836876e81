"""Messages (`developers/resources/message.mdx`) as MESSAGE_CREATE/UPDATE deliver them."""

from __future__ import annotations

from typing import Any

from bot.payloads.base import (
    Bool,
    Field,
    Int,
    IntOrStr,
    Nested,
    NestedList,
    OptionalSnowflake,
    Payload,
    Snowflake,
    SnowflakeList,
    Timestamp,
)
from bot.payloads.channel import Channel
from bot.payloads.user import Member, User

__all__ = ["Attachment", "Message", "MessageReference"]


class Attachment(Payload):
    """A file attached to a message."""

    __slots__ = ()

    id = Snowflake()
    filename = Field[str](default="")
    title = Field[str | None]()
    description = Field[str | None]()
    content_type = Field[str | None]()
    size = Int()
    url = Field[str](default="")
    proxy_url = Field[str](default="")
    height = Field[int | None]()
    width = Field[int | None]()
    ephemeral = Bool()
    flags = Int()


class MessageReference(Payload):
    """What a reply, crosspost or forward points to."""

    __slots__ = ()

    type = Int()
    message_id = OptionalSnowflake()
    channel_id = OptionalSnowflake()
    guild_id = OptionalSnowflake()
    fail_if_not_exists = Bool(default=True)


class Message(Payload):
    """A message. Without MESSAGE_CONTENT, `content`, `embeds`, `attachments`, `components`
    and `poll` arrive empty (`gateway.mdx`, Message Content Intent)."""

    __slots__ = ()

    id = Snowflake()
    channel_id = Snowflake()
    guild_id = OptionalSnowflake()
    author = Nested(User)
    member = Nested(Member)
    content = Field[str](default="")
    timestamp = Timestamp()
    edited_timestamp = Timestamp()
    tts = Bool()
    mention_everyone = Bool()
    mentions = NestedList(User)
    mention_roles = SnowflakeList()
    mention_channels = Field[list[dict[str, Any]]](default=())
    attachments = NestedList(Attachment)
    embeds = Field[list[dict[str, Any]]](default=())
    reactions = Field[list[dict[str, Any]]](default=())
    nonce = IntOrStr()
    pinned = Bool()
    webhook_id = OptionalSnowflake()
    type = Int()
    activity = Field[dict[str, Any] | None]()
    application = Field[dict[str, Any] | None]()
    application_id = OptionalSnowflake()
    flags = Int()
    message_reference = Nested(MessageReference)
    referenced_message = Nested(lambda raw: Message(raw))
    interaction_metadata = Field[dict[str, Any] | None]()
    thread = Nested(Channel)
    components = Field[list[dict[str, Any]]](default=())
    sticker_items = Field[list[dict[str, Any]]](default=())
    position = Field[int | None]()
    poll = Field[dict[str, Any] | None]()
    channel_type = Field[int | None]()

    @property
    def jump_url(self) -> str:
        """The link that opens this message in a client."""
        guild = self.guild_id if self.guild_id is not None else "@me"
        return f"https://discord.com/channels/{guild}/{self.channel_id}/{self.id}"
