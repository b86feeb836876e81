"""Discord's checks on application command bodies (create, overwrite), with its error tree.

https://discord.com/developers/docs/interactions/application-commands#application-command-object :
names of 1-32 of Discord's name characters (lowercase for slash commands), descriptions of 1-100
(empty for user and message commands), options of types 1-11, at most 25, required before
optional, subcommands not mixed with other options and nested at most two deep, choices within
their limits.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from bot.testing.rest_validation import Errors, check_choice_list

__all__ = ["check_command"]

# https://discord.com/developers/docs/interactions/application-commands#application-command-object
COMMAND_NAME = re.compile(r"^[-_'\w]{1,32}$")
COMMAND_DESCRIPTION_MAX = 100
COMMAND_OPTIONS_MAX = 25
OPTION_CHOICES_MAX = 25
CHOICE_NAME_MAX = 100
CHOICE_STRING_MAX = 100
OPTION_TYPES = range(1, 12)  # SUB_COMMAND (1) .. ATTACHMENT (11)
SUB_COMMAND, SUB_COMMAND_GROUP = 1, 2
STRING, INTEGER, NUMBER = 3, 4, 10
CHAT_INPUT, USER_COMMAND, MESSAGE_COMMAND = 1, 2, 3
COMMAND_TYPES = frozenset({1, 2, 3, 4})


def check_command(errors: Errors, path: tuple[str | int, ...], body: Any) -> None:
    """An application command body: type, name (1-32 of Discord's name characters, lowercase
    for slash commands), description, and its options (types 1-11, at most 25, required ones
    first, choices within limits, subcommands not mixed with other options)."""
    if not isinstance(body, Mapping):
        errors.add(path, "MODEL_TYPE_CONVERT", "Only dictionaries may be used in a ModelType")
        return
    kind = body.get("type", CHAT_INPUT)
    if kind not in COMMAND_TYPES:
        errors.add((*path, "type"), "BASE_TYPE_CHOICES", "Value must be one of (1, 2, 3, 4).")
        return
    _check_name(errors, path, body.get("name"), lowercase=kind == CHAT_INPUT)
    description = body.get("description")
    if kind == CHAT_INPUT:
        _check_description(errors, path, description)
        _check_options(errors, (*path, "options"), body.get("options"), depth=0)
    elif description not in (None, ""):
        errors.add(
            (*path, "description"),
            "APPLICATION_COMMAND_DESCRIPTION_MUST_BE_EMPTY",
            "Description must be empty for user and message commands",
        )


def _check_name(errors: Errors, path: tuple[str | int, ...], name: Any, *, lowercase: bool) -> None:
    if name is None:
        errors.required((*path, "name"))
    elif not isinstance(name, str) or (
        lowercase and (not COMMAND_NAME.match(name) or name != name.lower())
    ):
        errors.add(
            (*path, "name"),
            "APPLICATION_COMMAND_INVALID_NAME",
            f"Command name is invalid: {name!r}",
        )
    elif not 1 <= len(name) <= 32:
        errors.add((*path, "name"), "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 32 in length.")


def _check_description(errors: Errors, path: tuple[str | int, ...], description: Any) -> None:
    if not isinstance(description, str) or not 1 <= len(description) <= COMMAND_DESCRIPTION_MAX:
        errors.add(
            (*path, "description"), "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length."
        )


def _check_options(errors: Errors, path: tuple[str | int, ...], options: Any, depth: int) -> None:
    if options is None:
        return
    if not isinstance(options, list):
        errors.add(path, "BASE_TYPE_ARRAY", "Must be an array.")
        return
    errors.too_long(path, options, COMMAND_OPTIONS_MAX)
    kinds = [o.get("type") if isinstance(o, Mapping) else None for o in options]
    nested = [k in (SUB_COMMAND, SUB_COMMAND_GROUP) for k in kinds]
    if any(nested) and not all(nested):
        errors.add(
            path,
            "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID",
            "Sub-command and sub-command group option types are mutually exclusive to all"
            " other types",
        )
    seen_optional = False
    names: set[str] = set()
    for index, option in enumerate(options):
        where = (*path, index)
        if not isinstance(option, Mapping):
            errors.add(where, "MODEL_TYPE_CONVERT", "Only dictionaries may be used in a ModelType")
            continue
        kind = option.get("type")
        if kind not in OPTION_TYPES or isinstance(kind, bool):
            errors.add((*where, "type"), "BASE_TYPE_CHOICES", "Value must be one of (1..11).")
            continue
        _check_name(errors, where, option.get("name"), lowercase=True)
        _check_description(errors, where, option.get("description"))
        if option.get("name") in names:
            errors.add(
                (*where, "name"),
                "APPLICATION_COMMAND_OPTION_NAME_ALREADY_EXISTS",
                "Option names must be unique",
            )
        names.add(str(option.get("name")))
        if kind in (SUB_COMMAND, SUB_COMMAND_GROUP):
            if depth >= (1 if kind == SUB_COMMAND_GROUP else 2):
                errors.add((*where, "type"), "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID", "Too deep")
            _check_options(errors, (*where, "options"), option.get("options"), depth + 1)
            continue
        if option.get("required"):
            if seen_optional:
                errors.add(
                    (*where, "required"),
                    "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
                    "Required options must be placed before non-required options",
                )
        else:
            seen_optional = True
        choices = option.get("choices")
        if choices is not None:
            if kind not in (STRING, INTEGER, NUMBER) or not isinstance(choices, list):
                errors.add((*where, "choices"), "BASE_TYPE_BAD_LENGTH", "Choices not allowed")
            else:
                check_choice_list(errors, (*where, "choices"), choices)
