"""The command diff: Discord's answer (extra fields, defaults) against the declared commands."""

from __future__ import annotations

import copy
from typing import Any

from bot.interactions.sync import diff_commands

ROLL: dict[str, Any] = {
    "type": 1,
    "name": "roll",
    "description": "Roll a die",
    "options": [
        {"type": 4, "name": "sides", "description": "sides", "min_value": 2, "max_value": 100}
    ],
}
PROFILE: dict[str, Any] = {"type": 2, "name": "Profile"}


def _as_discord_returns(command: dict[str, Any]) -> dict[str, Any]:
    """A command as `GET /applications/{id}/commands` returns it: ids, version and defaults."""
    answer = {
        "id": "1100",
        "application_id": "20",
        "version": "1200",
        "default_member_permissions": None,
        "dm_permission": True,
        "contexts": None,
        "integration_types": [0],
        "nsfw": False,
        "name_localizations": None,
        "description_localizations": None,
        "description": "",
        **copy.deepcopy(command),
    }
    for option in answer.get("options", []):
        option.setdefault("name_localizations", None)
        option.setdefault("description_localizations", None)
    return answer


def test_the_same_commands_as_discord_returns_them_are_unchanged() -> None:
    remote = [_as_discord_returns(ROLL), _as_discord_returns(PROFILE)]
    diff = diff_commands([ROLL, PROFILE], remote)
    assert diff.is_empty
    assert diff.unchanged == ((1, "roll"), (2, "Profile"))


def test_added_removed_and_changed_are_told_apart() -> None:
    changed = copy.deepcopy(ROLL)
    changed["options"][0]["max_value"] = 20
    old = {"type": 1, "name": "old", "description": "gone"}
    diff = diff_commands([changed, PROFILE], [_as_discord_returns(ROLL), _as_discord_returns(old)])
    assert diff.added == ((2, "Profile"),)
    assert diff.removed == ((1, "old"),)
    assert diff.changed == ((1, "roll"),)
    assert not diff.is_empty
    assert diff.lines() == ["+ user command Profile", "- /old", "~ /roll"]


def test_settings_left_to_discord_are_not_compared_but_set_ones_are() -> None:
    remote = _as_discord_returns(ROLL)
    remote["contexts"] = [0, 1, 2]
    assert diff_commands([ROLL], [remote]).is_empty
    guild_only = {**ROLL, "contexts": [0]}
    assert diff_commands([guild_only], [remote]).changed == ((1, "roll"),)
    remote["contexts"] = [0]
    assert diff_commands([guild_only], [remote]).is_empty


def test_permissions_and_choices_changes_are_seen() -> None:
    locked = {**ROLL, "default_member_permissions": "32"}
    assert diff_commands([locked], [_as_discord_returns(ROLL)]).changed
    remote = _as_discord_returns(locked)
    assert diff_commands([locked], [remote]).is_empty
    with_choices = {
        "type": 1,
        "name": "pick",
        "description": "d",
        "options": [
            {"type": 3, "name": "c", "description": "c", "choices": [{"name": "a", "value": "a"}]}
        ],
    }
    more = copy.deepcopy(with_choices)
    more["options"][0]["choices"].append({"name": "b", "value": "b"})
    assert diff_commands([more], [_as_discord_returns(with_choices)]).changed == ((1, "pick"),)
