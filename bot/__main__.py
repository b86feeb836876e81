"""Command line entry point: `python -m bot` and the `shardline` console script."""

from __future__ import annotations

import sys

from bot.app.cli import main

__all__ = ["main"]

if __name__ == "__main__":
    sys.exit(main())
