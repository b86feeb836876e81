"""The OTP supervision layer on Pykka: supervisors, restarts, links, monitors, cheap actors.

Knows nothing about Discord. See docs/supervisors.md.
"""

from supervisors.actor import Actor, SupervisedActorRef
from supervisors.errors import (
    ChildAlreadyPresent,
    ChildNotFound,
    ChildRunning,
    ChildSpecError,
    LinkedExit,
    NameNotFound,
    NameTaken,
    NotSupervisable,
    RestartIntensityExceeded,
    StartFailed,
    SupervisorsError,
)
from supervisors.future import LatchFuture
from supervisors.inbox import Inbox
from supervisors.intensity import add_restart, restart_allowed
from supervisors.lifeline import Lifeline, demonitor, link, monitor, unlink
from supervisors.messages import (
    NOPROC,
    NORMAL,
    SHUTDOWN,
    ChildCounts,
    ChildInfo,
    Down,
    Exit,
    ExitKind,
    ExitReason,
    ExitSignal,
    MonitorRef,
    Shutdown,
)
from supervisors.names import Names
from supervisors.pool import Pool, default_pool, hold_turns, release_turns
from supervisors.pooled import PooledActor, PooledFuture, PooledRef
from supervisors.shutdown import stop_at_exit, stop_tree
from supervisors.spec import (
    DEFAULT_INTENSITY,
    DEFAULT_PERIOD,
    DEFAULT_SUPERVISOR_SHUTDOWN,
    DEFAULT_WORKER_SHUTDOWN,
    AutoShutdown,
    Backoff,
    ChildSpec,
    ChildType,
    Restart,
    Strategy,
)
from supervisors.supervisor import Supervisor
from supervisors.timer import Scheduler, SchedulerStopped, default_scheduler

__all__ = [
    "DEFAULT_INTENSITY",
    "DEFAULT_PERIOD",
    "DEFAULT_SUPERVISOR_SHUTDOWN",
    "DEFAULT_WORKER_SHUTDOWN",
    "NOPROC",
    "NORMAL",
    "SHUTDOWN",
    "Actor",
    "AutoShutdown",
    "Backoff",
    "ChildAlreadyPresent",
    "ChildCounts",
    "ChildInfo",
    "ChildNotFound",
    "ChildRunning",
    "ChildSpec",
    "ChildSpecError",
    "ChildType",
    "Down",
    "Exit",
    "ExitKind",
    "ExitReason",
    "ExitSignal",
    "Inbox",
    "LatchFuture",
    "Lifeline",
    "LinkedExit",
    "MonitorRef",
    "NameNotFound",
    "NameTaken",
    "Names",
    "NotSupervisable",
    "Pool",
    "PooledActor",
    "PooledFuture",
    "PooledRef",
    "Restart",
    "RestartIntensityExceeded",
    "Scheduler",
    "SchedulerStopped",
    "Shutdown",
    "StartFailed",
    "Strategy",
    "SupervisedActorRef",
    "Supervisor",
    "SupervisorsError",
    "add_restart",
    "default_pool",
    "default_scheduler",
    "demonitor",
    "hold_turns",
    "link",
    "monitor",
    "release_turns",
    "restart_allowed",
    "stop_at_exit",
    "stop_tree",
    "unlink",
]
