"""Property: random crashes and normal exits against a small reference model of OTP's rules."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import supervisors
from supervisors import Names, Restart, Strategy, Supervisor
from tests.supervisors.helpers import WAIT, Journal, crash, settle, worker_spec

PERIOD = 10.0
IDS = ("a", "b", "c", "d")


@dataclass
class Model:
    """OTP's rules, as plainly as they can be written."""

    specs: list[tuple[str, Restart]]
    strategy: Strategy
    intensity: int
    running: dict[str, bool] = field(default_factory=dict)
    starts: Counter[str] = field(default_factory=Counter)
    history: tuple[float, ...] = ()
    alive: bool = True

    def __post_init__(self) -> None:
        for child_id, _ in self.specs:
            self.running[child_id] = True
            self.starts[child_id] += 1

    def restart_of(self, child_id: str) -> Restart:
        return dict(self.specs)[child_id]

    def ends(self, child_id: str, normal: bool, now: float) -> None:
        self.running[child_id] = False
        restart = self.restart_of(child_id)
        if restart is Restart.TEMPORARY:
            self.specs = [s for s in self.specs if s[0] != child_id]
            del self.running[child_id]
            return
        if restart is Restart.TRANSIENT and normal:
            return
        # OTP: this restart and those at most PERIOD seconds before it; more than intensity fails.
        self.history = (*(t for t in self.history if now - t <= PERIOD), now)
        if len(self.history) > self.intensity:
            self.alive = False
            return
        ids = [s[0] for s in self.specs]
        if self.strategy is Strategy.ONE_FOR_ONE:
            group = [child_id]
        elif self.strategy is Strategy.ONE_FOR_ALL:
            group = ids
        else:
            group = ids[ids.index(child_id) :]
        for member in group:
            if member != child_id and self.restart_of(member) is Restart.TEMPORARY:
                self.specs = [s for s in self.specs if s[0] != member]
                del self.running[member]
        for member in group:
            if member in self.running:
                self.running[member] = True
                self.starts[member] += 1


events = st.lists(
    st.tuples(st.integers(0, len(IDS) - 1), st.booleans(), st.sampled_from([0.0, 4.0, 11.0])),
    max_size=10,
)


@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    restarts=st.lists(st.sampled_from(list(Restart)), min_size=1, max_size=len(IDS)),
    strategy=st.sampled_from(list(Strategy)),
    intensity=st.integers(0, 3),
    script=events,
)
def test_supervisor_matches_model(
    restarts: list[Restart],
    strategy: Strategy,
    intensity: int,
    script: list[tuple[int, bool, float]],
) -> None:
    journal, names = Journal(), Names()
    now = [0.0]
    specs = list(zip(IDS, restarts))
    model = Model(list(specs), strategy, intensity)
    sup = Supervisor.start(
        children=[worker_spec(child_id, journal, restart=r) for child_id, r in specs],
        strategy=strategy,
        intensity=intensity,
        period=PERIOD,
        names=names,
        clock=lambda: now[0],
    )
    try:
        for index, normal, step in script:
            child_id = IDS[index]
            if not model.alive or not model.running.get(child_id):
                continue
            now[0] += step
            model.ends(child_id, normal, now[0])
            crash(names, child_id, "exit" if normal else "crash")
            if not model.alive:
                assert sup.lifeline.wait(WAIT)
                break
            settle(sup)
        if model.alive:
            children = settle(sup)
            assert [c.id for c in children] == [s[0] for s in model.specs]
            assert {c.id for c in children if c.ref is not None} == {
                k for k, v in model.running.items() if v
            }
        else:
            assert sup.lifeline.reason is not None
            assert isinstance(sup.lifeline.reason.exception, supervisors.RestartIntensityExceeded)
        assert Counter(journal.events("start")) == model.starts
    finally:
        supervisors.stop_tree(sup, WAIT)
