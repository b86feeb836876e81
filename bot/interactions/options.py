"""Slash-command options typed from a handler's annotations, and the values converted back.

    def roll(self, ctx, sides: Annotated[int, Range(2, 120)] = 6,
             colour: Literal["red", "blue"] | None = None,
             target: Annotated[Channel, Option(channel_types=[ChannelType.GUILD_TEXT])]): ...

| annotation | option type | the handler gets |
|---|---|---|
| `str`, `int`, `float`, `bool` | STRING, INTEGER, NUMBER, BOOLEAN | the value |
| `User`, `Member` | USER | the resolved user (a `Member` with its `user` in a guild) |
| `Channel`, `Role`, `Attachment` | CHANNEL, ROLE, ATTACHMENT | the resolved object |
| `Mentionable` | MENTIONABLE | a `Mentionable` (a user or a role) |
| `Literal[...]`, an `Enum` | STRING or INTEGER with choices | the value, or the enum member |

`Annotated[T, Range(lo, hi)]` bounds numbers (min/max_value) and strings (min/max_length);
`Annotated[T, Option(...)]` sets a description, a Discord name, choices, channel types. An
option is optional when it has a default or is `T | None` (then None when not given).
Limits (`bot.interactions.limits`) are checked here, naming the command and option at fault.
"""

from __future__ import annotations

import enum
import inspect
import types
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from bot.interactions import limits
from bot.interactions.enums import ChannelType, OptionType
from bot.interactions.errors import CommandDefinitionError, LimitError, OptionConversionError
from bot.payloads import Attachment, Channel, Member, Role, User

__all__ = [
    "Choice",
    "Mentionable",
    "Option",
    "OptionSpec",
    "Range",
    "check_name",
    "convert_option",
    "option_from_parameter",
]

ChoiceValue = str | int | float
Localizations = Mapping[str, str]


@dataclass(frozen=True, slots=True)
class Range:
    """Bounds of a number option (`min_value`/`max_value`) or a string's length."""

    min: float | None = None
    max: float | None = None


@dataclass(frozen=True, slots=True)
class Choice:
    """One of an option's fixed choices (or an autocomplete suggestion): shown `name`, `value`."""

    name: str
    value: ChoiceValue
    name_localizations: Localizations | None = None

    def to_payload(self) -> dict[str, Any]:
        payload: dict[str, Any] = {"name": self.name, "value": self.value}
        if self.name_localizations:
            payload["name_localizations"] = dict(self.name_localizations)
        return payload


@dataclass(frozen=True, slots=True)
class Option:
    """What an annotation cannot say: `Annotated[str, Option(description="...")]`."""

    description: str | None = None
    name: str | None = None
    choices: Sequence[Choice] | Mapping[str, ChoiceValue] | None = None
    channel_types: Sequence[ChannelType] = ()
    name_localizations: Localizations | None = None
    description_localizations: Localizations | None = None


class Mentionable:
    """A MENTIONABLE option's value: a user (with `member` in a guild) or a role."""

    __slots__ = ("id", "member", "role", "user")

    def __init__(
        self,
        id: int,
        user: User | None = None,
        member: Member | None = None,
        role: Role | None = None,
    ) -> None:
        self.id = id
        self.user = user
        self.member = member
        self.role = role

    def __repr__(self) -> str:
        kind = "role" if self.role is not None else "user"
        return f"Mentionable({kind} {self.id})"


_SIMPLE: dict[Any, OptionType] = {
    str: OptionType.STRING,
    int: OptionType.INTEGER,
    float: OptionType.NUMBER,
    bool: OptionType.BOOLEAN,
    User: OptionType.USER,
    Member: OptionType.USER,
    Channel: OptionType.CHANNEL,
    Role: OptionType.ROLE,
    Mentionable: OptionType.MENTIONABLE,
    Attachment: OptionType.ATTACHMENT,
}
_RESOLVED_KEY = {
    OptionType.USER: "users",
    OptionType.CHANNEL: "channels",
    OptionType.ROLE: "roles",
    OptionType.ATTACHMENT: "attachments",
}


