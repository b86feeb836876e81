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
    NameTaken,
    NotSupervisable,
    RestartIntensityExceeded,
    StartFailed,
    SupervisorsError,
)
from supervisors.inbox import Inbox
from supervisors.lifeline import Lifeline, demonitor, link, monitor, unlink
from supervisors.messages import (
    NOPROC,
    NORMAL,
    SHUTDOWN,
    Down,
    Exit,
    ExitKind,
    ExitReason,
    ExitSignal,
    MonitorRef,
    Shutdown,
)

__all__ = [
    "NOPROC",
    "NORMAL",
    "SHUTDOWN",
    "Actor",
    "ChildAlreadyPresent",
    "ChildNotFound",
    "ChildRunning",
    "ChildSpecError",
    "Down",
    "Exit",
    "ExitKind",
    "ExitReason",
    "ExitSignal",
    "Inbox",
    "Lifeline",
    "LinkedExit",
    "MonitorRef",
    "NameTaken",
    "NotSupervisable",
    "RestartIntensityExceeded",
    "Shutdown",
    "StartFailed",
    "SupervisedActorRef",
    "SupervisorsError",
    "demonitor",
    "link",
    "monitor",
    "unlink",
]
