"""What a consumer class answers, read from its decorated methods when the class is defined.

`Registry.of(cls)` collects the marks of `bot.interactions.decorators`, builds each command's
definition from the handler's signature, checks Discord's limits (a `LimitError` or
`CommandDefinitionError` names the command and option at fault) and keeps the routes the
dispatcher looks up: commands by (type, path), autocompletes by (path, option), components and
modals by custom_id pattern, text commands by name.
"""

from __future__ import annotations

import dataclasses
import inspect
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.interactions.commands import CommandSpec, GroupSpec, SubcommandSpec, check_command_counts
from bot.interactions.decorators import MARK, Group, Mark
from bot.interactions.enums import CommandType, OptionType
from bot.interactions.errors import CommandDefinitionError
from bot.interactions.options import OptionSpec, option_from_parameter
from bot.interactions.prefix import PrefixCommand, prefix_command_of
from bot.interactions.routing import CustomId

__all__ = ["CommandRoute", "Registry", "annotations_of", "handler_parameters"]

AUTOCOMPLETE_TYPES = frozenset({OptionType.STRING, OptionType.INTEGER, OptionType.NUMBER})


@dataclass(frozen=True, slots=True)
class CommandRoute:
    """Where an invoked command goes: the method's name and the options it takes."""

    handler: str
    options: tuple[OptionSpec, ...] = ()


@dataclass(frozen=True)
class Registry:
    """The commands, routes and text commands of one consumer class."""

    commands: tuple[CommandSpec, ...] = ()
    routes: Mapping[tuple[CommandType, tuple[str, ...]], CommandRoute] = field(default_factory=dict)
    autocompletes: Mapping[tuple[tuple[str, ...], str], str] = field(default_factory=dict)
    components: tuple[tuple[CustomId, str], ...] = ()
    modals: tuple[tuple[CustomId, str], ...] = ()
    prefix_commands: Mapping[str, PrefixCommand] = field(default_factory=dict)

    @property
    def handles_interactions(self) -> bool:
        return bool(self.routes or self.components or self.modals)

    @classmethod
    def of(cls, consumer: type) -> Registry:
        """Reads `consumer`'s marked methods (its bases' too) and checks them."""
        marked: dict[str, tuple[Callable[..., Any], Mark]] = {}
        for klass in reversed(consumer.__mro__):
            for attribute, value in vars(klass).items():
                mark = getattr(value, MARK, None)
                if isinstance(mark, Mark):
                    marked[attribute] = (value, mark)
                elif attribute in marked:
                    del marked[attribute]  # overridden by an undecorated method
        return _build(consumer.__qualname__, marked)

    def find_component(
        self, custom_id: str, *, modal: bool = False
    ) -> tuple[str, dict[str, Any]] | None:
        """The handler and parameters for a custom_id: exact ids first, then patterns in order."""
        table = self.modals if modal else self.components
        for pattern, handler in sorted(table, key=lambda item: not item[0].is_exact):
            params = pattern.match(custom_id)
            if params is not None:
                return handler, params
        return None


def annotations_of(func: Callable[..., Any]) -> dict[str, Any]:
    """The function's annotations, strings evaluated one by one in its module (so an annotation
    that names a type imported only for type checking fails only if it is an option's)."""
    raw = inspect.get_annotations(func)
    namespace = {**vars(typing), **getattr(func, "__globals__", {})}
    hints: dict[str, Any] = {}
    for name, value in raw.items():
        if isinstance(value, str):
            try:
                value = eval(value, namespace)
            except Exception:
                value = _Unresolved(value)
        hints[name] = value
    return hints


@dataclass(frozen=True, slots=True)
class _Unresolved:
    text: str


