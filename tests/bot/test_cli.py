"""The command line: check-config, run and simulate, exit codes, and no token in any output."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
import types
from pathlib import Path
from typing import Any

import pytest
import structlog

from bot.app import cli
from bot.config import Config

REPO = Path(__file__).resolve().parents[2]
SHAPED_TOKEN = "MTA4NzY1NDMyMTA5ODc2NTQzMg.GaBcDe.abcdefghijklmnopqrstuvwxyz0123456789AB"
PLAIN_TOKEN = "plain-secret-token-value-4242"
GOOD = "tests.bot.config_consumers:GoodConsumer"


@pytest.fixture(autouse=True)
def _clean(monkeypatch: pytest.MonkeyPatch) -> Any:
    for name in list(os.environ):
        if name.startswith("SHARDLINE_") or name == "DISCORD_TOKEN":
            monkeypatch.delenv(name)
    saved = structlog.get_config()
    yield
    structlog.configure(**saved)


def write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "bot.toml"
    path.write_text(text)
    return str(path)


def good_config(tmp_path: Path, extra: str = "") -> str:
    return write(tmp_path, f'[bot]\nconsumers = ["{GOOD}"]\n{extra}')


def test_check_config_prints_the_effective_config(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = good_config(tmp_path, '[gateway]\nencoding = "etf"\n')
    monkeypatch.setenv("SHARDLINE_GATEWAY__ENCODING", "json")
    assert cli.main(["check-config", "--config", path]) == 0
    out = capsys.readouterr().out
    assert f"# effective config from {path}" in out
    assert "# gateway.encoding set by environment variable SHARDLINE_GATEWAY__ENCODING" in out
    printed = tomllib.loads(out)
    assert printed["gateway"]["encoding"] == "json"
    assert printed["bot"]["consumers"] == [GOOD]
    assert set(printed) == set(Config().to_dict())


def test_check_config_error_exits_2_with_the_clear_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = good_config(tmp_path, '[gateway]\nencodng = "json"\n')
    assert cli.main(["check-config", "--config", path]) == cli.EXIT_CONFIG_ERROR
    err = capsys.readouterr().err
    assert f"shardline: config error: {path}: gateway.encodng: expected a key of [gateway]" in err
    assert "did you mean gateway.encoding?" in err


def test_check_config_reports_a_consumer_that_cannot_be_imported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, '[bot]\nconsumers = ["no_such_module_xyz:Bot"]\n')
    assert cli.main(["check-config", "--config", path]) == 2
    err = capsys.readouterr().err
    assert f"{path}: bot.consumers[0]: expected a " in err and "no_such_module_xyz" in err


def test_missing_config_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["check-config", "--config", str(tmp_path / "nope.toml")]) == 2
    assert "no such file" in capsys.readouterr().err


def test_config_path_from_the_environment(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SHARDLINE_CONFIG", good_config(tmp_path, "[log]\nlevel = 'debug'\n"))
    assert cli.main(["check-config"]) == 0
    assert tomllib.loads(capsys.readouterr().out)["log"]["level"] == "debug"


@pytest.mark.parametrize("token", [SHAPED_TOKEN, PLAIN_TOKEN])
@pytest.mark.parametrize("source", ["literal", "env", "file", "override"])
def test_token_never_in_any_output(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
    token: str,
    source: str,
) -> None:
    token_line = {
        "literal": f'token = "{token}"',
        "env": 'token = "env:DISCORD_TOKEN"',
        "file": 'token = "file:token.txt"',
        "override": "",
    }[source]
    (tmp_path / "token.txt").write_text(token)
    monkeypatch.setenv("DISCORD_TOKEN", token)
    if source == "override":
        monkeypatch.setenv("SHARDLINE_BOT__TOKEN", token)
    text = f'[bot]\n{token_line}\nconsumers = ["{GOOD}"]\n[gateway]\nurl = "discord"\n'
    path = write(tmp_path, text)
    assert cli.main(["check-config", "--config", path]) == 0
    bad = write(tmp_path, text + f'encoding = "{token}"\n')
    assert cli.main(["check-config", "--config", bad]) == 2
    captured = capsys.readouterr()
    assert "# bot.token: read" in captured.out
    for output in (captured.out, captured.err, caplog.text):
        assert token not in output
    if source == "literal":
        assert 'token = "[REDACTED]"' in captured.out
        assert "config.literal_token" in captured.err


def test_run_calls_the_runner(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    calls: list[tuple[Config, bool]] = []

    def run(config: Config, forever: bool = False) -> int:
        calls.append((config, forever))
        return 3

    monkeypatch.setitem(sys.modules, "bot.app.runner", types.SimpleNamespace(run=run))
    path = good_config(tmp_path)
    assert cli.main(["run", "--config", path, "--forever"]) == 3
    assert cli.main(["run", "--config", path]) == 3
    assert [forever for _, forever in calls] == [True, False]
    assert calls[0][0].source == path


def test_run_without_a_runner_says_so_and_exits_0(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # The import then fails with ModuleNotFoundError.
    monkeypatch.setitem(sys.modules, "bot.app.runner", None)
    assert cli.main(["run", "--config", good_config(tmp_path)]) == 0
    assert "not assembled yet" in capsys.readouterr().out


def test_run_config_errors_and_interrupts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def interrupted(config: Config, forever: bool = False) -> None:
        raise KeyboardInterrupt

    monkeypatch.setitem(sys.modules, "bot.app.runner", types.SimpleNamespace(run=interrupted))
    assert cli.main(["run", "--config", good_config(tmp_path)]) == cli.EXIT_INTERRUPTED
    bad_consumer = write(tmp_path, '[bot]\nconsumers = ["tests.bot.config_consumers:Nope"]\n')
    assert cli.main(["run", "--config", bad_consumer]) == 2
    assert "bot.consumers[0]" in capsys.readouterr().err


def test_simulate_calls_serve_forever(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # A stand-in for helper C's bot.testing, which may be mid-change while these tests run.
    served: list[Config] = []
    fake = types.SimpleNamespace(serve_forever=served.append)
    monkeypatch.setitem(sys.modules, "bot.testing", fake)
    path = good_config(tmp_path, "[simulator]\ngateway_port = 8765\n")
    assert cli.main(["simulate", "--config", path]) == 0
    assert served[0].simulator.gateway_port == 8765
    del fake.serve_forever
    assert cli.main(["simulate", "--config", path]) == 1
    assert "serve_forever is missing" in capsys.readouterr().out


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        cli.main([])
    assert info.value.code == 2
    with pytest.raises(SystemExit):
        cli.main(["launch"])
    assert "invalid choice" in capsys.readouterr().err


def test_python_dash_m_bot(tmp_path: Path) -> None:
    from bot.__main__ import main

    assert main is cli.main
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHARDLINE_")}
    env.pop("DISCORD_TOKEN", None)
    env["PYTHONPATH"] = str(REPO)
    result = subprocess.run(
        [sys.executable, "-m", "bot", "check-config", "--config", good_config(tmp_path)],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert tomllib.loads(result.stdout)["gateway"]["url"] == "local"
