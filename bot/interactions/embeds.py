"""`Embed`: a builder for message embeds, with Discord's limits checked as it is built.

    embed = (
        Embed(title="Dice", description="You rolled **4**", colour=0x5865F2)
        .add_field("sides", "6", inline=True)
        .set_footer("good luck")
    )
    ctx.respond(embeds=[embed])            # or api.create_message(..., embeds=[embed])

Limits (`resources/message.mdx`, Embed Limits): title 256, description 4096, 25 fields (name
256, value 1024), footer 2048, author name 256, and 6000 characters over all the embeds of a
message (`check_embeds`). A breach raises `LimitError` naming the part.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from bot.interactions import limits
from bot.interactions.errors import LimitError

__all__ = ["Embed", "check_embeds"]


def _check(text: str | None, maximum: int, where: str, limit: str) -> None:
    if text is not None and len(text) > maximum:
        raise LimitError(where, f"{len(text)} characters, at most {maximum}", limit)


class Embed:
    """One embed; every `set_*`/`add_*` returns the embed, so calls chain."""

    __slots__ = ("_data",)

    def __init__(
        self,
        *,
        title: str | None = None,
        description: str | None = None,
        url: str | None = None,
        colour: int | None = None,
        timestamp: datetime | None = None,
    ) -> None:
        _check(title, limits.EMBED_TITLE_MAX, "embed title", "EMBED_TITLE_MAX")
        _check(
            description, limits.EMBED_DESCRIPTION_MAX, "embed description", "EMBED_DESCRIPTION_MAX"
        )
        self._data: dict[str, Any] = {}
        for key, value in (("title", title), ("description", description), ("url", url)):
            if value is not None:
                self._data[key] = value
        if colour is not None:
            self._data["color"] = int(colour)
        if timestamp is not None:
            self._data["timestamp"] = timestamp.isoformat()

    @property
    def fields(self) -> list[dict[str, Any]]:
        return list(self._data.get("fields", ()))

    def add_field(self, name: str, value: str, *, inline: bool = False) -> Embed:
        fields = self._data.setdefault("fields", [])
        where = f"embed field {len(fields) + 1}"
        if len(fields) >= limits.EMBED_FIELDS_MAX:
            raise LimitError(
                "embed", f"more than {limits.EMBED_FIELDS_MAX} fields", "EMBED_FIELDS_MAX"
            )
        if not name or not value:
            raise LimitError(where, "a field needs a name and a value")
        _check(name, limits.EMBED_FIELD_NAME_MAX, f"{where} name", "EMBED_FIELD_NAME_MAX")
        _check(value, limits.EMBED_FIELD_VALUE_MAX, f"{where} value", "EMBED_FIELD_VALUE_MAX")
        fields.append({"name": name, "value": value, "inline": inline})
        return self

    def set_footer(self, text: str, *, icon_url: str | None = None) -> Embed:
        _check(text, limits.EMBED_FOOTER_TEXT_MAX, "embed footer", "EMBED_FOOTER_TEXT_MAX")
        self._data["footer"] = {"text": text, **({"icon_url": icon_url} if icon_url else {})}
        return self

    def set_author(
        self, name: str, *, url: str | None = None, icon_url: str | None = None
    ) -> Embed:
        _check(name, limits.EMBED_AUTHOR_NAME_MAX, "embed author name", "EMBED_AUTHOR_NAME_MAX")
        author: dict[str, Any] = {"name": name}
        if url:
            author["url"] = url
        if icon_url:
            author["icon_url"] = icon_url
        self._data["author"] = author
        return self

    def set_image(self, url: str) -> Embed:
        self._data["image"] = {"url": url}
        return self

    def set_thumbnail(self, url: str) -> Embed:
        self._data["thumbnail"] = {"url": url}
        return self

    def total_characters(self) -> int:
        """Characters counted against the 6000 of a message."""
        data = self._data
        total = len(data.get("title", "")) + len(data.get("description", ""))
        total += sum(len(f["name"]) + len(f["value"]) for f in data.get("fields", ()))
        total += len(data.get("footer", {}).get("text", ""))
        total += len(data.get("author", {}).get("name", ""))
        return total

    def to_payload(self) -> dict[str, Any]:
        """The embed object as Discord takes it (the total checked too)."""
        check_embeds([self])
        return {k: ([dict(f) for f in v] if k == "fields" else v) for k, v in self._data.items()}

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Embed) and other._data == self._data

    def __hash__(self) -> int:
        return id(self)

    def __repr__(self) -> str:
        return (
            f"Embed(title={self._data.get('title')!r}, fields={len(self._data.get('fields', ()))})"
        )


def check_embeds(embeds: Sequence[Embed | Mapping[str, Any]]) -> None:
    """Checks the embeds of one message: at most 10, at most 6000 characters in all."""
    if len(embeds) > limits.EMBEDS_PER_MESSAGE_MAX:
        raise LimitError(
            "message",
            f"{len(embeds)} embeds, at most {limits.EMBEDS_PER_MESSAGE_MAX}",
            "EMBEDS_PER_MESSAGE_MAX",
        )
    total = sum(e.total_characters() for e in embeds if isinstance(e, Embed))
    if total > limits.EMBED_TOTAL_MAX:
        raise LimitError(
            "message embeds",
            f"{total} characters in all, at most {limits.EMBED_TOTAL_MAX}",
            "EMBED_TOTAL_MAX",
        )