@dataclass(frozen=True, slots=True)
class OptionSpec:
    """One typed option of a command: what Discord is told, and how the value comes back."""

    name: str
    param: str
    type: OptionType
    description: str
    required: bool
    kind: Any  # the Python type the handler gets (an Enum class for enum choices)
    default: Any = None
    choices: tuple[Choice, ...] = ()
    min_value: float | None = None
    max_value: float | None = None
    min_length: int | None = None
    max_length: int | None = None
    channel_types: tuple[ChannelType, ...] = ()
    autocomplete: bool = False
    name_localizations: Localizations | None = field(default=None, compare=False)
    description_localizations: Localizations | None = field(default=None, compare=False)

    def to_payload(self) -> dict[str, Any]:
        """The application command option object as Discord takes it."""
        payload: dict[str, Any] = {
            "type": int(self.type),
            "name": self.name,
            "description": self.description,
        }
        if self.required:
            payload["required"] = True
        if self.choices:
            payload["choices"] = [choice.to_payload() for choice in self.choices]
        for key in ("min_value", "max_value", "min_length", "max_length"):
            value = getattr(self, key)
            if value is not None:
                payload[key] = value
        if self.channel_types:
            payload["channel_types"] = [int(t) for t in self.channel_types]
        if self.autocomplete:
            payload["autocomplete"] = True
        if self.name_localizations:
            payload["name_localizations"] = dict(self.name_localizations)
        if self.description_localizations:
            payload["description_localizations"] = dict(self.description_localizations)
        return payload


def check_name(name: str, where: str, *, lowercase: bool = True) -> None:
    """Checks a command or option name against Application Command Naming."""
    if not limits.COMMAND_NAME_PATTERN.fullmatch(name):
        raise LimitError(
            where,
            f"name {name!r} must be 1 to {limits.COMMAND_NAME_MAX} letters, digits, - _ or '",
            "COMMAND_NAME_PATTERN",
        )
    if lowercase and name != name.lower():
        raise LimitError(where, f"name {name!r} must be lowercase", "COMMAND_NAME_PATTERN")


def _check_length(text: str, maximum: int, where: str, what: str, limit: str) -> None:
    if not 1 <= len(text) <= maximum:
        raise LimitError(where, f"{what} must be 1 to {maximum} characters, not {len(text)}", limit)


def _split_annotation(hint: Any) -> tuple[Any, list[Any], bool]:
    """(the bare type, the Annotated extras, whether None is allowed)."""
    extras: list[Any] = []
    optional = False
    while True:
        origin = get_origin(hint)
        if origin is Annotated:
            args = get_args(hint)
            hint, extras = args[0], [*extras, *args[1:]]
        elif origin in (Union, types.UnionType):
            inner = [arg for arg in get_args(hint) if arg is not type(None)]
            if len(inner) != len(get_args(hint)):
                optional = True
            if len(inner) != 1:
                return hint, extras, optional
            hint = inner[0]
        else:
            return hint, extras, optional


def _choices_of(values: Sequence[Any]) -> tuple[Choice, ...]:
    return tuple(Choice(str(v.name if isinstance(v, enum.Enum) else v), _plain(v)) for v in values)


def _plain(value: Any) -> ChoiceValue:
    if isinstance(value, enum.Enum):
        value = value.value
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise CommandDefinitionError(f"a choice value must be a str, int or float: {value!r}")
    return value


def _type_of_choices(choices: tuple[Choice, ...], where: str) -> OptionType:
    kinds = {type(choice.value) for choice in choices}
    if kinds == {str}:
        return OptionType.STRING
    if kinds == {int}:
        return OptionType.INTEGER
    if kinds <= {int, float}:
        return OptionType.NUMBER
    raise CommandDefinitionError(f"{where}: choices mix types {sorted(k.__name__ for k in kinds)}")


