"""The package layers and the one-way arrows between them (docs/architecture.md, section 2).

    supervisors  <-  bot's pure Discord layer  <-  actors  <-  bot.app

Read from the source with `ast`, so a lazy import inside a function counts as much as one at the
top of a module.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

PURE_BOT = (
    "bot.gateway",
    "bot.cache",
    "bot.api",
    "bot.payloads",
    "bot.config",
    "bot.testing",
    "bot.cluster",
    "bot.interactions",
)
PURE_BOT_MODULES = ("bot.events", "bot.event_names", "bot.log")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def _modules(package: str) -> list[Path]:
    files = sorted((ROOT / package).rglob("*.py"))
    assert files, f"no modules under {package}"
    return files


def _is_under(module: str, prefixes: tuple[str, ...]) -> bool:
    return any(module == prefix or module.startswith(prefix + ".") for prefix in prefixes)


def _pure_bot_files() -> list[Path]:
    return [
        path
        for path in _modules("bot")
        if _is_under(_module_name(path), PURE_BOT + PURE_BOT_MODULES)
    ]


@pytest.mark.parametrize("path", _modules("supervisors"), ids=_module_name)
def test_supervisors_know_nothing_of_discord(path: Path) -> None:
    bad = {m for m in _imports(path) if _is_under(m, ("bot", "actors"))}
    assert not bad, f"{_module_name(path)} imports {sorted(bad)}"


@pytest.mark.parametrize("path", _pure_bot_files(), ids=_module_name)
def test_pure_discord_layer_imports_no_actor_and_no_app(path: Path) -> None:
    bad = {m for m in _imports(path) if _is_under(m, ("actors", "bot.app"))}
    assert not bad, f"{_module_name(path)} imports {sorted(bad)}"


@pytest.mark.parametrize("path", _modules("actors"), ids=_module_name)
def test_actors_do_not_import_the_application_layer(path: Path) -> None:
    bad = {m for m in _imports(path) if _is_under(m, ("bot.app",))}
    assert not bad, f"{_module_name(path)} imports {sorted(bad)}"


def test_every_bot_module_is_in_a_layer() -> None:
    """A new top-level module of `bot` must be placed in a layer on purpose."""
    placed = PURE_BOT + PURE_BOT_MODULES + ("bot.app", "bot", "bot.__main__")
    unplaced = [
        _module_name(path)
        for path in _modules("bot")
        if not _is_under(_module_name(path), placed[:-2]) and _module_name(path) not in placed[-2:]
    ]
    assert not unplaced, f"modules in no layer: {unplaced}"


def test_the_facade_names_still_import_from_bot() -> None:
    from actors.consumer import Consumer
    from bot import Bot as LazyBot
    from bot import Consumer as LazyConsumer
    from bot.app import Bot

    assert LazyBot is Bot
    assert LazyConsumer is Consumer
