"""Clean shutdown of a whole tree: stop_tree from the main thread, and stop_at_exit."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import supervisors
from supervisors import Supervisor
from tests.supervisors.helpers import WAIT, Journal, worker_spec

ROOT = Path(__file__).resolve().parents[2]


def test_stop_tree_stops_nested_children_in_reverse() -> None:
    journal = Journal()
    inner = Supervisor.child_spec("inner", [worker_spec("x", journal), worker_spec("y", journal)])
    top = Supervisor.start(children=[worker_spec("a", journal), inner])
    assert supervisors.stop_tree(top, WAIT)
    assert journal.events("stop") == ["y", "x", "a"]
    assert supervisors.stop_tree(top, WAIT)  # already stopped: fine


def test_interpreter_exits_with_stop_at_exit() -> None:
    script = textwrap.dedent(
        """
        import supervisors

        class W(supervisors.Actor):
            def on_stop(self):
                print("stopped", flush=True)

        inner = supervisors.Supervisor.child_spec("inner", [supervisors.ChildSpec("b", W.start)])
        ref = supervisors.Supervisor.start(children=[supervisors.ChildSpec("a", W.start), inner])
        supervisors.stop_at_exit(ref)
        print("main done", flush=True)
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stdout.splitlines() if line in ("main done", "stopped")]
    assert lines == ["main done", "stopped", "stopped"]
