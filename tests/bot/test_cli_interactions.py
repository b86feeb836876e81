"""The command line's interaction parts: `new DIR`, `commands diff|sync`, the bot.py check, and
the defaults working outside the repository."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bot import Consumer
from bot.app import cli
from bot.app.scaffold import FILES
from bot.interactions import InteractionContext, Registry, slash_command

REPO = Path(__file__).resolve().parents[2]


class Dice(Consumer):
    @slash_command(description="Roll a die")
    def roll(self, ctx: InteractionContext, sides: int = 6) -> None:
        ctx.respond(str(sides))


@pytest.fixture(autouse=True)
def _clean(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("SHARDLINE_") or name == "DISCORD_TOKEN":
            monkeypatch.delenv(name)


def test_new_writes_a_project_and_never_overwrites(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "mybot"
    assert cli.main(["new", str(target)]) == 0
    assert sorted(p.name for p in target.iterdir()) == sorted(FILES)
    assert "python -m pytest" in capsys.readouterr().out
    spec = importlib.util.spec_from_file_location("scaffolded_my_bot", target / "my_bot.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert [c.name for c in Registry.of(module.MyBot).commands] == ["hello"]
    (target / "my_bot.py").write_text("# mine\n")
    assert cli.main(["new", str(target)]) == 1
    assert "already has" in capsys.readouterr().err
    assert (target / "my_bot.py").read_text() == "# mine\n"


def test_new_refuses_a_file_an_empty_name_and_an_unwritable_place_without_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "afile").write_text("x")
    assert cli.main(["new", str(tmp_path / "afile")]) == 2
    assert "is not a directory" in capsys.readouterr().err
    assert cli.main(["new", " "]) == 2
    assert "name the directory" in capsys.readouterr().err
    assert cli.main(["new", str(tmp_path / "afile" / "below")]) == 2
    assert "cannot write in" in capsys.readouterr().err


def test_a_bot_py_in_the_current_directory_is_named_and_explained(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "bot.py").write_text("from bot import Consumer\n")
    monkeypatch.chdir(tmp_path)
    assert cli.main(["check-config"]) == cli.EXIT_CONFIG_ERROR
    err = capsys.readouterr().err
    assert "bot.py has the name of Shardline's own package" in err
    assert "my_bot.py" in err


def _config(tmp_path: Path) -> str:
    path = tmp_path / "config.toml"
    path.write_text(
        '[bot]\nconsumers = ["tests.bot.test_cli_interactions:Dice"]\n'
        '[gateway]\nurl = "local"\n[simulator]\nshards = 1\nguilds = 1\n'
    )
    return str(path)


def test_commands_diff_shows_and_sync_uploads(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _config(tmp_path)
    assert cli.main(["commands", "diff", "--config", path]) == 0
    out = capsys.readouterr().out
    assert "# global: differs" in out and "+ /roll" in out
    assert cli.main(["commands", "sync", "--config", path]) == 0
    assert "# global: uploaded" in capsys.readouterr().out


def _run(args: list[str], cwd: Path) -> Any:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHARDLINE_")}
    env.pop("PYTHONPATH", None)
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_defaults_work_outside_the_repository(tmp_path: Path) -> None:
    checked = _run(["check-config"], tmp_path)
    assert checked.returncode == 0, checked.stderr
    assert 'consumers = ["bot.app.demo:PingConsumer"]' in checked.stdout


def test_a_new_project_passes_its_own_test_at_once(tmp_path: Path) -> None:
    target = tmp_path / "fresh"
    assert cli.main(["new", str(target)]) == 0
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHARDLINE_")}
    env.pop("PYTHONPATH", None)
    ran = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_my_bot.py"],
        cwd=target,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert ran.returncode == 0, ran.stdout[-2000:] + ran.stderr[-2000:]
    assert "1 passed" in ran.stdout
