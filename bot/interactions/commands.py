"""Application command definitions: what Discord is told about each command, limits checked.

`CommandSpec` is one top-level command (a slash command, or a user or message context menu);
a slash command has either options or children (`SubcommandSpec`, `GroupSpec`), never both.
`to_payload()` gives the JSON of Discord's application command object, which both the bulk
overwrite and the comparison with what Discord has (`bot.interactions.sync`) use.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.interactions import limits
from bot.interactions.enums import CommandType, IntegrationType, InteractionContextType, OptionType
from bot.interactions.errors import LimitError
from bot.interactions.options import OptionSpec, check_name

__all__ = ["CommandSpec", "GroupSpec", "SubcommandSpec", "check_command_counts"]

Localizations = Mapping[str, str]


def _localized(
    payload: dict[str, Any], names: Localizations | None, descs: Localizations | None
) -> None:
    if names:
        payload["name_localizations"] = dict(names)
    if descs:
        payload["description_localizations"] = dict(descs)


def _check_description(description: str, where: str) -> None:
    if not 1 <= len(description) <= limits.COMMAND_DESCRIPTION_MAX:
        raise LimitError(
            where,
            f"description must be 1 to {limits.COMMAND_DESCRIPTION_MAX} characters, "
            f"not {len(description)}",
            "COMMAND_DESCRIPTION_MAX",
        )


def _check_options(options: Sequence[OptionSpec], where: str) -> None:
    if len(options) > limits.OPTIONS_MAX:
        raise LimitError(
            where, f"{len(options)} options, at most {limits.OPTIONS_MAX}", "OPTIONS_MAX"
        )
    seen_optional = False
    names: set[str] = set()
    for option in options:
        if option.name in names:
            raise LimitError(where, f"two options named {option.name!r}")
        names.add(option.name)
        if option.required and seen_optional:
            raise LimitError(where, f"required option {option.name!r} after an optional one")
        seen_optional = seen_optional or not option.required


@dataclass(frozen=True, slots=True)
class SubcommandSpec:
    """A subcommand: `/tag show name:...`; `handler` is the consumer's method name."""

    name: str
    description: str
    options: tuple[OptionSpec, ...]
    handler: str
    name_localizations: Localizations | None = field(default=None, compare=False)
    description_localizations: Localizations | None = field(default=None, compare=False)

    def check(self, where: str) -> None:
        check_name(self.name, where)
        _check_description(self.description, where)
        _check_options(self.options, where)

    def to_payload(self) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "type": int(OptionType.SUB_COMMAND),
            "name": self.name,
            "description": self.description,
        }
        if self.options:
            payload["options"] = [option.to_payload() for option in self.options]
        _localized(payload, self.name_localizations, self.description_localizations)
        return payload


@dataclass(frozen=True, slots=True)
class GroupSpec:
    """A subcommand group: `/tag admin purge`; it holds subcommands only."""

    name: str
    description: str
    subcommands: tuple[SubcommandSpec, ...]
    name_localizations: Localizations | None = field(default=None, compare=False)
    description_localizations: Localizations | None = field(default=None, compare=False)

    def check(self, where: str) -> None:
        check_name(self.name, where)
        _check_description(self.description, where)
        if not self.subcommands:
            raise LimitError(where, "a group needs at least one subcommand")
        if len(self.subcommands) > limits.OPTIONS_MAX:
            raise LimitError(where, "more than 25 subcommands", "OPTIONS_MAX")
        for sub in self.subcommands:
            sub.check(f"{where} {sub.name}")

    def to_payload(self) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "type": int(OptionType.SUB_COMMAND_GROUP),
            "name": self.name,
            "description": self.description,
            "options": [sub.to_payload() for sub in self.subcommands],
        }
        _localized(payload, self.name_localizations, self.description_localizations)
        return payload


