"""The decorators that declare, on a consumer's methods, what the consumer answers.

    class Dice(Consumer):
        @slash_command(description="Roll a die")
        def roll(self, ctx: InteractionContext, sides: Annotated[int, Range(2, 100)] = 6): ...

        tag = Group("tag", "Saved texts")

        @tag.command(name="show", description="Show a tag")
        def tag_show(self, ctx: InteractionContext, name: str): ...

        @autocomplete("tag show", "name")
        def tag_names(self, ctx: InteractionContext, value: str) -> list[str]: ...

        @user_command("Profile")
        def profile(self, ctx: InteractionContext, user: User): ...

        @component("dice:again:{sides:int}")
        def again(self, ctx: InteractionContext, sides: int): ...

        @modal("feedback")
        def feedback(self, ctx: InteractionContext): ...     # ctx.fields: {custom_id: value}

Each decorator only marks the function (`__shardline__`) and returns it unchanged, so the
method stays callable as written. `bot.interactions.registry` reads the marks when the class is
defined and checks Discord's limits then.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from bot.interactions.enums import CommandType, IntegrationType, InteractionContextType
from bot.interactions.errors import CommandDefinitionError
from bot.interactions.routing import CustomId

__all__ = [
    "CHECKS",
    "MARK",
    "Check",
    "Group",
    "Mark",
    "autocomplete",
    "check",
    "component",
    "message_command",
    "modal",
    "prefix_command",
    "slash_command",
    "user_command",
]

F = TypeVar("F", bound=Callable[..., Any])
MARK = "__shardline__"
"""The attribute a decorator sets on the function it marks."""


@dataclass(frozen=True, slots=True)
class CommandOptions:
    """Settings of a top-level command (permissions, where it may be used, NSFW, names)."""

    default_member_permissions: int | None = None
    contexts: tuple[InteractionContextType, ...] | None = None
    integration_types: tuple[IntegrationType, ...] | None = None
    nsfw: bool = False
    name_localizations: Mapping[str, str] | None = None
    description_localizations: Mapping[str, str] | None = None


@dataclass(frozen=True, slots=True)
class Mark:
    """What one decorator declared about a method."""

    kind: str  # "command", "autocomplete", "component", "modal", "prefix"
    name: str = ""
    command_type: CommandType = CommandType.CHAT_INPUT
    description: str | None = None
    group: Group | None = None
    settings: CommandOptions = field(default_factory=CommandOptions)
    option: str = ""  # autocomplete: the option's name
    pattern: CustomId | None = None
    aliases: tuple[str, ...] = ()
    auto_defer: bool = False  # defer automatically when no answer came by AUTO_DEFER_AFTER


def _mark(func: F, mark: Mark) -> F:
    if hasattr(func, MARK):
        raise CommandDefinitionError(f"{func.__qualname__} is already declared as a handler")
    setattr(func, MARK, mark)
    return func


def _contexts(
    guild_only: bool, contexts: Sequence[InteractionContextType] | None
) -> tuple[InteractionContextType, ...] | None:
    if guild_only and contexts is not None:
        raise CommandDefinitionError("give guild_only or contexts, not both")
    if guild_only:
        return (InteractionContextType.GUILD,)
    return tuple(InteractionContextType(c) for c in contexts) if contexts is not None else None


def _settings(
    default_member_permissions: int | None,
    guild_only: bool,
    contexts: Sequence[InteractionContextType] | None,
    integration_types: Sequence[IntegrationType] | None,
    nsfw: bool,
    name_localizations: Mapping[str, str] | None,
    description_localizations: Mapping[str, str] | None,
) -> CommandOptions:
    return CommandOptions(
        default_member_permissions=(
            int(default_member_permissions) if default_member_permissions is not None else None
        ),
        contexts=_contexts(guild_only, contexts),
        integration_types=(
            tuple(IntegrationType(i) for i in integration_types)
            if integration_types is not None
            else None
        ),
        nsfw=nsfw,
        name_localizations=name_localizations,
        description_localizations=description_localizations,
    )


def slash_command(
    name: str | None = None,
    *,
    description: str | None = None,
    default_member_permissions: int | None = None,
    guild_only: bool = False,
    contexts: Sequence[InteractionContextType] | None = None,
    integration_types: Sequence[IntegrationType] | None = None,
    nsfw: bool = False,
    name_localizations: Mapping[str, str] | None = None,
    description_localizations: Mapping[str, str] | None = None,
    auto_defer: bool = False,
) -> Callable[[F], F]:
    """Declares a slash command answered by this method; options come from its parameters.

    `name` defaults to the method's name, `description` to its docstring's first line.
    `default_member_permissions` (a `Permissions` value) hides it from members without them;
    `guild_only` (or `contexts`) says where it may be used. `auto_defer`: when the handler has
    not answered 2.5 s after the interaction came, defer for it (see `bot.interactions.deadline`).
    """
    settings = _settings(
        default_member_permissions,
        guild_only,
        contexts,
        integration_types,
        nsfw,
        name_localizations,
        description_localizations,
    )

    def decorate(func: F) -> F:
        return _mark(
            func,
            Mark(
                "command",
                name or func.__name__,
                description=description,
                settings=settings,
                auto_defer=auto_defer,
            ),
        )

    return decorate


def _context_menu(command_type: CommandType) -> Callable[..., Callable[[F], F]]:
    def declare(
        name: str,
        *,
        default_member_permissions: int | None = None,
        guild_only: bool = False,
        contexts: Sequence[InteractionContextType] | None = None,
        integration_types: Sequence[IntegrationType] | None = None,
        nsfw: bool = False,
        name_localizations: Mapping[str, str] | None = None,
        auto_defer: bool = False,
    ) -> Callable[[F], F]:
        settings = _settings(
            default_member_permissions,
            guild_only,
            contexts,
            integration_types,
            nsfw,
            name_localizations,
            None,
        )

        def decorate(func: F) -> F:
            mark = Mark(
                "command",
                name,
                command_type=command_type,
                settings=settings,
                auto_defer=auto_defer,
            )
            return _mark(func, mark)

        return decorate

    return declare


user_command = _context_menu(CommandType.USER)
"""`@user_command("Name")`: a context-menu command on users; the method gets `(ctx, user)`."""
message_command = _context_menu(CommandType.MESSAGE)
"""`@message_command("Name")`: a context-menu command on messages; gets `(ctx, message)`."""


class Group:
    """A slash command with subcommands (and at most one level of subcommand groups)."""

    def __init__(
        self,
        name: str,
        description: str,
        *,
        default_member_permissions: int | None = None,
        guild_only: bool = False,
        contexts: Sequence[InteractionContextType] | None = None,
        integration_types: Sequence[IntegrationType] | None = None,
        nsfw: bool = False,
        name_localizations: Mapping[str, str] | None = None,
        description_localizations: Mapping[str, str] | None = None,
        parent: Group | None = None,
    ) -> None:
        if parent is not None and parent.parent is not None:
            raise CommandDefinitionError(
                f"/{parent.path_text} {name}: groups nest one level only (Discord's rule)"
            )
        self.name = name
        self.description = description
        self.parent: Group | None = parent
        self.settings = _settings(
            default_member_permissions,
            guild_only,
            contexts,
            integration_types,
            nsfw,
            name_localizations,
            description_localizations,
        )

    @property
    def path(self) -> tuple[str, ...]:
        return (*self.parent.path, self.name) if self.parent is not None else (self.name,)

    @property
    def path_text(self) -> str:
        return " ".join(self.path)

    @property
    def root(self) -> Group:
        return self.parent.root if self.parent is not None else self

    def group(
        self,
        name: str,
        description: str,
        *,
        name_localizations: Mapping[str, str] | None = None,
        description_localizations: Mapping[str, str] | None = None,
    ) -> Group:
        """A subcommand group inside this command: `/tag admin ...`."""
        return Group(
            name,
            description,
            parent=self,
            name_localizations=name_localizations,
            description_localizations=description_localizations,
        )

    def command(
        self,
        name: str | None = None,
        *,
        description: str | None = None,
        name_localizations: Mapping[str, str] | None = None,
        description_localizations: Mapping[str, str] | None = None,
        auto_defer: bool = False,
    ) -> Callable[[F], F]:
        """Declares a subcommand of this group answered by the method."""
        settings = CommandOptions(
            name_localizations=name_localizations,
            description_localizations=description_localizations,
        )

        def decorate(func: F) -> F:
            mark = Mark(
                "command",
                name or func.__name__,
                description=description,
                group=self,
                settings=settings,
                auto_defer=auto_defer,
            )
            return _mark(func, mark)

        return decorate

    def __repr__(self) -> str:
        return f"Group(/{self.path_text})"


def autocomplete(command: str, option: str) -> Callable[[F], F]:
    """Suggests values for `option` of `command` ("roll", or "tag show" for a subcommand).

    The method gets `(ctx, value)` (what the user typed so far) and returns up to 25 choices:
    `Choice`s, or plain values (shown as they are).
    """

    def decorate(func: F) -> F:
        return _mark(func, Mark("autocomplete", command.strip(), option=option))

    return decorate


def component(custom_id: str, *, auto_defer: bool = False) -> Callable[[F], F]:
    """Answers clicks and selections whose custom_id matches (`bot.interactions.routing`);
    the pattern's parameters are passed as keyword arguments."""
    pattern = CustomId(custom_id)

    def decorate(func: F) -> F:
        return _mark(func, Mark("component", custom_id, pattern=pattern, auto_defer=auto_defer))

    return decorate


