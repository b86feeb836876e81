"""A structural pre-check of ETF frames, so that erlpack never sees one it would crash on.

erlpack's decoder recurses in C without a depth limit: a frame of ~30,000 nested tuples (60 KB)
overflows an 8 MB thread stack and kills the whole process with SIGSEGV. It also inflates a
COMPRESSED term (tag 80) with no size limit. Discord nests payloads a few dozen levels deep and
never sends tag 80, so frames that do either are refused here with a `DecodeError`.

The scan walks term headers only (binaries are skipped by length), and runs only on frames that
could be dangerous: a level of nesting costs at least 2 bytes, so a frame shorter than
2 * MAX_ETF_DEPTH bytes cannot be too deep, and a cheap count of container headers bounds the
depth of most others (a 392-member GUILD_CREATE: 2,486). Only huge frames pay for the scan.
"""

from __future__ import annotations

from .errors import DecodeError

__all__ = ["MAX_ETF_DEPTH", "check_etf_frame"]

# Ours: far above any Discord payload (a few dozen levels), far below the ~30,000 levels that
# overflow an 8 MB stack (measured with erlpack 1.0.1), so safe on thread stacks down to ~2 MB.
# Frames under 2 * MAX_ETF_DEPTH bytes (most dispatches) skip the scan. Past erlpack, the Python
# normaliser refuses anything deeper than the interpreter's recursion limit (~1000) anyway.
MAX_ETF_DEPTH = 5_000

_VERSION = 131
_COMPRESSED = 80

# Leaf tags with a fixed size after the tag byte.
_FIXED = {97: 1, 98: 4, 70: 8, 99: 31, 106: 0}
# Leaf tags followed by a length field of (width) bytes, then that many bytes.
_LENGTH_PREFIXED = {109: 4, 100: 2, 118: 2, 115: 1, 119: 1, 107: 2}


def check_etf_frame(data: bytes) -> None:
    """Raises DecodeError if `data` holds a COMPRESSED term or nests deeper than MAX_ETF_DEPTH.

    Truncated or otherwise malformed frames pass: erlpack reports those itself, safely.
    """
    if len(data) >= 2 and data[1] == _COMPRESSED:
        raise DecodeError("compressed ETF terms are not accepted", encoding="etf", size=len(data))
    if len(data) < 2 * MAX_ETF_DEPTH or data[0] != _VERSION:
        return
    if _container_tags(data) <= MAX_ETF_DEPTH:
        return
    _scan(data)


def _container_tags(data: bytes) -> int:
    """A cheap upper bound on the nesting depth (bytes.count runs at memory speed).

    Each level needs one container header. MAP, LIST and LARGE_TUPLE headers with fewer than
    65,536 children start with the tag and two zero bytes; these 3-byte patterns cannot overlap
    (tags are non-zero), so counting them misses none. A container with more children holds at
    least 65,535 bytes of its own, so there are at most len // 65,535 such levels. A
    SMALL_TUPLE header is the tag and one byte: every 104 byte is counted.
    """
    return (
        data.count(b"t\x00\x00")
        + data.count(b"l\x00\x00")
        + data.count(b"i\x00\x00")
        + data.count(104)
        + len(data) // 65_535
    )


def _scan(data: bytes) -> None:
    end = len(data)
    pos = 1
    remaining = 1  # terms left in the innermost open container
    stack: list[int] = []
    from_bytes = int.from_bytes
    while pos < end:
        if remaining == 0:
            if not stack:
                return
            remaining = stack.pop()
            continue
        tag = data[pos]
        pos += 1
        remaining -= 1
        fixed = _FIXED.get(tag)
        if fixed is not None:
            pos += fixed
            continue
        width = _LENGTH_PREFIXED.get(tag)
        if width is not None:
            pos += width + from_bytes(data[pos : pos + width], "big")
            continue
        if tag == 116:  # MAP_EXT: arity pairs
            children = 2 * from_bytes(data[pos : pos + 4], "big")
            pos += 4
        elif tag == 108:  # LIST_EXT: elements, then the tail
            children = from_bytes(data[pos : pos + 4], "big") + 1
            pos += 4
        elif tag == 104:  # SMALL_TUPLE_EXT
            children = data[pos] if pos < end else 0
            pos += 1
        elif tag == 105:  # LARGE_TUPLE_EXT
            children = from_bytes(data[pos : pos + 4], "big")
            pos += 4
        elif tag == 110:  # SMALL_BIG_EXT: n, sign, n bytes
            pos += 2 + (data[pos] if pos < end else 0)
            continue
        elif tag == 111:  # LARGE_BIG_EXT
            pos += 5 + from_bytes(data[pos : pos + 4], "big")
            continue
        elif tag == _COMPRESSED:
            raise DecodeError("compressed ETF terms are not accepted", encoding="etf", size=end)
        else:
            raise DecodeError(f"unsupported ETF tag {tag}", encoding="etf", size=end)
        if children:
            stack.append(remaining)
            remaining = children
            if len(stack) > MAX_ETF_DEPTH:
                raise DecodeError(
                    f"terms nest deeper than {MAX_ETF_DEPTH} levels", encoding="etf", size=end
                )