def option_from_parameter(parameter: inspect.Parameter, hint: Any, where: str) -> OptionSpec:
    """The option of one handler parameter; `where` names it in errors (`/roll option sides`)."""
    bare, extras, optional = _split_annotation(hint)
    meta = next((e for e in extras if isinstance(e, Option)), Option())
    bounds = next((e for e in extras if isinstance(e, Range)), None)
    name = meta.name or parameter.name
    check_name(name, where)
    description = meta.description or parameter.name
    _check_length(
        description, limits.OPTION_DESCRIPTION_MAX, where, "description", "OPTION_DESCRIPTION_MAX"
    )
    choices: tuple[Choice, ...] = ()
    kind: Any = bare
    if get_origin(bare) is Literal:
        choices = _choices_of(get_args(bare))
        option_type = _type_of_choices(choices, where)
        kind = type(choices[0].value)
    elif isinstance(bare, type) and issubclass(bare, enum.Enum):
        choices = _choices_of(list(bare))
        option_type = _type_of_choices(choices, where)
    elif bare in _SIMPLE:
        option_type = _SIMPLE[bare]
    else:
        raise CommandDefinitionError(
            f"{where}: cannot make an option of {bare!r}; use str, int, float, bool, User, "
            "Member, Channel, Role, Mentionable, Attachment, a Literal or an Enum"
        )
    if meta.choices is not None:
        if isinstance(meta.choices, Mapping):
            choices = tuple(Choice(n, _plain(v)) for n, v in meta.choices.items())
        else:
            choices = tuple(meta.choices)
    has_default = parameter.default is not inspect.Parameter.empty
    spec = OptionSpec(
        name=name,
        param=parameter.name,
        type=option_type,
        description=description,
        required=not (has_default or optional),
        kind=kind,
        default=parameter.default if has_default else None,
        choices=choices,
        channel_types=tuple(ChannelType(t) for t in meta.channel_types),
        name_localizations=meta.name_localizations,
        description_localizations=meta.description_localizations,
        **_bounds(option_type, bounds, where),
    )
    _check_option(spec, where)
    return spec


def _bounds(option_type: OptionType, bounds: Range | None, where: str) -> dict[str, Any]:
    if bounds is None:
        return {}
    if option_type in (OptionType.INTEGER, OptionType.NUMBER):
        return {"min_value": bounds.min, "max_value": bounds.max}
    if option_type is OptionType.STRING:
        low = None if bounds.min is None else int(bounds.min)
        high = None if bounds.max is None else int(bounds.max)
        return {"min_length": low, "max_length": high}
    raise CommandDefinitionError(f"{where}: Range applies to numbers and strings only")


def _check_option(spec: OptionSpec, where: str) -> None:
    if len(spec.choices) > limits.CHOICES_MAX:
        raise LimitError(
            where, f"{len(spec.choices)} choices, at most {limits.CHOICES_MAX}", "CHOICES_MAX"
        )
    for choice in spec.choices:
        _check_length(
            choice.name, limits.CHOICE_NAME_MAX, where, "a choice name", "CHOICE_NAME_MAX"
        )
        if isinstance(choice.value, str) and len(choice.value) > limits.CHOICE_STRING_VALUE_MAX:
            raise LimitError(
                where, f"choice value {choice.value[:20]!r}... too long", "CHOICE_STRING_VALUE_MAX"
            )
    for key in ("min_length", "max_length"):
        value = getattr(spec, key)
        if value is not None and not 0 <= value <= limits.STRING_OPTION_LENGTH_MAX:
            raise LimitError(
                where,
                f"{key} must be 0 to {limits.STRING_OPTION_LENGTH_MAX}",
                "STRING_OPTION_LENGTH_MAX",
            )
    if spec.type is OptionType.INTEGER:
        for key in ("min_value", "max_value"):
            value = getattr(spec, key)
            if (
                value is not None
                and not limits.INTEGER_OPTION_MIN <= value <= limits.INTEGER_OPTION_MAX
            ):
                raise LimitError(where, f"{key} outside -2^53..2^53", "INTEGER_OPTION_MAX")
    if spec.channel_types and spec.type is not OptionType.CHANNEL:
        raise CommandDefinitionError(f"{where}: channel_types apply to Channel options only")


