"""The JSON-lines channel of bench_peers.py's two child processes (peers_sim.py, peers_client.py).

Importing it takes the process's real stdout for the protocol; whatever else writes to stdout
(logs, a library's prints) goes to stderr instead, so it cannot garble a line.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any, TextIO

__all__ = ["say"]


def _protocol_out() -> TextIO:
    out = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    return out


_OUT = _protocol_out()


def say(**fields: Any) -> None:
    """Writes one JSON line to the parent."""
    _OUT.write(json.dumps(fields) + "\n")
    _OUT.flush()
