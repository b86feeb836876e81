"""Shared pieces of the interactions tests: a REST client that records, interaction payloads."""

from __future__ import annotations

from typing import Any

from bot.events import Event, ShardInfo
from bot.payloads import Interaction, Message

__all__ = [
    "RecordingApi",
    "command",
    "component_click",
    "event",
    "interaction",
    "message",
    "modal_submit",
]

USER = {"id": "900", "username": "ada", "discriminator": "0"}


class RecordingApi:
    """Stands for the REST client: records each call as (method name, args, kwargs)."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = []

    def __getattr__(self, name: str) -> Any:
        def record(*args: Any, **kwargs: Any) -> Any:
            self.calls.append((name, args, kwargs))
            return Message({"id": "1", "channel_id": "5", "content": kwargs.get("content")})

        return record

    def responses(self) -> list[tuple[int, Any]]:
        """(callback type, data) of every interaction response sent."""
        return [(c[1][2], c[1][3]) for c in self.calls if c[0] == "create_interaction_response"]


def interaction(kind: Any, data: Any, **extra: Any) -> Interaction:
    """An interaction payload around `data` (any values: the hostile tests pass garbage)."""
    return Interaction(
        {
            "id": "10",
            "application_id": "20",
            "type": kind,
            "token": "secret-token",
            "channel_id": "5",
            "guild_id": "7",
            "member": {"user": USER, "roles": []},
            "data": data,
            **extra,
        }
    )


def command(
    name: str,
    options: list[dict[str, Any]] | None = None,
    *,
    kind: int = 2,
    resolved: dict[str, Any] | None = None,
    command_type: int = 1,
    target_id: str | None = None,
) -> Interaction:
    data: dict[str, Any] = {
        "id": "30",
        "name": name,
        "type": command_type,
        "options": options or [],
    }
    if resolved is not None:
        data["resolved"] = resolved
    if target_id is not None:
        data["target_id"] = target_id
    return interaction(kind, data)


def component_click(custom_id: str, values: list[str] | None = None) -> Interaction:
    data: dict[str, Any] = {"custom_id": custom_id, "component_type": 2 if values is None else 3}
    if values is not None:
        data["values"] = values
    return interaction(3, data, message={"id": "40", "channel_id": "5", "content": "hi"})


def modal_submit(custom_id: str, fields: dict[str, str]) -> Interaction:
    rows = [
        {"type": 1, "components": [{"type": 4, "custom_id": key, "value": value}]}
        for key, value in fields.items()
    ]
    return interaction(5, {"custom_id": custom_id, "components": rows})


def message(
    content: str, *, bot: bool = False, mentions: list[dict[str, Any]] | None = None
) -> Message:
    return Message(
        {
            "id": "50",
            "channel_id": "5",
            "content": content,
            "author": {**USER, "bot": bot},
            "mentions": mentions or [],
        }
    )


def event(name: str, data: Any) -> Event:
    return Event(name, data, ShardInfo(0))
