"""Builders for message components and modals, with Discord's layout rules checked.

    rows = layout(
        Button("Again", custom_id="dice:again:6", style=ButtonStyle.PRIMARY),
        Button("Docs", url="https://example.org"),
        StringSelect("dice:pick", [SelectOption("d6", "6"), SelectOption("d20", "20")]),
    )                                  # [ActionRow(2 buttons), ActionRow(the select)]
    ctx.respond("Roll again?", components=rows)

The rules (`components/reference.mdx`): at most 5 action rows in a message; a row holds up to 5
buttons or exactly one select; custom_ids are 1 to 100 characters and unique in a message. A
breach raises `LimitError` naming the component. Modals (text inputs, labels) are in
`bot.interactions.modals`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.interactions import limits
from bot.interactions.enums import ButtonStyle, ChannelType, ComponentType
from bot.interactions.errors import LimitError
from bot.interactions.routing import check_custom_id

__all__ = [
    "ActionRow",
    "Button",
    "ChannelSelect",
    "Component",
    "MentionableSelect",
    "RoleSelect",
    "Select",
    "SelectOption",
    "StringSelect",
    "UserSelect",
    "check_message_components",
    "layout",
]


def _max(text: str | None, maximum: int, where: str, limit: str) -> None:
    if text is not None and len(text) > maximum:
        raise LimitError(where, f"{len(text)} characters, at most {maximum}", limit)


def _emoji(emoji: str | Mapping[str, Any] | None) -> dict[str, Any] | None:
    if emoji is None:
        return None
    return {"name": emoji} if isinstance(emoji, str) else dict(emoji)


class Component:
    """Base of the components that go in a row; `width` is the share of a row it takes."""

    width = 1
    modal_only = False  # a text input or a label: never in a message

    def to_payload(self) -> dict[str, Any]:
        raise NotImplementedError


@dataclass(frozen=True)
class Button(Component):
    """A button: `custom_id` for one the bot answers, or `url` for a link (no interaction)."""

    label: str | None = None
    custom_id: str | None = None
    style: ButtonStyle = ButtonStyle.SECONDARY
    url: str | None = None
    emoji: str | Mapping[str, Any] | None = None
    disabled: bool = False

    def __post_init__(self) -> None:
        where = f"button {self.label or self.custom_id or self.url!r}"
        _max(self.label, limits.BUTTON_LABEL_MAX, where + " label", "BUTTON_LABEL_MAX")
        if self.label is None and self.emoji is None:
            raise LimitError(where, "a button needs a label or an emoji")
        if self.url is not None:
            if self.custom_id is not None:
                raise LimitError(where, "a link button has a url and no custom_id")
            object.__setattr__(self, "style", ButtonStyle.LINK)
        elif self.custom_id is None:
            raise LimitError(where, "a button needs a custom_id (or a url for a link)")
        else:
            if self.style in (ButtonStyle.LINK, ButtonStyle.PREMIUM):
                raise LimitError(where, f"style {self.style.name} needs no custom_id")
            check_custom_id(self.custom_id, where)

    def to_payload(self) -> dict[str, Any]:
        payload: dict[str, Any] = {"type": int(ComponentType.BUTTON), "style": int(self.style)}
        if self.label is not None:
            payload["label"] = self.label
        if self.custom_id is not None:
            payload["custom_id"] = self.custom_id
        if self.url is not None:
            payload["url"] = self.url
        emoji = _emoji(self.emoji)
        if emoji is not None:
            payload["emoji"] = emoji
        if self.disabled:
            payload["disabled"] = True
        return payload


@dataclass(frozen=True)
class SelectOption:
    """One choice of a string select."""

    label: str
    value: str
    description: str | None = None
    emoji: str | Mapping[str, Any] | None = None
    default: bool = False

    def __post_init__(self) -> None:
        where = f"select option {self.label!r}"
        if not self.label or not self.value:
            raise LimitError(where, "an option needs a label and a value")
        _max(self.label, limits.SELECT_OPTION_LABEL_MAX, where, "SELECT_OPTION_LABEL_MAX")
        _max(
            self.value, limits.SELECT_OPTION_VALUE_MAX, where + " value", "SELECT_OPTION_VALUE_MAX"
        )
        _max(
            self.description,
            limits.SELECT_OPTION_DESCRIPTION_MAX,
            where,
            "SELECT_OPTION_DESCRIPTION_MAX",
        )

    def to_payload(self) -> dict[str, Any]:
        payload: dict[str, Any] = {"label": self.label, "value": self.value}
        if self.description is not None:
            payload["description"] = self.description
        emoji = _emoji(self.emoji)
        if emoji is not None:
            payload["emoji"] = emoji
        if self.default:
            payload["default"] = True
        return payload


@dataclass(frozen=True)
class Select(Component):
    """What every select has (the base of the five kinds of select)."""

    custom_id: str
    placeholder: str | None = None
    min_values: int = 1
    max_values: int = 1
    disabled: bool = False
    required: bool = True  # read in modals only: False lets the user submit without a choice
    type = ComponentType.STRING_SELECT
    width = limits.BUTTONS_PER_ROW_MAX  # a select fills its row

    def __post_init__(self) -> None:
        where = f"select {self.custom_id!r}"
        check_custom_id(self.custom_id, where)
        _max(
            self.placeholder,
            limits.SELECT_PLACEHOLDER_MAX,
            where + " placeholder",
            "SELECT_PLACEHOLDER_MAX",
        )
        if not 0 <= self.min_values <= limits.SELECT_VALUES_MAX:
            raise LimitError(where, "min_values must be 0 to 25", "SELECT_VALUES_MAX")
        if not max(1, self.min_values) <= self.max_values <= limits.SELECT_VALUES_MAX:
            raise LimitError(
                where, "max_values must be min_values (at least 1) to 25", "SELECT_VALUES_MAX"
            )

    def to_payload(self) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "type": int(self.type),
            "custom_id": self.custom_id,
            "min_values": self.min_values,
            "max_values": self.max_values,
        }
        if self.placeholder is not None:
            payload["placeholder"] = self.placeholder
        if self.disabled:
            payload["disabled"] = True
        if not self.required:
            payload["required"] = False
        return payload


@dataclass(frozen=True)
class StringSelect(Select):
    """A select of the bot's own choices; the handler gets `ctx.values` (the chosen values)."""

    options: Sequence[SelectOption] = ()

    def __post_init__(self) -> None:
        Select.__post_init__(self)
        where = f"select {self.custom_id!r}"
        if not 1 <= len(self.options) <= limits.SELECT_OPTIONS_MAX:
            raise LimitError(
                where,
                f"1 to {limits.SELECT_OPTIONS_MAX} options, not {len(self.options)}",
                "SELECT_OPTIONS_MAX",
            )
        if self.max_values > len(self.options):
            raise LimitError(where, f"max_values {self.max_values} > {len(self.options)} options")
        values = [o.value for o in self.options]
        if len(set(values)) != len(values):
            raise LimitError(where, "option values must be unique")

    def to_payload(self) -> dict[str, Any]:
        return {**Select.to_payload(self), "options": [o.to_payload() for o in self.options]}