def handler_parameters(func: Callable[..., Any], where: str, fixed: int) -> list[inspect.Parameter]:
    """The parameters after `self` and the `fixed` ones (ctx, target); no *args or **kwargs."""
    parameters = list(inspect.signature(func).parameters.values())
    if len(parameters) < 1 + fixed:
        names = "(self, ctx)" if fixed == 1 else "(self, ctx, target)"
        raise CommandDefinitionError(f"{where}: the handler must take {names}")
    rest = parameters[1 + fixed :]
    for parameter in rest:
        if parameter.kind in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD):
            raise CommandDefinitionError(f"{where}: *args and **kwargs cannot be options")
    return rest


def _options(func: Callable[..., Any], where: str) -> tuple[OptionSpec, ...]:
    hints = annotations_of(func)
    options = []
    for parameter in handler_parameters(func, where, 1):
        hint = hints.get(parameter.name, str)
        if isinstance(hint, _Unresolved):
            raise CommandDefinitionError(
                f"{where} option {parameter.name}: cannot resolve annotation {hint.text!r}"
            )
        options.append(option_from_parameter(parameter, hint, f"{where} option {parameter.name}"))
    return tuple(options)


def _description(mark: Mark, func: Callable[..., Any]) -> str:
    if mark.description:
        return mark.description
    doc = inspect.getdoc(func)
    return doc.strip().splitlines()[0] if doc else mark.name


@dataclass
class _Tree:
    """A top-level group being assembled: its direct subcommands and its subgroups."""

    group: Group
    subcommands: list[SubcommandSpec] = field(default_factory=list)
    groups: dict[str, tuple[Group, list[SubcommandSpec]]] = field(default_factory=dict)


def _build(owner: str, marked: Mapping[str, tuple[Callable[..., Any], Mark]]) -> Registry:
    commands: list[CommandSpec] = []
    routes: dict[tuple[CommandType, tuple[str, ...]], CommandRoute] = {}
    trees: dict[int, _Tree] = {}
    completes: list[tuple[str, Mark]] = []
    components: list[tuple[CustomId, str]] = []
    modals: list[tuple[CustomId, str]] = []
    prefix: dict[str, PrefixCommand] = {}
    for attribute, (func, mark) in marked.items():
        if mark.kind == "command" and mark.group is not None:
            path = (*mark.group.path, mark.name)
            where = "/" + " ".join(path)
            options = _options(func, where)
            sub = SubcommandSpec(
                mark.name,
                _description(mark, func),
                options,
                attribute,
                mark.settings.name_localizations,
                mark.settings.description_localizations,
            )
            tree = trees.setdefault(id(mark.group.root), _Tree(mark.group.root))
            if mark.group.parent is None:
                tree.subcommands.append(sub)
            else:
                tree.groups.setdefault(mark.group.name, (mark.group, []))[1].append(sub)
            routes[(CommandType.CHAT_INPUT, path)] = CommandRoute(attribute, options)
        elif mark.kind == "command":
            top = _top_level(attribute, func, mark)
            commands.append(top)
            routes[(top.type, (top.name,))] = CommandRoute(attribute, top.options)
        elif mark.kind == "autocomplete":
            completes.append((attribute, mark))
        elif mark.kind == "component" and mark.pattern is not None:
            components.append((mark.pattern, attribute))
        elif mark.kind == "modal" and mark.pattern is not None:
            modals.append((mark.pattern, attribute))
        elif mark.kind == "prefix":
            text_command = prefix_command_of(func, attribute, mark.name, mark.aliases)
            for name in (mark.name, *mark.aliases):
                if name in prefix:
                    raise CommandDefinitionError(f"{owner}: text command {name!r} declared twice")
                prefix[name] = text_command
    commands.extend(_group_command(tree) for tree in trees.values())
    commands, autocompletes = _with_autocomplete(commands, routes, completes)
    for command in commands:
        command.check()
    check_command_counts(commands, owner)
    return Registry(
        tuple(commands), routes, autocompletes, tuple(components), tuple(modals), prefix
    )


