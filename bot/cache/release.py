"""Giving the heap pages a GUILD_CREATE storm freed back to the system (glibc's `malloc_trim`).

Why: the storm decodes tens of megabytes of payload that is garbage a moment later. glibc
returns a freed chunk's pages to the system only when it is at the top of its heap; the frames
of a storm are freed in the middle of the heaps of the reader's and the producer's threads (the
packed stores' blocks sit above them), so after the storm the process keeps the storm's peak
as resident memory, 15 to 30 MB for 50 x 2,000 members, nearly all of it free. `malloc_trim(0)`
gives back every whole free page of every heap (`madvise`); a later allocation there costs a
page fault, nothing else. It takes a few milliseconds, once the READY's last unavailable guild
has arrived (`bot.cache.guilds.guild_create`): the storm is over.

It changes nothing anyone reads; on a C library without it (musl, macOS) it does nothing.
`SHARDLINE_MALLOC_TRIM=0` turns it off.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
from collections.abc import Callable

__all__ = ["release_free_memory"]


def _trimmer() -> Callable[[int], int] | None:
    if os.environ.get("SHARDLINE_MALLOC_TRIM", "1") == "0":
        return None
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
    except OSError:
        return None
    trim = getattr(libc, "malloc_trim", None)
    if trim is None:
        return None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return trim


_TRIM = _trimmer()


def release_free_memory() -> bool:
    """Asks the C library to give free heap pages back to the system; whether it could."""
    if _TRIM is None:
        return False
    _TRIM(0)
    return True
