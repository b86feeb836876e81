"""FakeRest refuses what Discord refuses: 400, code 50035 and the `errors` tree to the field."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from bot.testing import FakeDiscord, GatewayConfig, World

ROW = {"type": 1, "components": [{"type": 2, "style": 1, "label": "ok", "custom_id": "ok"}]}


@pytest.fixture
def rest() -> Iterator[tuple[httpx.Client, FakeDiscord]]:
    config = GatewayConfig(heartbeat_interval_ms=5000, world=World(guild_count=1))
    with FakeDiscord(config=config) as discord:
        headers = {"Authorization": f"Bot {discord.token}"}
        with httpx.Client(base_url=discord.rest_url, headers=headers, timeout=5) as client:
            yield client, discord


def errors_of(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 400, response.text
    body = response.json()
    assert (body["code"], body["message"]) == (50035, "Invalid Form Body")
    errors: dict[str, Any] = body["errors"]
    return errors


def codes(node: dict[str, Any]) -> list[str]:
    return [entry["code"] for entry in node["_errors"]]


def commands_path(discord: FakeDiscord) -> str:
    return f"/applications/{discord.rest.state.application_id}/commands"


@pytest.mark.parametrize(
    ("body", "path", "code"),
    [
        ({"name": "two words", "description": "d"}, ("name",), "APPLICATION_COMMAND_INVALID_NAME"),
        ({"name": "Upper", "description": "d"}, ("name",), "APPLICATION_COMMAND_INVALID_NAME"),
        ({"name": "x" * 33, "description": "d"}, ("name",), "APPLICATION_COMMAND_INVALID_NAME"),
        ({"name": "ok", "description": ""}, ("description",), "BASE_TYPE_BAD_LENGTH"),
        ({"name": "ok", "description": "d" * 101}, ("description",), "BASE_TYPE_BAD_LENGTH"),
        (
            {"name": "ok", "description": "d", "options": [{"type": 99, "name": "o"}]},
            ("options", "0", "type"),
            "BASE_TYPE_CHOICES",
        ),
        (
            {
                "name": "ok",
                "description": "d",
                "options": [{"type": 3, "name": f"o{i}", "description": "d"} for i in range(26)],
            },
            ("options",),
            "BASE_TYPE_MAX_LENGTH",
        ),
        (
            {
                "name": "ok",
                "description": "d",
                "options": [
                    {"type": 3, "name": "a", "description": "d"},
                    {"type": 3, "name": "b", "description": "d", "required": True},
                ],
            },
            ("options", "1", "required"),
            "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
        ),
        (
            {"name": "Menu", "type": 2, "description": "not empty"},
            ("description",),
            "APPLICATION_COMMAND_DESCRIPTION_MUST_BE_EMPTY",
        ),
    ],
)
def test_invalid_commands_are_refused_with_the_errors_tree(
    rest: tuple[httpx.Client, FakeDiscord], body: dict[str, Any], path: tuple[str, ...], code: str
) -> None:
    client, discord = rest
    errors = errors_of(client.post(commands_path(discord), json=body))
    node = errors
    for key in path:
        node = node[key]
    assert code in codes(node)
    # The bulk overwrite checks each command, under its index.
    bulk = errors_of(client.put(commands_path(discord), json=[body]))
    assert "0" in bulk
    assert discord.rest.state.commands.get("global", {}) == {}


def test_valid_commands_are_stored(rest: tuple[httpx.Client, FakeDiscord]) -> None:
    client, discord = rest
    body = {
        "name": "echo",
        "description": "says it back",
        "options": [
            {"type": 3, "name": "text", "description": "d", "required": True},
            {"type": 4, "name": "n", "description": "d", "choices": [{"name": "one", "value": 1}]},
        ],
    }
    assert client.post(commands_path(discord), json=body).status_code == 201
    assert client.put(
        commands_path(discord), json=[body, {"name": "Inspect", "type": 2}]
    ).is_success


@pytest.mark.parametrize(
    ("body", "path", "code"),
    [
        ({"embeds": [{"title": "t" * 257}]}, ("embeds", "0", "title"), "BASE_TYPE_MAX_LENGTH"),
        ({"embeds": [{"title": 5}]}, ("embeds", "0", "title"), "BASE_TYPE_STRING"),
        ({"embeds": ["not an object"]}, ("embeds", "0"), "MODEL_TYPE_CONVERT"),
        (
            {"embeds": [{"fields": [{"name": "n", "value": "v" * 1025}]}]},
            ("embeds", "0", "fields", "0", "value"),
            "BASE_TYPE_MAX_LENGTH",
        ),
        (
            {"embeds": [{"description": "d" * 4000}, {"description": "d" * 2001}]},
            ("embeds",),
            "MAX_EMBED_SIZE_EXCEEDED",
        ),
        (
            {"components": [{"type": 2, "style": 1, "label": "x", "custom_id": "b"}]},
            ("components", "0", "type"),
            "UNION_TYPE_CHOICES",
        ),
        (
            {"components": [ROW] * 6},
            ("components",),
            "BASE_TYPE_MAX_LENGTH",
        ),
        (
            {"components": [{"type": 1, "components": [{"type": 2, "style": 1, "label": "x"}]}]},
            ("components", "0", "components", "0", "custom_id"),
            "BUTTON_COMPONENT_CUSTOM_ID_REQUIRED",
        ),
        (
            {"components": [ROW, ROW]},
            ("components", "1", "components", "0", "custom_id"),
            "COMPONENT_CUSTOM_ID_DUPLICATED",
        ),
        ({"content": "x" * 2001}, ("content",), "BASE_TYPE_MAX_LENGTH"),
    ],
)
def test_invalid_messages_are_refused_with_the_errors_tree(
    rest: tuple[httpx.Client, FakeDiscord], body: dict[str, Any], path: tuple[str, ...], code: str
) -> None:
    client, discord = rest
    channel = discord.config.world.channel_id(0)
    errors = errors_of(client.post(f"/channels/{channel}/messages", json=body))
    node = errors
    for key in path:
        node = node[key]
    assert code in codes(node)


def test_components_v2_messages_skip_the_action_row_rule(
    rest: tuple[httpx.Client, FakeDiscord],
) -> None:
    client, discord = rest
    channel = discord.config.world.channel_id(0)
    body = {"flags": 1 << 15, "components": [{"type": 10, "content": "text display"}]}
    assert client.post(f"/channels/{channel}/messages", json=body).status_code == 200