def _top_level(attribute: str, func: Callable[..., Any], mark: Mark) -> CommandSpec:
    s = mark.settings
    common: dict[str, Any] = {
        "default_member_permissions": s.default_member_permissions,
        "contexts": s.contexts,
        "integration_types": s.integration_types,
        "nsfw": s.nsfw,
        "name_localizations": s.name_localizations,
        "description_localizations": s.description_localizations,
    }
    if mark.command_type is CommandType.CHAT_INPUT:
        where = f"/{mark.name}"
        return CommandSpec(
            mark.name,
            CommandType.CHAT_INPUT,
            _description(mark, func),
            options=_options(func, where),
            handler=attribute,
            **common,
        )
    where = f"{mark.command_type.name.lower()} command {mark.name!r}"
    if handler_parameters(func, where, 2):
        raise CommandDefinitionError(f"{where}: a context-menu handler takes (self, ctx, target)")
    return CommandSpec(mark.name, mark.command_type, handler=attribute, **common)


def _group_command(tree: _Tree) -> CommandSpec:
    group, s = tree.group, tree.group.settings
    children: list[SubcommandSpec | GroupSpec] = list(tree.subcommands)
    for sub_group, subs in tree.groups.values():
        children.append(
            GroupSpec(
                sub_group.name,
                sub_group.description,
                tuple(subs),
                sub_group.settings.name_localizations,
                sub_group.settings.description_localizations,
            )
        )
    return CommandSpec(
        group.name,
        CommandType.CHAT_INPUT,
        group.description,
        children=tuple(children),
        default_member_permissions=s.default_member_permissions,
        contexts=s.contexts,
        integration_types=s.integration_types,
        nsfw=s.nsfw,
        name_localizations=s.name_localizations,
        description_localizations=s.description_localizations,
    )


def _with_autocomplete(
    commands: list[CommandSpec],
    routes: dict[tuple[CommandType, tuple[str, ...]], CommandRoute],
    completes: list[tuple[str, Mark]],
) -> tuple[list[CommandSpec], dict[tuple[tuple[str, ...], str], str]]:
    """Sets `autocomplete` on each option that has a callback (and checks it may have one)."""
    wanted: dict[tuple[tuple[str, ...], str], str] = {}
    for attribute, mark in completes:
        path = tuple(mark.name.lstrip("/").split())
        route = routes.get((CommandType.CHAT_INPUT, path))
        where = f"autocomplete /{' '.join(path)} {mark.option}"
        if route is None:
            raise CommandDefinitionError(f"{where}: no such slash command")
        option = next((o for o in route.options if o.name == mark.option), None)
        if option is None:
            raise CommandDefinitionError(f"{where}: the command has no option {mark.option!r}")
        if option.type not in AUTOCOMPLETE_TYPES or option.choices:
            raise CommandDefinitionError(
                f"{where}: only str, int and float options without choices can autocomplete"
            )
        wanted[(path, mark.option)] = attribute
    if not wanted:
        return commands, wanted

    def mark_options(
        path: tuple[str, ...], options: tuple[OptionSpec, ...]
    ) -> tuple[OptionSpec, ...]:
        return tuple(
            dataclasses.replace(o, autocomplete=True) if (path, o.name) in wanted else o
            for o in options
        )

    for key, route in list(routes.items()):
        routes[key] = CommandRoute(route.handler, mark_options(key[1], route.options))
    rebuilt = []
    for command in commands:
        if command.type is not CommandType.CHAT_INPUT:
            rebuilt.append(command)
            continue
        children: list[SubcommandSpec | GroupSpec] = []
        for child in command.children:
            if isinstance(child, SubcommandSpec):
                path = (command.name, child.name)
                children.append(
                    dataclasses.replace(child, options=mark_options(path, child.options))
                )
            else:
                subs = tuple(
                    dataclasses.replace(
                        sub, options=mark_options((command.name, child.name, sub.name), sub.options)
                    )
                    for sub in child.subcommands
                )
                children.append(dataclasses.replace(child, subcommands=subs))
        rebuilt.append(
            dataclasses.replace(
                command,
                options=mark_options((command.name,), command.options),
                children=tuple(children),
            )
        )
    return rebuilt, wanted