def convert_option(spec: OptionSpec, value: Any, resolved: Mapping[str, Any]) -> Any:
    """The value the handler gets for one received option (`resolved`: `data.resolved`).

    Discord enforces an option's type, bounds and choices before it sends the interaction; a
    payload that breaks them anyway (forged, or a command changed since) raises
    `OptionConversionError` here rather than reaching the handler.
    """
    kind = spec.kind
    if spec.choices and not any(_same(value, choice.value) for choice in spec.choices):
        if isinstance(kind, type) and issubclass(kind, enum.Enum):
            expected = f"one of {kind.__name__}"
        else:
            expected = "one of " + _shown([choice.value for choice in spec.choices])
        raise OptionConversionError(spec.name, expected, _shown(value))
    if isinstance(kind, type) and issubclass(kind, enum.Enum):
        try:
            return kind(value)
        except ValueError:
            raise OptionConversionError(
                spec.name, f"one of {kind.__name__}", _shown(value)
            ) from None
    option_type = spec.type
    if option_type is OptionType.INTEGER:
        if isinstance(value, float) or (
            isinstance(value, int)
            and not limits.INTEGER_OPTION_MIN <= value <= limits.INTEGER_OPTION_MAX
        ):
            raise OptionConversionError(
                spec.name, "a whole number within -2^53..2^53", _shown(value)
            )
        return _within(spec, _number(spec, value, int))
    if option_type is OptionType.NUMBER:
        return _within(spec, _number(spec, value, float))
    if option_type is OptionType.STRING:
        if not isinstance(value, str):
            raise OptionConversionError(spec.name, "a string", type(value).__name__)
        low = spec.min_length or 0
        high = spec.max_length if spec.max_length is not None else limits.STRING_OPTION_LENGTH_MAX
        if not low <= len(value) <= high:
            raise OptionConversionError(
                spec.name, f"{low} to {high} characters", f"{len(value)} characters"
            )
        return value
    if option_type is OptionType.BOOLEAN:
        if not isinstance(value, bool):
            raise OptionConversionError(spec.name, "true or false", _shown(value))
        return value
    if option_type is OptionType.MENTIONABLE:
        return _mentionable(spec, value, resolved)
    return _resolved(spec, value, resolved)


def _same(value: Any, choice: ChoiceValue) -> bool:
    """`value` is the choice (1 == 1.0, but True is not 1 and "1" is not 1)."""
    if isinstance(value, bool) or isinstance(value, str) != isinstance(choice, str):
        return False
    return bool(value == choice)


def _number(spec: OptionSpec, value: Any, kind: type) -> Any:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise OptionConversionError(spec.name, kind.__name__, _shown(value))
    return kind(value)


def _within(spec: OptionSpec, number: float) -> Any:
    """The number, if it keeps to the option's declared `Range`."""
    low, high = spec.min_value, spec.max_value
    if (low is not None and number < low) or (high is not None and number > high):
        bounds = f"{'-inf' if low is None else _plain_number(low)}.."
        bounds += "inf" if high is None else _plain_number(high)
        raise OptionConversionError(spec.name, f"a number in {bounds}", _shown(number))
    return number


def _plain_number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _shown(value: Any) -> str:
    """A received value for a message: its repr, cut to 50 characters."""
    text = repr(value)
    return text if len(text) <= 50 else text[:47] + "..."


def _lookup(resolved: Mapping[str, Any], key: str, value: Any) -> Any:
    table = resolved.get(key)
    if (
        not isinstance(table, Mapping)
        or not isinstance(value, str | int)
        or isinstance(value, bool)
    ):
        return None
    found = table.get(str(value))
    return found if isinstance(found, Mapping) else None


def _resolved(spec: OptionSpec, value: Any, resolved: Mapping[str, Any]) -> Any:
    key = _RESOLVED_KEY[spec.type]
    raw = _lookup(resolved, key, value)
    if raw is None:
        raise OptionConversionError(spec.name, f"an id in resolved {key}", _shown(value))
    if spec.type is OptionType.USER:
        member = _lookup(resolved, "members", value)
        if spec.kind is Member:
            if member is None:
                raise OptionConversionError(spec.name, "a member of this guild", f"user {value}")
            return Member({**member, "user": raw})
        return User(raw)
    if spec.type is OptionType.CHANNEL:
        return Channel(raw)
    if spec.type is OptionType.ROLE:
        return Role(raw)
    return Attachment(raw)


def _mentionable(spec: OptionSpec, value: Any, resolved: Mapping[str, Any]) -> Mentionable:
    role = _lookup(resolved, "roles", value)
    if role is not None:
        return Mentionable(int(value), role=Role(role))
    user = _lookup(resolved, "users", value)
    if user is None:
        raise OptionConversionError(spec.name, "a user or a role", _shown(value))
    member = _lookup(resolved, "members", value)
    return Mentionable(
        int(value), user=User(user), member=Member({**member, "user": user}) if member else None
    )
