"""The bot embedded under an application's own Supervisor, next to a sibling (issue 6)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from actors.errors import ShardStoppedForGood
from bot.app import Bot
from bot.app.tree import BOT_INTENSITY
from supervisors import ExitKind, Names, RestartIntensityExceeded, Strategy, Supervisor, stop_tree
from tests.integration.consumers import WAIT, journal_of
from tests.integration.helpers import crash, crash_and_wait_restart, wait_ready, write_config
from tests.supervisors.helpers import Journal, worker_spec

RECORDER = "tests.integration.consumers:Recorder"


class App:
    """A user's application tree: a sibling worker, then the bot, under one Supervisor."""

    def __init__(self, bot: Bot, strategy: Strategy, intensity: int) -> None:
        self.bot = bot
        self.names = Names()
        self.journal = Journal()
        self.ref = Supervisor.start(
            [worker_spec("sibling", self.journal), bot.child_spec("bot")],
            strategy=strategy,
            intensity=intensity,
            period=60.0,
            names=self.names,
            name="App",
        )

    def stop(self) -> None:
        assert stop_tree(self.ref, 30)
        assert self.bot.stop()  # ends what the bot keeps across its restarts: the simulator
        assert self.bot.simulator is None


@pytest.fixture(name="make_app")
def make_app_fixture() -> Iterator[Any]:
    apps: list[App] = []

    def make(bot: Bot, strategy: Strategy, intensity: int) -> App:
        app = App(bot, strategy, intensity)
        apps.append(app)
        return app

    yield make
    for app in apps:
        app.stop()


def exceed_the_bots_intensity(bot: Bot) -> None:
    """Crashes a permanent child of BotSupervisor once more than its intensity allows."""
    for _ in range(BOT_INTENSITY):
        crash_and_wait_restart(bot, "identify_queue")
    crash(bot.names.get("identify_queue", WAIT))


def test_the_bot_works_under_a_users_supervisor(tmp_path: Path, make_app: Any) -> None:
    bot = Bot.from_config(write_config(tmp_path, [RECORDER]))
    app = make_app(bot, Strategy.ONE_FOR_ONE, 3)
    sibling = app.names.get("sibling", WAIT)
    assert sibling.ask("ping", timeout=WAIT) == "pong"
    journal = wait_ready(bot, 2)
    bot.simulator.stream_messages(50)
    journal.wait_for_messages(range(50))
    assert sorted(bot.cache.guild_ids()) == sorted(bot.simulator.config.world.guild_ids())
    # A crash inside the bot is the bot's own business: its supervisor restarts the child.
    crash_and_wait_restart(bot, "cache")
    assert app.names.get("sibling", WAIT) is sibling
    assert app.ref.proxy().restart_count.get(timeout=WAIT) == 0


def test_past_its_intensity_the_bot_fails_to_the_users_supervisor_which_restarts_it(
    tmp_path: Path, make_app: Any
) -> None:
    bot = Bot.from_config(write_config(tmp_path, [RECORDER]))
    app = make_app(bot, Strategy.ONE_FOR_ONE, 3)
    sibling = app.names.get("sibling", WAIT)
    first_root = app.names.get("bot", WAIT)
    wait_ready(bot, 2)
    first_simulator = bot.simulator

    exceed_the_bots_intensity(bot)

    # BotSupervisor stopped its children and crashed with RestartIntensityExceeded...
    assert first_root.lifeline.wait(WAIT)
    reason = first_root.lifeline.reason
    assert reason.kind is ExitKind.CRASH
    assert isinstance(reason.exception, RestartIntensityExceeded)
    # ...which the user's supervisor saw as a crash of its child: it restarted the bot only.
    second_root = app.names.get("bot", WAIT)
    assert second_root is not first_root
    assert app.ref.proxy().restart_count.get(timeout=WAIT) == 1
    assert app.names.get("sibling", WAIT) is sibling and sibling.is_alive()
    assert app.journal.events("start") == ["sibling"]
    # The restarted bot works: Discord (the simulator) kept running, the shard resumed.
    assert bot.simulator is first_simulator
    first_simulator.wait_for_resume(timeout=WAIT)
    journal = journal_of(bot.cache)
    journal.wait_until(lambda j: j.count("RESUMED") >= 1)
    bot.simulator.stream_messages(20, first=1000)
    journal.wait_for_messages(range(1000, 1020))
    assert journal.count("READY") == 1


def test_one_for_all_restarts_the_sibling_with_the_bot(tmp_path: Path, make_app: Any) -> None:
    bot = Bot.from_config(write_config(tmp_path, [RECORDER]))
    app = make_app(bot, Strategy.ONE_FOR_ALL, 3)
    sibling = app.names.get("sibling", WAIT)
    wait_ready(bot, 2)
    exceed_the_bots_intensity(bot)
    assert sibling.lifeline.wait(WAIT)
    assert sibling.lifeline.reason.kind is ExitKind.SHUTDOWN  # stopped by the user's supervisor
    second = app.names.get("sibling", WAIT)
    assert second is not sibling and second.ask("ping", timeout=WAIT) == "pong"
    bot.simulator.wait_for_resume(timeout=WAIT)
    bot.simulator.stream_messages(5)
    journal_of(bot.cache).wait_for_messages(range(5))


def test_the_users_supervisor_escalates_when_its_own_intensity_is_zero(
    tmp_path: Path, make_app: Any
) -> None:
    bot = Bot.from_config(write_config(tmp_path, [RECORDER]))
    app = make_app(bot, Strategy.ONE_FOR_ONE, 0)
    sibling = app.names.get("sibling", WAIT)
    wait_ready(bot, 2)
    exceed_the_bots_intensity(bot)
    # No restart allowed: the user's supervisor stops the sibling and fails in its turn.
    assert app.ref.lifeline.wait(WAIT)
    reason = app.ref.lifeline.reason
    assert reason.kind is ExitKind.CRASH
    assert isinstance(reason.exception, RestartIntensityExceeded)
    assert reason.exception.child_id == "bot"
    assert sibling.lifeline.reason.kind is ExitKind.SHUTDOWN
    assert app.journal.events("stop") == ["sibling"]
    with pytest.raises(RuntimeError, match="not been started"):
        bot.api  # noqa: B018  (the ended tree's REST client was closed with it)


def test_a_fatal_close_ends_the_embedded_bot_and_it_is_not_restarted(
    tmp_path: Path, make_app: Any
) -> None:
    bot = Bot.from_config(write_config(tmp_path, [RECORDER]))
    app = make_app(bot, Strategy.ONE_FOR_ONE, 3)
    sibling = app.names.get("sibling", WAIT)
    root = app.names.get("bot", WAIT)
    wait_ready(bot, 2)
    bot.simulator.close(4004, shard_id=0)
    # the bot's tree ends with the reason; reconnecting cannot help, so no restart
    assert root.lifeline.wait(WAIT)
    reason = root.lifeline.reason
    assert reason.kind is ExitKind.SHUTDOWN
    assert isinstance(reason.exception, ShardStoppedForGood) and reason.exception.code == 4004
    assert app.ref.proxy().restart_count.get(timeout=WAIT) == 0
    assert app.names.whereis("bot") is None
    assert sibling.is_alive()  # the application goes on
