"""Discord's checks on request bodies, with its error format: 400, code 50035 and an `errors` tree.

Discord answers an invalid JSON body with
`{"code": 50035, "message": "Invalid Form Body", "errors": {...}}` where `errors` mirrors the
body's shape down to the bad field, which holds `{"_errors": [{"code", "message"}]}`
(https://discord.com/developers/docs/reference#error-messages). `Errors` builds that tree;
the `check_*` functions hold Discord's limits on embeds, components, modals and autocomplete
choices (application commands: `bot.testing.rest_validation_commands`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.testing.rest_routes import RouteError

__all__ = [
    "Errors",
    "check_choice_list",
    "check_choices",
    "check_components",
    "check_embeds",
    "check_modal",
    "error",
]

# https://discord.com/developers/docs/resources/message#embed-object-embed-limits
EMBED_TITLE = 256
EMBED_DESCRIPTION = 4096
EMBED_FIELDS = 25
EMBED_FIELD_NAME = 256
EMBED_FIELD_VALUE = 1024
EMBED_FOOTER_TEXT = 2048
EMBED_AUTHOR_NAME = 256
EMBED_TOTAL = 6000

# https://discord.com/developers/docs/components/reference
ACTION_ROW, BUTTON, STRING_SELECT, TEXT_INPUT = 1, 2, 3, 4
SELECTS = frozenset({3, 5, 6, 7, 8})  # string, user, role, mentionable, channel selects
LABEL = 18
MAX_ACTION_ROWS = 5
MAX_BUTTONS_PER_ROW = 5
CUSTOM_ID_MAX = 100
BUTTON_LABEL_MAX = 80
BUTTON_STYLES = range(1, 7)  # primary .. premium
LINK_STYLE, PREMIUM_STYLE = 5, 6
SELECT_OPTIONS_MAX = 25
SELECT_PLACEHOLDER_MAX = 150
# https://discord.com/developers/docs/resources/message#message-object-message-flags
IS_COMPONENTS_V2 = 1 << 15

# https://discord.com/developers/docs/interactions/receiving-and-responding#interaction-response-object-modal
MODAL_TITLE_MAX = 45
MODAL_COMPONENTS_MAX = 5
TEXT_INPUT_VALUE_MAX = 4000
# https://discord.com/developers/docs/interactions/receiving-and-responding#interaction-response-object-autocomplete
AUTOCOMPLETE_CHOICES_MAX = 25

# https://discord.com/developers/docs/interactions/application-commands#application-command-object-application-command-option-choice-structure
OPTION_CHOICES_MAX = 25
CHOICE_NAME_MAX = 100
CHOICE_STRING_MAX = 100


def error(code: str, message: str) -> dict[str, str]:
    """One entry of an `_errors` list."""
    return {"code": code, "message": message}


class Errors:
    """The `errors` tree of a 50035 answer, built by path: `add(("embeds", 0, "title"), ...)`."""

    def __init__(self) -> None:
        self.tree: dict[str, Any] = {}

    def add(self, path: tuple[str | int, ...], code: str, message: str) -> None:
        node = self.tree
        for key in path:
            node = node.setdefault(str(key), {})
        node.setdefault("_errors", []).append(error(code, message))

    def too_long(self, path: tuple[str | int, ...], value: Any, limit: int) -> None:
        if isinstance(value, str | list) and len(value) > limit:
            self.add(path, "BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length.")

    def string(self, path: tuple[str | int, ...], value: Any, limit: int) -> None:
        """A string field (null allowed) of at most `limit` characters."""
        if value is not None and not isinstance(value, str):
            self.add(path, "BASE_TYPE_STRING", "Must be a string.")
        else:
            self.too_long(path, value, limit)

    def required(self, path: tuple[str | int, ...]) -> None:
        self.add(path, "BASE_TYPE_REQUIRED", "This field is required")

    def raise_if_any(self) -> None:
        if self.tree:
            raise RouteError(400, 50035, "Invalid Form Body", self.tree)


# -- messages --------------------------------------------------------------------------------


def check_embeds(errors: Errors, embeds: Any) -> None:
    """Embed field types and the embed limits, each embed and all of them together."""
    if embeds is None:
        return
    if not isinstance(embeds, list):
        errors.add(("embeds",), "BASE_TYPE_ARRAY", "Must be an array.")
        return
    total = 0
    for index, embed in enumerate(embeds):
        path: tuple[str | int, ...] = ("embeds", index)
        if not isinstance(embed, Mapping):
            errors.add(path, "MODEL_TYPE_CONVERT", "Only dictionaries may be used in a ModelType")
            continue
        errors.string((*path, "title"), embed.get("title"), EMBED_TITLE)
        errors.string((*path, "description"), embed.get("description"), EMBED_DESCRIPTION)
        errors.string((*path, "url"), embed.get("url"), 2048)
        color = embed.get("color")
        if color is not None and (not isinstance(color, int) or not 0 <= color <= 0xFFFFFF):
            errors.add((*path, "color"), "NUMBER_TYPE_MAX", "int value should be <= 16777215.")
        footer, author = embed.get("footer"), embed.get("author")
        if isinstance(footer, Mapping):
            errors.string((*path, "footer", "text"), footer.get("text"), EMBED_FOOTER_TEXT)
        if isinstance(author, Mapping):
            errors.string((*path, "author", "name"), author.get("name"), EMBED_AUTHOR_NAME)
        fields = embed.get("fields") or []
        if not isinstance(fields, list):
            errors.add((*path, "fields"), "BASE_TYPE_ARRAY", "Must be an array.")
            fields = []
        errors.too_long((*path, "fields"), fields, EMBED_FIELDS)
        for number, item in enumerate(fields):
            where = (*path, "fields", number)
            if not isinstance(item, Mapping):
                errors.add(where, "MODEL_TYPE_CONVERT", "Only dictionaries may be used")
                continue
            for key, limit in (("name", EMBED_FIELD_NAME), ("value", EMBED_FIELD_VALUE)):
                if item.get(key) is None:
                    errors.required((*where, key))
                errors.string((*where, key), item.get(key), limit)
            total += _length(item.get("name")) + _length(item.get("value"))
        total += _length(embed.get("title")) + _length(embed.get("description"))
        total += _length((footer or {}).get("text") if isinstance(footer, Mapping) else None)
        total += _length((author or {}).get("name") if isinstance(author, Mapping) else None)
    if total > EMBED_TOTAL:
        errors.add(
            ("embeds",), "MAX_EMBED_SIZE_EXCEEDED", "Embed size exceeds maximum size of 6000"
        )


def _length(value: Any) -> int:
    return len(value) if isinstance(value, str) else 0


def check_components(errors: Errors, components: Any, flags: int = 0) -> None:
    """Message component layout: up to 5 action rows at the top (unless components v2), each
    with up to 5 buttons or one select; buttons with a style and a custom_id (or a url for
    links); custom ids unique in the message."""
    if components is None or int(flags or 0) & IS_COMPONENTS_V2:
        return
    if not isinstance(components, list):
        errors.add(("components",), "BASE_TYPE_ARRAY", "Must be an array.")
        return
    errors.too_long(("components",), components, MAX_ACTION_ROWS)
    seen: set[str] = set()
    for row_index, row in enumerate(components):
        path: tuple[str | int, ...] = ("components", row_index)
        if not isinstance(row, Mapping) or row.get("type") != ACTION_ROW:
            errors.add(
                (*path, "type"), "UNION_TYPE_CHOICES", 'Value of field "type" must be one of (1,).'
            )
            continue
        children = row.get("components")
        if not isinstance(children, list) or not children:
            errors.add(
                (*path, "components"), "BASE_TYPE_MIN_LENGTH", "Must be 1 or more in length."
            )
            continue
        kinds = [c.get("type") if isinstance(c, Mapping) else None for c in children]
        if any(k in SELECTS for k in kinds) and len(children) > 1:
            errors.add(
                (*path, "components"),
                "COMPONENT_LAYOUT_WIDTH_EXCEEDED",
                "The specified component exceeds the maximum width",
            )
        errors.too_long((*path, "components"), children, MAX_BUTTONS_PER_ROW)
        for index, child in enumerate(children):
            _check_child(errors, (*path, "components", index), child, seen)


def _check_child(errors: Errors, path: tuple[str | int, ...], child: Any, seen: set[str]) -> None:
    if not isinstance(child, Mapping):
        errors.add(path, "MODEL_TYPE_CONVERT", "Only dictionaries may be used in a ModelType")
        return
    kind = child.get("type")
    if kind != BUTTON and kind not in SELECTS:
        errors.add(
            (*path, "type"),
            "UNION_TYPE_CHOICES",
            'Value of field "type" must be one of (2, 3, 5, 6, 7, 8).',
        )
        return
    custom_id = child.get("custom_id")
    if kind == BUTTON:
        style = child.get("style")
        if style not in BUTTON_STYLES:
            errors.add((*path, "style"), "BASE_TYPE_CHOICES", "Value must be one of (1..6).")
        errors.string((*path, "label"), child.get("label"), BUTTON_LABEL_MAX)
        if style == LINK_STYLE:
            if not child.get("url"):
                errors.add((*path, "url"), "BUTTON_COMPONENT_URL_REQUIRED", "A url is required")
            if custom_id is not None:
                errors.add(
                    (*path, "custom_id"),
                    "BUTTON_COMPONENT_CUSTOM_ID_NOT_ALLOWED",
                    "A custom id cannot be specified for a link button",
                )
            return
        if style == PREMIUM_STYLE:
            return
    elif kind == STRING_SELECT:
        options = child.get("options")
        if not isinstance(options, list) or not 1 <= len(options) <= SELECT_OPTIONS_MAX:
            errors.add((*path, "options"), "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 25.")
    if kind in SELECTS:
        errors.string((*path, "placeholder"), child.get("placeholder"), SELECT_PLACEHOLDER_MAX)
    if not custom_id:
        errors.add(
            (*path, "custom_id"),
            "BUTTON_COMPONENT_CUSTOM_ID_REQUIRED" if kind == BUTTON else "BASE_TYPE_REQUIRED",
            "A custom id is required",
        )
        return
    errors.string((*path, "custom_id"), custom_id, CUSTOM_ID_MAX)
    if custom_id in seen:
        errors.add(
            (*path, "custom_id"),
            "COMPONENT_CUSTOM_ID_DUPLICATED",
            "Component custom id cannot be duplicated",
        )
    seen.add(str(custom_id))


# -- interaction callbacks -------------------------------------------------------------------


def check_modal(data: Any) -> None:
    """A MODAL callback's data: custom_id, title and 1-5 rows (an action row or a label) each
    holding one text input (or, in a label, a select)."""
    errors = Errors()
    if not isinstance(data, Mapping):
        errors.required(("data",))
        errors.raise_if_any()
        return
    for key, limit in (("custom_id", CUSTOM_ID_MAX), ("title", MODAL_TITLE_MAX)):
        if not data.get(key):
            errors.required(("data", key))
        errors.string(("data", key), data.get(key), limit)
    rows = data.get("components")
    if not isinstance(rows, list) or not 1 <= len(rows) <= MODAL_COMPONENTS_MAX:
        errors.add(("data", "components"), "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 5.")
        rows = []
    for index, row in enumerate(rows):
        path = ("data", "components", index)
        inner = modal_fields(row)
        if inner is None:
            errors.add(
                (*path, "type"),
                "UNION_TYPE_CHOICES",
                'Value of field "type" must be one of (1, 18).',
            )
            continue
        for field in inner:
            if not field.get("custom_id"):
                errors.required((*path, "custom_id"))
            errors.string((*path, "value"), field.get("value"), TEXT_INPUT_VALUE_MAX)
    errors.raise_if_any()


def modal_fields(row: Any) -> list[Mapping[str, Any]] | None:
    """The inputs in one top-level modal component: an action row of one text input, or a
    label (type 18) around one input; None for anything else."""
    if not isinstance(row, Mapping):
        return None
    if row.get("type") == ACTION_ROW:
        children = row.get("components")
        if isinstance(children, list) and len(children) == 1:
            child = children[0]
            if isinstance(child, Mapping) and child.get("type") == TEXT_INPUT:
                return [child]
        return None
    if row.get("type") == LABEL and isinstance(row.get("component"), Mapping):
        return [row["component"]]
    return None


def check_choices(data: Any) -> None:
    """An autocomplete result: `{"choices": [...]}` with at most 25 named choices."""
    errors = Errors()
    choices = data.get("choices") if isinstance(data, Mapping) else None
    if not isinstance(choices, list):
        errors.required(("data", "choices"))
    else:
        check_choice_list(errors, ("data", "choices"), choices)
    errors.raise_if_any()


def check_choice_list(errors: Errors, path: tuple[str | int, ...], choices: list[Any]) -> None:
    errors.too_long(path, choices, OPTION_CHOICES_MAX)
    for index, choice in enumerate(choices):
        if not isinstance(choice, Mapping):
            errors.add((*path, index), "MODEL_TYPE_CONVERT", "Only dictionaries may be used")
            continue
        name, value = choice.get("name"), choice.get("value")
        if not isinstance(name, str) or not 1 <= len(name) <= CHOICE_NAME_MAX:
            errors.add((*path, index, "name"), "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100.")
        if isinstance(value, str):
            errors.too_long((*path, index, "value"), value, CHOICE_STRING_MAX)
        elif not isinstance(value, int | float) or isinstance(value, bool):
            errors.add((*path, index, "value"), "BASE_TYPE_REQUIRED", "Must be a string or number.")
