"""Supervisor.restart_count: every child restarted counts once, group restarts included."""

from __future__ import annotations

import supervisors
from supervisors import Names, Strategy, Supervisor
from tests.supervisors.helpers import WAIT, Journal, crash, settle, worker_spec


def test_restart_count_counts_each_restarted_child() -> None:
    journal, names = Journal(), Names()
    specs = [worker_spec(name, journal) for name in "abc"]
    sup = Supervisor.start(children=specs, strategy=Strategy.REST_FOR_ONE, names=names)
    try:
        assert sup.proxy().restart_count.get(timeout=WAIT) == 0
        crash(names, "c")
        settle(sup)
        assert sup.proxy().restart_count.get(timeout=WAIT) == 1
        crash(names, "b")  # rest_for_one: b and c restart
        settle(sup)
        assert sup.proxy().restart_count.get(timeout=WAIT) == 3
    finally:
        assert supervisors.stop_tree(sup, WAIT)