@dataclass(frozen=True)
class UserSelect(Select):
    """A select of users; the handler gets their ids in `ctx.values`, objects in `ctx.resolved`."""

    type = ComponentType.USER_SELECT


@dataclass(frozen=True)
class RoleSelect(Select):
    """A select of roles."""

    type = ComponentType.ROLE_SELECT


@dataclass(frozen=True)
class MentionableSelect(Select):
    """A select of users and roles."""

    type = ComponentType.MENTIONABLE_SELECT


@dataclass(frozen=True)
class ChannelSelect(Select):
    """A select of channels, of `channel_types` only if given."""

    channel_types: Sequence[ChannelType] = ()
    type = ComponentType.CHANNEL_SELECT

    def to_payload(self) -> dict[str, Any]:
        payload = Select.to_payload(self)
        if self.channel_types:
            payload["channel_types"] = [int(t) for t in self.channel_types]
        return payload


@dataclass(frozen=True)
class ActionRow:
    """A row: up to 5 buttons, or one select, or (in a modal) one text input."""

    components: Sequence[Component] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        items = list(self.components)
        if not items:
            raise LimitError("action row", "a row needs at least one component")
        wide = [c for c in items if c.width > 1]
        if wide and len(items) > 1:
            raise LimitError("action row", f"a {type(wide[0]).__name__} must be alone in its row")
        if len(items) > limits.BUTTONS_PER_ROW_MAX:
            raise LimitError(
                "action row",
                f"{len(items)} buttons, at most {limits.BUTTONS_PER_ROW_MAX}",
                "BUTTONS_PER_ROW_MAX",
            )

    def to_payload(self) -> dict[str, Any]:
        return {
            "type": int(ComponentType.ACTION_ROW),
            "components": [c.to_payload() for c in self.components],
        }


def layout(*components: Component | ActionRow) -> list[ActionRow]:
    """Components in rows: consecutive buttons share rows of 5, a select takes a row alone;
    an `ActionRow` given as such is kept. Checks the 5-row limit and unique custom_ids."""
    rows: list[ActionRow] = []
    pending: list[Component] = []

    def flush() -> None:
        if pending:
            rows.append(ActionRow(tuple(pending)))
            pending.clear()

    for item in components:
        if isinstance(item, ActionRow):
            flush()
            rows.append(item)
        elif item.width > 1:
            flush()
            rows.append(ActionRow((item,)))
        else:
            if len(pending) == limits.BUTTONS_PER_ROW_MAX:
                flush()
            pending.append(item)
    flush()
    check_message_components(rows)
    return rows


def check_message_components(rows: Sequence[ActionRow]) -> None:
    """A message's rows: at most 5, no text input, custom_ids unique."""
    if len(rows) > limits.ACTION_ROWS_MAX:
        raise LimitError(
            "message",
            f"{len(rows)} action rows, at most {limits.ACTION_ROWS_MAX}",
            "ACTION_ROWS_MAX",
        )
    seen: set[str] = set()
    for row in rows:
        for component in row.components:
            if component.modal_only:
                raise LimitError(
                    f"{type(component).__name__} {getattr(component, 'custom_id', '')!r}",
                    "goes in modals only",
                )
            _unique(component, seen)


def _unique(component: Component, seen: set[str]) -> None:
    custom_id = getattr(component, "custom_id", None)
    if custom_id is not None:
        if custom_id in seen:
            raise LimitError(f"custom_id {custom_id!r}", "used twice in one message")
        seen.add(custom_id)


def components_payload(
    components: Iterable[ActionRow | Component | Mapping[str, Any]],
) -> list[Any]:
    """Rows as JSON: builders become payloads, bare components are laid out, dicts pass."""
    items = list(components)
    if items and all(isinstance(c, Component) for c in items):
        return [row.to_payload() for row in layout(*items)]  # type: ignore[arg-type]
    rows = [c for c in items if isinstance(c, ActionRow)]
    if rows:
        check_message_components(rows)
    return [c.to_payload() if isinstance(c, ActionRow | Component) else dict(c) for c in items]
