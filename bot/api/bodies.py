"""What the endpoint groups share: the requester hook, the UNSET marker, message bodies."""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from typing import Any

from bot.api.http import File, Requester
from bot.api.routes import Route
from bot.payloads.base import Payload

__all__ = ["UNSET", "Endpoints", "Unset", "jsonable", "message_body"]


class Unset(enum.Enum):
    """Marks an argument not given, where `None` means "clear this field"."""

    UNSET = enum.auto()


UNSET = Unset.UNSET


def jsonable(value: Any) -> Any:
    """Payload objects (embeds, components taken from a received message) and builders with a
    `to_payload()` back to JSON."""
    if isinstance(value, Payload):
        return dict(value.raw)
    if callable(getattr(value, "to_payload", None)):
        # Builders (bot.interactions: Embed, ActionRow, Button...) give their own JSON.
        return jsonable(value.to_payload())
    if isinstance(value, Mapping):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value


def message_body(**fields: Any) -> dict[str, Any]:
    """A message JSON body from keyword fields, leaving out the ones that are UNSET.

    `reply_to` (a message id or a Message) becomes `message_reference`.
    """
    body: dict[str, Any] = {}
    reply_to = fields.pop("reply_to", UNSET)
    for key, value in fields.items():
        if value is not UNSET:
            body[key] = jsonable(value)
    if reply_to is not UNSET and reply_to is not None:
        message_id = reply_to.id if isinstance(reply_to, Payload) else int(reply_to)
        body["message_reference"] = {"message_id": str(message_id), "fail_if_not_exists": False}
    return body


class Endpoints:
    """Base of the endpoint groups: one `_send` through the shared requester."""

    _requester: Requester

    def _send(
        self,
        route: Route,
        *,
        json: Any = None,
        params: Mapping[str, Any] | None = None,
        files: Sequence[File] | None = None,
        reason: str | None = None,
    ) -> Any:
        return self._requester.request(route, json=json, params=params, files=files, reason=reason)
