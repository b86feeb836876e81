"""Builders for modals: text inputs and selects, in labels (the current layout) or in action rows
(the older one), with Discord's rules checked.

    Modal("feedback", "Feedback", [
        Label("What do you think?", TextInput("text", style=TextInputStyle.PARAGRAPH),
              description="Be honest"),
        Label("Die?", StringSelect("die", [SelectOption("d6", "6"), SelectOption("d8", "8")])),
        Label("Who else?", UserSelect("others", max_values=3, required=False)),
    ])
    Modal("old", "Old style", [TextInput("text", "What do you think?")])   # in an action row

On submit the handler of `@modal("feedback")` reads `ctx.fields["text"]` (text inputs: their
text) and `ctx.selected["die"]` (selects: the chosen values; user/role/channel ids, with the
objects in `ctx.resolved`).

The rules (`components/reference.mdx`, Label, Text Input, the selects; and
`interactions/receiving-and-responding.mdx`, Modal): a modal has a custom_id, a title of 1 to 45
characters and 1 to 5 components; a label (type 18) has a label of at most 45 characters, a
description of at most 100, and holds one text input or one select; a text input in a label has
no label of its own (the label gives it), one in an action row must have one; a select in a
modal cannot be disabled, and a required one needs min_values of at least 1; custom_ids are
unique in the modal. A breach raises `LimitError` naming the component.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bot.interactions import limits
from bot.interactions.components import ActionRow, Component, Select, _max, _unique
from bot.interactions.enums import ComponentType, TextInputStyle
from bot.interactions.errors import LimitError
from bot.interactions.routing import check_custom_id

__all__ = ["Label", "Modal", "TextInput"]


@dataclass(frozen=True)
class TextInput(Component):
    """A text field of a modal; the submit gives its text under `custom_id` in `ctx.fields`.

    `label` is for a text input in an action row (the older layout); in a `Label` leave it out.
    """

    custom_id: str
    label: str | None = None
    style: TextInputStyle = TextInputStyle.SHORT
    placeholder: str | None = None
    value: str | None = None
    required: bool = True
    min_length: int | None = None
    max_length: int | None = None
    width = limits.BUTTONS_PER_ROW_MAX
    modal_only = True

    def __post_init__(self) -> None:
        where = f"text input {self.custom_id!r}"
        check_custom_id(self.custom_id, where)
        if self.label is not None and not 1 <= len(self.label) <= limits.TEXT_INPUT_LABEL_MAX:
            raise LimitError(
                where,
                f"label must be 1 to {limits.TEXT_INPUT_LABEL_MAX} characters",
                "TEXT_INPUT_LABEL_MAX",
            )
        _max(
            self.placeholder,
            limits.TEXT_INPUT_PLACEHOLDER_MAX,
            where + " placeholder",
            "TEXT_INPUT_PLACEHOLDER_MAX",
        )
        _max(self.value, limits.TEXT_INPUT_VALUE_MAX, where + " value", "TEXT_INPUT_VALUE_MAX")
        for key, low in (("min_length", 0), ("max_length", 1)):
            length = getattr(self, key)
            if length is not None and not low <= length <= limits.TEXT_INPUT_VALUE_MAX:
                raise LimitError(
                    where,
                    f"{key} must be {low} to {limits.TEXT_INPUT_VALUE_MAX}",
                    "TEXT_INPUT_VALUE_MAX",
                )
        if (
            self.min_length is not None
            and self.max_length is not None
            and self.min_length > self.max_length
        ):
            raise LimitError(where, f"min_length {self.min_length} > max_length {self.max_length}")

    def to_payload(self) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "type": int(ComponentType.TEXT_INPUT),
            "custom_id": self.custom_id,
            "style": int(self.style),
            "required": self.required,
        }
        for key in ("label", "placeholder", "value", "min_length", "max_length"):
            value = getattr(self, key)
            if value is not None:
                payload[key] = value
        return payload


@dataclass(frozen=True)
class Label(Component):
    """A label and an optional description around one text input or select, in a modal."""

    label: str
    component: TextInput | Select
    description: str | None = None
    width = limits.BUTTONS_PER_ROW_MAX
    modal_only = True

    def __post_init__(self) -> None:
        inner = self.component
        where = f"label {self.label!r}"
        if not 1 <= len(self.label) <= limits.LABEL_TEXT_MAX:
            raise LimitError(
                where, f"must be 1 to {limits.LABEL_TEXT_MAX} characters", "LABEL_TEXT_MAX"
            )
        _max(
            self.description,
            limits.LABEL_DESCRIPTION_MAX,
            where + " description",
            "LABEL_DESCRIPTION_MAX",
        )
        if isinstance(inner, TextInput):
            if inner.label is not None:
                raise LimitError(
                    where, f"text input {inner.custom_id!r} takes its label from the Label"
                )
        elif isinstance(inner, Select):
            select = f"select {inner.custom_id!r}"
            if inner.disabled:
                raise LimitError(where, f"{select}: a modal cannot have disabled components")
            if inner.required and inner.min_values < 1:
                raise LimitError(where, f"{select}: a required select needs min_values >= 1")
        else:
            raise LimitError(where, f"holds a text input or a select, not {type(inner).__name__}")

    def to_payload(self) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "type": int(ComponentType.LABEL),
            "label": self.label,
            "component": self.component.to_payload(),
        }
        if self.description is not None:
            payload["description"] = self.description
        return payload


@dataclass(frozen=True)
class Modal:
    """A pop-up form; `ctx.send_modal(modal)` shows it, `@modal(custom_id)` gets the submit.

    `inputs`: `Label`s (each around a text input or a select), or text inputs with their own
    label (each then goes in an action row, the older layout); both may be mixed.
    """

    custom_id: str
    title: str
    inputs: Sequence[TextInput | Label] = ()

    def __post_init__(self) -> None:
        where = f"modal {self.custom_id!r}"
        check_custom_id(self.custom_id, where)
        if not 1 <= len(self.title) <= limits.MODAL_TITLE_MAX:
            raise LimitError(
                where, f"title must be 1 to {limits.MODAL_TITLE_MAX} characters", "MODAL_TITLE_MAX"
            )
        if not 1 <= len(self.inputs) <= limits.MODAL_COMPONENTS_MAX:
            raise LimitError(
                where,
                f"1 to {limits.MODAL_COMPONENTS_MAX} components, not {len(self.inputs)}",
                "MODAL_COMPONENTS_MAX",
            )
        seen: set[str] = set()
        for item in self.inputs:
            if isinstance(item, Label):
                _unique(item.component, seen)
            elif isinstance(item, TextInput):
                if item.label is None:
                    raise LimitError(
                        where,
                        f"text input {item.custom_id!r} needs a label: give it one, "
                        "or put it in a Label",
                    )
                _unique(item, seen)
            else:
                raise LimitError(
                    where, f"a modal holds labels and text inputs, not {type(item).__name__}"
                )

    def to_payload(self) -> dict[str, Any]:
        return {
            "custom_id": self.custom_id,
            "title": self.title,
            "components": [
                item.to_payload() if isinstance(item, Label) else ActionRow((item,)).to_payload()
                for item in self.inputs
            ],
        }
