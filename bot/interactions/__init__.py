"""Application commands, components, modals, embeds and text commands, declared on consumers.

    from bot import Consumer
    from bot.interactions import InteractionContext, Range, slash_command, component, Button

    class Dice(Consumer):
        @slash_command(description="Roll a die")
        def roll(self, ctx: InteractionContext, sides: Annotated[int, Range(2, 100)] = 6) -> None:
            ctx.respond(f"You rolled {random.randint(1, sides)}",
                        components=[Button("Again", custom_id=f"dice:again:{sides}")])

        @component("dice:again:{sides:int}")
        def again(self, ctx: InteractionContext, sides: int) -> None:
            ctx.update_message(f"You rolled {random.randint(1, sides)}")

This package is pure (no actor, no thread): definitions, Discord's limits, builders, routing,
the command diff for sync, and the dispatcher that a `Consumer` calls for each event. The
reference of every name is docs/interactions.md; how commands get to Discord, docs/commands.md.
"""

from __future__ import annotations

from bot.interactions.commands import CommandSpec, GroupSpec, SubcommandSpec
from bot.interactions.components import (
    ActionRow,
    Button,
    ChannelSelect,
    MentionableSelect,
    RoleSelect,
    Select,
    SelectOption,
    StringSelect,
    UserSelect,
    layout,
)
from bot.interactions.context import AlreadyResponded, InteractionContext, PrefixContext
from bot.interactions.decorators import (
    Group,
    autocomplete,
    check,
    component,
    message_command,
    modal,
    prefix_command,
    slash_command,
    user_command,
)
from bot.interactions.dispatch import Dispatcher
from bot.interactions.embeds import Embed
from bot.interactions.enums import (
    ButtonStyle,
    CallbackType,
    ChannelType,
    CommandType,
    ComponentType,
    IntegrationType,
    InteractionContextType,
    InteractionType,
    MessageFlags,
    OptionType,
    Permissions,
    TextInputStyle,
)
from bot.interactions.errors import (
    CommandDefinitionError,
    InteractionsError,
    LimitError,
    OptionConversionError,
)
from bot.interactions.modals import Label, Modal, TextInput
from bot.interactions.options import Choice, Mentionable, Option, Range
from bot.interactions.registry import Registry
from bot.interactions.routing import CustomId
from bot.interactions.views import View

__all__ = [
    "ActionRow",
    "AlreadyResponded",
    "Button",
    "ButtonStyle",
    "CallbackType",
    "ChannelSelect",
    "ChannelType",
    "Choice",
    "CommandDefinitionError",
    "CommandSpec",
    "CommandType",
    "ComponentType",
    "CustomId",
    "Dispatcher",
    "Embed",
    "Group",
    "GroupSpec",
    "IntegrationType",
    "InteractionContext",
    "InteractionContextType",
    "InteractionType",
    "InteractionsError",
    "Label",
    "LimitError",
    "Mentionable",
    "MentionableSelect",
    "MessageFlags",
    "Modal",
    "Option",
    "OptionConversionError",
    "OptionType",
    "Permissions",
    "PrefixContext",
    "Range",
    "Registry",
    "RoleSelect",
    "Select",
    "SelectOption",
    "StringSelect",
    "SubcommandSpec",
    "TextInput",
    "TextInputStyle",
    "UserSelect",
    "View",
    "autocomplete",
    "check",
    "component",
    "layout",
    "message_command",
    "modal",
    "prefix_command",
    "slash_command",
    "user_command",
]
