"""The interactions framework's own costs, measured (no network: a REST client that records).

Run: .venv/bin/python bench/bench_interactions.py   (a few seconds)
Prints: reading a consumer's decorators (once per class, at definition), routing one slash
command with two options to its method and answering (per interaction, in the worker), a
MESSAGE_CREATE passing through the dispatcher of a consumer with text commands, and the sync
diff of 100 commands against Discord's answer (once per start).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.events import Event, ShardInfo
from bot.interactions import Dispatcher, Registry
from bot.interactions.sync import diff_commands
from bot.payloads import Interaction, Message
from examples.dice import DiceBot


class NullApi:
    """Stands for the REST client; answers every call with None."""

    def __getattr__(self, name: str) -> Any:
        return lambda *args, **kwargs: None


class Holder:
    """The dispatcher needs only `api` (and the handler methods) on the consumer."""

    api = NullApi()
    cache = None


def per_call(label: str, n: int, call: Any) -> None:
    started = time.perf_counter()
    for _ in range(n):
        call()
    elapsed = time.perf_counter() - started
    print(f"{label:<58} {elapsed / n * 1e6:8.1f} us")


def main() -> None:
    per_call(
        "read the decorators of examples/dice.py (Registry.of)", 200, lambda: Registry.of(DiceBot)
    )
    registry = Registry.of(DiceBot)
    holder = Holder()
    for name in ("roll", "roll_text", "_roll"):
        setattr(holder, name, getattr(DiceBot, name).__get__(holder))
    holder._lock = __import__("threading").Lock()  # type: ignore[attr-defined]
    holder._totals = __import__("collections").Counter()  # type: ignore[attr-defined]
    dispatcher = Dispatcher(registry)
    shard = ShardInfo(0)
    slash = Event(
        "INTERACTION_CREATE",
        Interaction(
            {
                "id": "1",
                "application_id": "2",
                "type": 2,
                "token": "t",
                "channel_id": "3",
                "member": {"user": {"id": "4", "username": "ada"}},
                "data": {
                    "name": "roll",
                    "type": 1,
                    "options": [
                        {"name": "sides", "type": 4, "value": 20},
                        {"name": "count", "type": 4, "value": 3},
                    ],
                },
            }
        ),
        shard,
    )
    per_call(
        "route /roll sides:20 count:3 and answer (embed + button)",
        20_000,
        lambda: dispatcher.handle(holder, slash),
    )
    chat = Event(
        "MESSAGE_CREATE",
        Message({"id": "5", "channel_id": "3", "content": "hello there", "author": {"id": "4"}}),
        shard,
    )
    per_call(
        "a MESSAGE_CREATE that is no text command, through it",
        200_000,
        lambda: dispatcher.handle(holder, chat),
    )
    local = [
        {
            "type": 1,
            "name": f"c{i}",
            "description": "d",
            "options": [{"type": 4, "name": "n", "description": "n"}],
        }
        for i in range(100)
    ]
    remote = [
        {**c, "id": str(i), "version": "1", "nsfw": False, "contexts": None}
        for i, c in enumerate(local)
    ]
    per_call("diff 100 commands with Discord's answer", 200, lambda: diff_commands(local, remote))


if __name__ == "__main__":
    main()
