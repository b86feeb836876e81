"""Integration tests: the whole tree against the built-in simulator."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.integration.consumers import clear_journals


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No token or override from the machine's environment reaches these bots."""
    for name in list(os.environ):
        if name.startswith("SHARDLINE_") or name == "DISCORD_TOKEN":
            monkeypatch.delenv(name)
    yield
    clear_journals()
