"""`[runtime] gc`: a started bot freezes what its process holds and raises the young
generation's threshold ("tuned", the default), or leaves the collector alone ("default").

Each case runs in a process of its own: the tuning is process-wide and done once."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.integration.helpers import write_config

ROOT = Path(__file__).resolve().parents[2]
RECORDER = "tests.integration.consumers:Recorder"
WAIT = 60.0

SCRIPT = """
import gc, json, sys
from bot.app import Bot
from tests.integration.helpers import running, wait_ready

before = gc.get_threshold()
gc.set_threshold(700, 10, 10)
with running(Bot.from_config(sys.argv[1])) as bot:
    wait_ready(bot, 1)
    print(json.dumps({"frozen": gc.get_freeze_count(), "threshold": gc.get_threshold()}))
"""


def _started(tmp_path: Path, **runtime: str) -> dict[str, object]:
    path = write_config(tmp_path, [RECORDER], **({"runtime": runtime} if runtime else {}))
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=WAIT,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def test_a_started_bot_tunes_the_collector_by_default(tmp_path: Path) -> None:
    result = _started(tmp_path)
    assert isinstance(result["frozen"], int) and result["frozen"] > 10_000  # modules, classes...
    assert result["threshold"] == [10_000, 10, 10]


def test_gc_default_leaves_the_collector_alone(tmp_path: Path) -> None:
    result = _started(tmp_path, gc="default")
    assert result == {"frozen": 0, "threshold": [700, 10, 10]}


def test_an_unknown_gc_setting_is_refused(tmp_path: Path) -> None:
    from bot.config import ConfigError, load_config

    path = write_config(tmp_path, [RECORDER], runtime={"gc": "off"})
    with pytest.raises(ConfigError, match=r"runtime\.gc: expected one of \"tuned\", \"default\""):
        load_config(path)