@dataclass(frozen=True, slots=True)
class CommandSpec:
    """One top-level application command, as declared on a consumer.

    `handler` is the method name for a command without children. `contexts` None means
    Discord's default (everywhere the app is installed); `guild_only` sets `(GUILD,)`.
    """

    name: str
    type: CommandType = CommandType.CHAT_INPUT
    description: str = ""
    options: tuple[OptionSpec, ...] = ()
    children: tuple[SubcommandSpec | GroupSpec, ...] = ()
    handler: str | None = None
    default_member_permissions: int | None = None
    contexts: tuple[InteractionContextType, ...] | None = None
    integration_types: tuple[IntegrationType, ...] | None = None
    nsfw: bool = False
    name_localizations: Localizations | None = field(default=None, compare=False)
    description_localizations: Localizations | None = field(default=None, compare=False)

    @property
    def where(self) -> str:
        return (
            f"/{self.name}"
            if self.type is CommandType.CHAT_INPUT
            else f"{self.type.name.lower()} command {self.name!r}"
        )

    def check(self) -> None:
        """Checks Discord's limits; `LimitError` names the command (and option) at fault."""
        where = self.where
        if self.type is CommandType.CHAT_INPUT:
            check_name(self.name, where)
            _check_description(self.description, where)
            if self.options and self.children:
                raise LimitError(where, "a command has options or subcommands, not both")
            _check_options(self.options, where)
            if len(self.children) > limits.OPTIONS_MAX:
                raise LimitError(where, "more than 25 subcommands and groups", "OPTIONS_MAX")
            names = [child.name for child in self.children]
            if len(set(names)) != len(names):
                raise LimitError(where, f"a subcommand or group name used twice: {names}")
            for child in self.children:
                child.check(f"{where} {child.name}")
        else:
            if not 1 <= len(self.name) <= limits.CONTEXT_MENU_NAME_MAX:
                raise LimitError(where, "name must be 1 to 32 characters", "CONTEXT_MENU_NAME_MAX")
        total = total_characters(self.to_payload())
        if total > limits.COMMAND_TOTAL_CHARACTERS_MAX:
            raise LimitError(
                where,
                f"{total} characters of names, descriptions and values, at most "
                f"{limits.COMMAND_TOTAL_CHARACTERS_MAX}",
                "COMMAND_TOTAL_CHARACTERS_MAX",
            )

    def to_payload(self) -> dict[str, Any]:
        """The application command object for a bulk overwrite."""
        payload: dict[str, Any] = {"type": int(self.type), "name": self.name}
        if self.type is CommandType.CHAT_INPUT:
            payload["description"] = self.description
            if self.children:
                payload["options"] = [child.to_payload() for child in self.children]
            elif self.options:
                payload["options"] = [option.to_payload() for option in self.options]
        if self.default_member_permissions is not None:
            payload["default_member_permissions"] = str(int(self.default_member_permissions))
        if self.contexts is not None:
            payload["contexts"] = [int(c) for c in self.contexts]
        if self.integration_types is not None:
            payload["integration_types"] = [int(i) for i in self.integration_types]
        if self.nsfw:
            payload["nsfw"] = True
        _localized(payload, self.name_localizations, self.description_localizations)
        return payload


def total_characters(payload: Mapping[str, Any]) -> int:
    """Characters of every name, description and choice value, as Discord counts the 4000."""
    total = len(str(payload.get("name", ""))) + len(str(payload.get("description", "")))
    for choice in payload.get("choices", ()):
        total += len(str(choice["name"])) + len(str(choice["value"]))
    for option in payload.get("options", ()):
        total += total_characters(option)
    return total


_MAX_PER_TYPE = {
    CommandType.CHAT_INPUT: ("CHAT_INPUT_COMMANDS_MAX", limits.CHAT_INPUT_COMMANDS_MAX),
    CommandType.USER: ("USER_COMMANDS_MAX", limits.USER_COMMANDS_MAX),
    CommandType.MESSAGE: ("MESSAGE_COMMANDS_MAX", limits.MESSAGE_COMMANDS_MAX),
}


def check_command_counts(commands: Sequence[CommandSpec], where: str) -> None:
    """Checks the commands one bot registers together: unique names per type, counts per type."""
    seen: set[tuple[CommandType, str]] = set()
    for command in commands:
        key = (command.type, command.name)
        if key in seen:
            raise LimitError(where, f"{command.where} is declared twice")
        seen.add(key)
    for command_type, (limit_name, maximum) in _MAX_PER_TYPE.items():
        count = sum(1 for c in commands if c.type is command_type)
        if count > maximum:
            raise LimitError(
                where, f"{count} {command_type.name} commands, at most {maximum}", limit_name
            )
