"""Command line entry point (`python -m bot`, `shardline`). Temporary: a supervision demo."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    """Runs the command line; returns the exit status."""
    print("shardline: the bot is not assembled yet")
    return 0


if __name__ == "__main__":
    sys.exit(main())
