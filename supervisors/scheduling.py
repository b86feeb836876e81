"""The Linux scheduling policy of our threads: SCHED_BATCH, so hand-offs cost one context switch.

Every hand-off between two actors (a message put, a reply set) releases a lock that another
thread waits on. Under the default policy the kernel lets the woken thread preempt the waker at
once (wakeup preemption), but the woken thread needs the GIL, which the waker still holds: it
blocks again, the waker runs on to its own wait and drops the GIL, and the woken thread is woken
a second time. Three context switches instead of one, at every hand-off. Measured on the event
path (bench/bench_pipeline.py, stage frames, one core): 13.5 context switches per event under
SCHED_OTHER, 5.0 under SCHED_BATCH, and 12,700 -> 18,300 events/s.

SCHED_BATCH is the policy sched(7) describes for exactly this: "workloads that want a
deterministic scheduling policy without interactivity causing extra preemptions (between the
workload's tasks)". It needs no privilege and keeps the nice value; a woken thread is only
"mildly disfavored" (it waits for the running one to block or use up its slice, milliseconds
at most: nothing here needs finer timing than a gateway heartbeat).

`supervisors.Actor` threads and `Pool` threads call `use_batch_policy()` when they start;
threads they start inherit it (a ShardActor's reader). The process's main thread is left alone.
Set the environment variable SHARDLINE_SCHED_BATCH=0 to keep the default policy. Elsewhere than
Linux it does nothing.
"""

from __future__ import annotations

import os

__all__ = ["BATCH_ENV", "batch_policy_enabled", "use_batch_policy"]

BATCH_ENV = "SHARDLINE_SCHED_BATCH"
"""Environment variable: "0" keeps the default policy for our threads."""

_BATCH = getattr(os, "SCHED_BATCH", None)
_enabled = os.environ.get(BATCH_ENV, "1") != "0" and _BATCH is not None


def batch_policy_enabled() -> bool:
    """True if our threads switch to SCHED_BATCH (Linux, and not turned off)."""
    return _enabled


def use_batch_policy() -> bool:
    """Puts the calling thread under SCHED_BATCH; True if it now is. Never raises."""
    if not _enabled:
        return False
    try:
        os.sched_setscheduler(0, _BATCH, os.sched_param(0))  # type: ignore[arg-type]
    except (OSError, AttributeError):
        return False
    return True
