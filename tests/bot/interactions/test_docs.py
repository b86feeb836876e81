"""docs/interactions.md names every public name of `bot.interactions`, and the Python examples
of docs/commands.md and docs/interactions.md are valid Python; the first one defines a working
consumer."""

from __future__ import annotations

import ast
import importlib
import pkgutil
import re
from pathlib import Path

import pytest

import bot.interactions as package
from bot.interactions import Registry
from bot.interactions.enums import CommandType

DOCS = Path(__file__).resolve().parents[3] / "docs"
BLOCK = re.compile(r"```python\n(.*?)```", re.DOTALL)


def _public_names() -> list[tuple[str, str]]:
    names = [("bot.interactions", name) for name in package.__all__]
    for module in pkgutil.iter_modules(package.__path__):
        loaded = importlib.import_module(f"bot.interactions.{module.name}")
        names += [(loaded.__name__, name) for name in getattr(loaded, "__all__", ())]
    return names


def test_every_public_name_is_in_the_reference() -> None:
    reference = (DOCS / "interactions.md").read_text(encoding="utf-8")
    missing = [
        f"{module}.{name}"
        for module, name in _public_names()
        if not re.search(rf"\b{re.escape(name)}\b", reference)
    ]
    assert missing == []


@pytest.mark.parametrize("page", ["commands.md", "interactions.md"])
def test_the_python_examples_parse(page: str) -> None:
    for block in BLOCK.findall((DOCS / page).read_text(encoding="utf-8")):
        ast.parse(block)


def test_the_first_example_of_commands_md_defines_a_working_consumer() -> None:
    first = BLOCK.findall((DOCS / "commands.md").read_text(encoding="utf-8"))[0]
    namespace: dict[str, object] = {"__name__": "docs_example"}
    exec(compile(first, "docs/commands.md", "exec"), namespace)
    registry = Registry.of(namespace["Dice"])  # type: ignore[arg-type]
    assert (CommandType.CHAT_INPUT, ("roll",)) in registry.routes
    assert registry.find_component("dice:again:20") == ("again", {"sides": 20})
