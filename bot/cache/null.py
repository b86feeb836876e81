"""Stores for a switched-off cache component: they keep nothing, so they cost no memory."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Generic, TypeVar

__all__ = ["NullGroupedStore", "NullStore"]

V = TypeVar("V")


class NullStore(Generic[V]):
    """A `KeyValueStore` that forgets everything it is given."""

    __slots__ = ()

    enabled = False

    def get(self, key: int) -> V | None:
        return None

    def put(self, key: int, value: V) -> None:
        return None

    def pop(self, key: int) -> V | None:
        return None

    def keys(self) -> list[int]:
        return []

    def values(self) -> list[V]:
        return []

    def __len__(self) -> int:
        return 0

    def clear(self) -> None:
        return None


class NullGroupedStore(Generic[V]):
    """A `GroupedStore` that forgets everything it is given."""

    __slots__ = ()

    enabled = False

    def get(self, group: int, key: int) -> V | None:
        return None

    def put(self, group: int, key: int, value: V) -> None:
        return None

    def put_many(self, group: int, items: Iterable[tuple[int, V]]) -> None:
        return None

    def pop(self, group: int, key: int) -> V | None:
        return None

    def pop_group(self, group: int) -> dict[int, V]:
        return {}

    def items(self, group: int) -> list[tuple[int, V]]:
        return []

    def count(self, group: int) -> int:
        return 0

    def groups(self) -> list[int]:
        return []

    def total(self) -> int:
        return 0

    def clear(self) -> None:
        return None
