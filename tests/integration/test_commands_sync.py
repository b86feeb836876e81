"""Command sync against the simulator's application-command routes: compare first, upload only
a change, once per bot (not per shard), globally or in the configured guilds."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from bot import Bot, Consumer
from bot.api import Client
from bot.app.commands import declared_commands, sync_commands
from bot.interactions import InteractionContext, slash_command, user_command
from bot.payloads import User
from bot.testing.rest import FakeRest
from tests.integration.helpers import FAST_SIMULATOR

COMMANDS_ROUTE = "/applications/{application_id}/commands"
GUILD_COMMANDS_ROUTE = "/applications/{application_id}/guilds/{guild_id}/commands"


class Dice(Consumer):
    @slash_command(description="Roll a die")
    def roll(self, ctx: InteractionContext, sides: int = 6) -> None:
        ctx.respond(str(sides))

    @user_command("Profile")
    def profile(self, ctx: InteractionContext, user: User) -> None:
        ctx.respond(user.username or "")


class MoreDice(Dice):
    @slash_command(description="Flip a coin")
    def flip(self, ctx: InteractionContext) -> None:
        ctx.respond("heads")


def _requests(rest: FakeRest, method: str, route: str) -> list[Any]:
    return [r for r in rest.requests if r.method == method and r.route == route]


@pytest.fixture
def rest() -> Iterator[tuple[FakeRest, Client]]:
    with FakeRest() as fake:
        client = Client(fake.token, base_url=fake.base_url)
        try:
            yield fake, client
        finally:
            client.close()


def test_sync_uploads_once_and_not_again_when_nothing_changed(
    rest: tuple[FakeRest, Client],
) -> None:
    fake, client = rest
    first = sync_commands(client, declared_commands([Dice]))
    assert [r.uploaded for r in first] == [True]
    assert first[0].diff.added == ((1, "roll"), (2, "Profile"))
    stored = fake.state.commands["global"]
    assert sorted(c["name"] for c in stored.values()) == ["Profile", "roll"]

    again = sync_commands(client, declared_commands([Dice]))
    assert [r.uploaded for r in again] == [False]
    assert again[0].diff.is_empty
    assert len(_requests(fake, "PUT", COMMANDS_ROUTE)) == 1
    assert len(_requests(fake, "GET", COMMANDS_ROUTE)) == 2

    changed = sync_commands(client, declared_commands([MoreDice]))
    assert changed[0].uploaded and changed[0].diff.added == ((1, "flip"),)
    assert len(_requests(fake, "PUT", COMMANDS_ROUTE)) == 2


def test_diff_only_never_uploads(rest: tuple[FakeRest, Client]) -> None:
    fake, client = rest
    [result] = sync_commands(client, declared_commands([Dice]), upload=False)
    assert not result.uploaded and not result.diff.is_empty
    assert _requests(fake, "PUT", COMMANDS_ROUTE) == []


def test_guild_scopes_get_the_commands_and_global_is_left_alone(
    rest: tuple[FakeRest, Client],
) -> None:
    fake, client = rest
    guilds = [int(fake.state.add_guild("a")["id"]), int(fake.state.add_guild("b")["id"])]
    results = sync_commands(client, declared_commands([Dice]), guilds=guilds)
    assert [(r.guild_id, r.uploaded) for r in results] == [(guilds[0], True), (guilds[1], True)]
    assert len(_requests(fake, "PUT", GUILD_COMMANDS_ROUTE)) == 2
    assert "global" not in fake.state.commands
    assert {c["name"] for c in fake.state.commands[str(guilds[0])].values()} == {"roll", "Profile"}


def test_no_declared_command_leaves_discords_commands_alone(
    rest: tuple[FakeRest, Client],
) -> None:
    fake, client = rest
    sync_commands(client, declared_commands([Dice]))
    assert sync_commands(client, []) == []
    assert len(fake.state.commands["global"]) == 2


def test_a_bot_syncs_once_for_all_its_shards() -> None:
    config = {"gateway": {"url": "local"}, "simulator": {**FAST_SIMULATOR, "shards": 2}}
    with Bot.from_config(config, consumers=[Dice]) as bot:
        rest = bot.simulator.rest
        assert len(bot.shards) == 2
        assert len(_requests(rest, "GET", COMMANDS_ROUTE)) == 1
        assert len(_requests(rest, "PUT", COMMANDS_ROUTE)) == 1
        assert {c["name"] for c in rest.state.commands["global"].values()} == {"roll", "Profile"}


def test_sync_can_be_switched_off() -> None:
    config = {
        "gateway": {"url": "local"},
        "simulator": FAST_SIMULATOR,
        "commands": {"sync": False},
    }
    with Bot.from_config(config, consumers=[Dice]) as bot:
        assert _requests(bot.simulator.rest, "GET", COMMANDS_ROUTE) == []


def test_two_consumers_declaring_one_command_are_refused() -> None:
    from bot.interactions import LimitError

    with pytest.raises(LimitError, match="/roll is declared twice"):
        Bot.from_config({"gateway": {"url": "local"}}, consumers=[Dice, MoreDice])


def test_a_refused_sync_is_logged_and_the_bot_runs_on() -> None:
    from structlog.testing import capture_logs

    config = {
        "gateway": {"url": "local"},
        "simulator": FAST_SIMULATOR,
        "commands": {"guilds": [123456789]},  # a guild the bot is not in: 404 Unknown Guild
    }
    with capture_logs() as logs, Bot.from_config(config, consumers=[Dice]) as bot:
        assert bot.shards
        failed = [entry for entry in logs if entry["event"] == "commands.sync_failed"]
        assert failed and "Unknown Guild" in failed[0]["error"]
