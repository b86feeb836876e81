"""The difference between the commands a bot declares and the ones Discord has.

Sync uploads (one bulk overwrite) only when this diff is not empty, so a bot that restarts with
the same commands sends one GET per scope and nothing else. Discord answers with more fields
than were sent (ids, version, defaults such as `dm_permission` or `nsfw: false`) and may
leave out empty ones: both sides are brought to one canonical form before they are compared,
and a setting the bot leaves to Discord's default (`contexts`, `integration_types`) is
compared only when the bot sets it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["CommandDiff", "canonical", "diff_commands"]

Key = tuple[int, str]

_OPTIONAL_SETTINGS = ("contexts", "integration_types")


def _localizations(value: Any) -> dict[str, str]:
    return dict(value) if value else {}


def _canonical_option(option: Mapping[str, Any]) -> dict[str, Any]:
    form: dict[str, Any] = {
        "type": int(option["type"]),
        "name": option["name"],
        "description": option.get("description", ""),
        "required": bool(option.get("required", False)),
        "autocomplete": bool(option.get("autocomplete", False)),
        "choices": [
            {
                "name": c["name"],
                "value": c["value"],
                "name_localizations": _localizations(c.get("name_localizations")),
            }
            for c in option.get("choices") or ()
        ],
        "channel_types": sorted(int(t) for t in option.get("channel_types") or ()),
        "options": [_canonical_option(o) for o in option.get("options") or ()],
        "name_localizations": _localizations(option.get("name_localizations")),
        "description_localizations": _localizations(option.get("description_localizations")),
    }
    for key in ("min_value", "max_value", "min_length", "max_length"):
        form[key] = option.get(key)
    return form


def canonical(
    command: Mapping[str, Any], *, settings: Iterable[str] = _OPTIONAL_SETTINGS
) -> dict[str, Any]:
    """One command in the form both sides are compared in (`settings`: the optional keys kept)."""
    permissions = command.get("default_member_permissions")
    form: dict[str, Any] = {
        "type": int(command.get("type", 1)),
        "name": command["name"],
        "description": command.get("description", ""),
        "options": [_canonical_option(o) for o in command.get("options") or ()],
        "default_member_permissions": None if permissions is None else str(permissions),
        "nsfw": bool(command.get("nsfw", False)),
        "name_localizations": _localizations(command.get("name_localizations")),
        "description_localizations": _localizations(command.get("description_localizations")),
    }
    for key in settings:
        value = command.get(key)
        form[key] = sorted(int(v) for v in value) if value is not None else None
    return form


def _key(command: Mapping[str, Any]) -> Key:
    return (int(command.get("type", 1)), str(command["name"]))


@dataclass(frozen=True)
class CommandDiff:
    """What a bulk overwrite would change: names (with type) added, removed and changed."""

    added: tuple[Key, ...] = ()
    removed: tuple[Key, ...] = ()
    changed: tuple[Key, ...] = ()
    unchanged: tuple[Key, ...] = ()

    @property
    def is_empty(self) -> bool:
        return not (self.added or self.removed or self.changed)

    def lines(self) -> list[str]:
        """One line per command, `+` added, `-` removed, `~` changed, `=` unchanged."""
        out: list[str] = []
        for sign, keys in (
            ("+", self.added),
            ("-", self.removed),
            ("~", self.changed),
            ("=", self.unchanged),
        ):
            out.extend(f"{sign} {_label(key)}" for key in keys)
        return out


_TYPE_LABEL = {1: "/", 2: "user command ", 3: "message command "}


def _label(key: Key) -> str:
    return f"{_TYPE_LABEL.get(key[0], f'type {key[0]} ')}{key[1]}"


def diff_commands(
    local: Sequence[Mapping[str, Any]], remote: Sequence[Mapping[str, Any]]
) -> CommandDiff:
    """Compares the declared commands (`local`, as sent) with Discord's (`remote`, as returned)."""
    mine = {_key(c): c for c in local}
    theirs = {_key(c): c for c in remote}
    added = tuple(sorted(k for k in mine if k not in theirs))
    removed = tuple(sorted(k for k in theirs if k not in mine))
    changed: list[Key] = []
    unchanged: list[Key] = []
    for key in sorted(k for k in mine if k in theirs):
        kept = [s for s in _OPTIONAL_SETTINGS if mine[key].get(s) is not None]
        same = canonical(mine[key], settings=kept) == canonical(theirs[key], settings=kept)
        (unchanged if same else changed).append(key)
    return CommandDiff(added, removed, tuple(changed), tuple(unchanged))
