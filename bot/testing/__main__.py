"""`python -m bot.testing`: the local Discord (gateway and REST) alone, until Ctrl-C."""

from __future__ import annotations

import sys

from bot.log import configure
from bot.testing.serve import serve_forever


def main() -> int:
    """Serves with the default world; returns the exit status."""
    configure()
    try:
        serve_forever()
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
