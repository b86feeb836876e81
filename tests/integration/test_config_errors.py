"""`python -m bot` end to end: config errors print one clear message (file, key, expected,
suggestion) and exit 2, for check-config and run alike. (tests/bot/test_cli.py covers the
command line in-process.)"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.testing.rest import make_token

REPO = Path(__file__).resolve().parents[2]


def shardline(
    tmp_path: Path, *args: str, text: str | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Runs `python -m bot ARGS` (with `--config FILE` when `text` is given)."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("SHARDLINE_")}
    environment.pop("DISCORD_TOKEN", None)
    environment.update(env or {})
    environment["PYTHONPATH"] = str(REPO)
    command = [sys.executable, "-m", "bot", *args]
    if text is not None:
        path = tmp_path / "bad.toml"
        path.write_text(text)
        command += ["--config", str(path)]
    return subprocess.run(
        command, capture_output=True, text=True, env=environment, cwd=tmp_path, timeout=60
    )


CASES = {
    "unknown key": (
        '[gateway]\nencodng = "json"\n',
        {},
        ["gateway.encodng: expected a key of [gateway]", "did you mean gateway.encoding?"],
    ),
    "unknown section": (
        '[gatway]\nurl = "local"\n',
        {},
        ["gatway: expected a section", "did you mean gateway?"],
    ),
    "key in the wrong section": (
        '[gateway]\ntoken = "env:X"\n',
        {},
        ["gateway.token: expected a key of [gateway]", "did you mean bot.token?"],
    ),
    "wrong type": (
        '[gateway]\nlarge_threshold = "big"\n',
        {},
        ['gateway.large_threshold: expected an integer from 50 to 250, got "big"'],
    ),
    "consumer not importable": (
        '[bot]\nconsumers = ["no_such_module_xyz:Ping"]\n',
        {},
        ["bot.consumers[0]: expected a", "no_such_module_xyz", "cannot be imported"],
    ),
    "no token for discord": (
        '[bot]\ntoken = "env:NO_SUCH_TOKEN_VARIABLE"\n[gateway]\nurl = "discord"\n',
        {},
        ["bot.token: expected a token", "NO_SUCH_TOKEN_VARIABLE is not set"],
    ),
    "bad environment override": (
        "",
        {"SHARDLINE_GATEWAY__ENCODING": "xml"},
        ["environment variable SHARDLINE_GATEWAY__ENCODING: gateway.encoding: expected one of"],
    ),
    "toml syntax": ("[bot\n", {}, ["bad.toml"]),
}


@pytest.mark.parametrize("command", ["check-config", "run"])
@pytest.mark.parametrize("case", list(CASES))
def test_a_config_error_prints_one_clear_message_and_exits_2(
    tmp_path: Path, case: str, command: str
) -> None:
    text, env, expected = CASES[case]
    result = shardline(tmp_path, command, text=text, env=env)
    assert result.returncode == 2, (result.stdout, result.stderr)
    errors = [line for line in result.stderr.splitlines() if "config error" in line]
    assert errors and errors[0].startswith("shardline: config error: ")
    if not env:
        assert str(tmp_path / "bad.toml") in result.stderr  # the file is named
    for part in expected:
        assert part in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


def test_several_errors_are_reported_together(tmp_path: Path) -> None:
    text = '[gateway]\nencoding = "xml"\ncompresion = "none"\n[cache]\nmessage_limit = -1\n'
    result = shardline(tmp_path, "check-config", text=text)
    assert result.returncode == 2
    assert "3 config errors" in result.stderr
    for key in ("gateway.encoding", "gateway.compresion", "cache.message_limit"):
        assert key in result.stderr


def test_privileged_intents_are_named_and_the_token_is_not_printed(tmp_path: Path) -> None:
    token = make_token()
    text = (
        '[bot]\nintents = ["guilds", "guild_members", "guild_presences"]\n'
        '[gateway]\nurl = "discord"\n'
    )
    result = shardline(tmp_path, "check-config", text=text, env={"DISCORD_TOKEN": token})
    assert result.returncode == 0, result.stderr
    assert "config.privileged_intents" in result.stderr
    assert "guild_members" in result.stderr and "guild_presences" in result.stderr
    assert token not in result.stdout + result.stderr