def modal(custom_id: str, *, auto_defer: bool = False) -> Callable[[F], F]:
    """Answers submits of modals whose custom_id matches; `ctx.fields` holds the values."""
    pattern = CustomId(custom_id)

    def decorate(func: F) -> F:
        return _mark(func, Mark("modal", custom_id, pattern=pattern, auto_defer=auto_defer))

    return decorate


def prefix_command(name: str | None = None, *, aliases: Sequence[str] = ()) -> Callable[[F], F]:
    """A text command (`!name args`) read from messages; see `bot.interactions.prefix`."""

    def decorate(func: F) -> F:
        return _mark(func, Mark("prefix", name or func.__name__, aliases=tuple(aliases)))

    return decorate


CHECKS = "__shardline_checks__"
"""The attribute listing a handler's checks, outermost first."""


@dataclass(frozen=True, slots=True)
class Check:
    """A condition a handler's interaction must meet, and the ephemeral refusal otherwise."""

    predicate: Callable[[Any], bool]
    message: str


def check(
    predicate: Callable[[Any], bool], message: str = "You cannot use this."
) -> Callable[[F], F]:
    """Runs `predicate(ctx)` before the handler; when false the user gets `message` ephemerally.

    Stack it above or below the command's decorator; several checks all have to pass.
    """

    def decorate(func: F) -> F:
        setattr(func, CHECKS, (Check(predicate, message), *getattr(func, CHECKS, ())))
        return func

    return decorate
