"""The numbers of the interactions API as enums, so that user code names them instead.

Each enum cites the page of Discord's documentation (the `discord/discord-api-docs` repository)
that defines it. They are `IntEnum`/`IntFlag`, so a value compares equal to Discord's number and
serialises as one. `ChannelType` and `InteractionType` are the ones of `bot.payloads`, re-exported
(one definition each).
"""

from __future__ import annotations

import enum

from bot.payloads.channel import ChannelType
from bot.payloads.interaction import InteractionType

__all__ = [
    "ButtonStyle",
    "CallbackType",
    "ChannelType",
    "CommandType",
    "ComponentType",
    "IntegrationType",
    "InteractionContextType",
    "InteractionType",
    "MessageFlags",
    "OptionType",
    "Permissions",
    "TextInputStyle",
]


class CallbackType(enum.IntEnum):
    """How a response answers an interaction (`interactions/receiving-and-responding.mdx`,
    Interaction Callback Type)."""

    PONG = 1
    CHANNEL_MESSAGE_WITH_SOURCE = 4
    DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE = 5
    DEFERRED_UPDATE_MESSAGE = 6
    UPDATE_MESSAGE = 7
    APPLICATION_COMMAND_AUTOCOMPLETE_RESULT = 8
    MODAL = 9
    LAUNCH_ACTIVITY = 12


class CommandType(enum.IntEnum):
    """Application command types (`interactions/application-commands.mdx`, Application Command
    Types): slash commands, and the two context menus."""

    CHAT_INPUT = 1
    USER = 2
    MESSAGE = 3
    PRIMARY_ENTRY_POINT = 4


class OptionType(enum.IntEnum):
    """Application command option types (`interactions/application-commands.mdx`, Application
    Command Option Type)."""

    SUB_COMMAND = 1
    SUB_COMMAND_GROUP = 2
    STRING = 3
    INTEGER = 4
    BOOLEAN = 5
    USER = 6
    CHANNEL = 7
    ROLE = 8
    MENTIONABLE = 9
    NUMBER = 10
    ATTACHMENT = 11


class ComponentType(enum.IntEnum):
    """Component types (`components/reference.mdx`, Component Types); the interactive ones."""

    ACTION_ROW = 1
    BUTTON = 2
    STRING_SELECT = 3
    TEXT_INPUT = 4
    USER_SELECT = 5
    ROLE_SELECT = 6
    MENTIONABLE_SELECT = 7
    CHANNEL_SELECT = 8
    LABEL = 18  # modals only: a label and a description around one input or select


class ButtonStyle(enum.IntEnum):
    """Button styles (`components/reference.mdx`, Button Styles)."""

    PRIMARY = 1
    SECONDARY = 2
    SUCCESS = 3
    DANGER = 4
    LINK = 5
    PREMIUM = 6


class TextInputStyle(enum.IntEnum):
    """Text input styles (`components/reference.mdx`, Text Input Styles)."""

    SHORT = 1
    PARAGRAPH = 2


class MessageFlags(enum.IntFlag):
    """Message flags a bot sets (`resources/message.mdx`, Message Flags)."""

    NONE = 0
    CROSSPOSTED = 1 << 0
    SUPPRESS_EMBEDS = 1 << 2
    EPHEMERAL = 1 << 6
    LOADING = 1 << 7
    SUPPRESS_NOTIFICATIONS = 1 << 12
    IS_VOICE_MESSAGE = 1 << 13
    IS_COMPONENTS_V2 = 1 << 15


class InteractionContextType(enum.IntEnum):
    """Where a command can be used (`interactions/receiving-and-responding.mdx`, Interaction
    Context Types)."""

    GUILD = 0
    BOT_DM = 1
    PRIVATE_CHANNEL = 2


class IntegrationType(enum.IntEnum):
    """How an app is installed (`resources/application.mdx`, Application Integration Types)."""

    GUILD_INSTALL = 0
    USER_INSTALL = 1


class Permissions(enum.IntFlag):
    """The permission bits used most for `default_member_permissions`
    (`topics/permissions.mdx`, Bitwise Permission Flags)."""

    NONE = 0
    CREATE_INSTANT_INVITE = 1 << 0
    KICK_MEMBERS = 1 << 1
    BAN_MEMBERS = 1 << 2
    ADMINISTRATOR = 1 << 3
    MANAGE_CHANNELS = 1 << 4
    MANAGE_GUILD = 1 << 5
    ADD_REACTIONS = 1 << 6
    VIEW_AUDIT_LOG = 1 << 7
    VIEW_CHANNEL = 1 << 10
    SEND_MESSAGES = 1 << 11
    MANAGE_MESSAGES = 1 << 13
    EMBED_LINKS = 1 << 14
    ATTACH_FILES = 1 << 15
    READ_MESSAGE_HISTORY = 1 << 16
    MENTION_EVERYONE = 1 << 17
    CONNECT = 1 << 20
    SPEAK = 1 << 21
    MUTE_MEMBERS = 1 << 22
    MOVE_MEMBERS = 1 << 24
    MANAGE_NICKNAMES = 1 << 27
    MANAGE_ROLES = 1 << 28
    MANAGE_WEBHOOKS = 1 << 29
    MANAGE_THREADS = 1 << 34
    MODERATE_MEMBERS = 1 << 40
