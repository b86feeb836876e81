"""A dice bot: the example of every part of `bot.interactions` working together.

- `/roll sides:int count:int` answers with an embed and a "Roll again" button whose state (the
  sides and count) lives in its custom_id, so it keeps working after a restart;
- `/coin` flips a coin; `/dice stats` and `/dice reset` are subcommands of a group;
- `/pick choices:str` autocompletes from the recent rolls;
- `/clear` asks for confirmation with a view that only its author may click, for 60 seconds;
- `/feedback` opens a modal, whose submit is answered ephemerally;
- "Roll for" is a user context-menu command;
- `!roll 20` is the same roll as a text command.

Run it: `consumers = ["examples.dice:DiceBot"]` in config.toml (it reads message content for
`!roll`, so the intents need "message_content"). Its tests: `tests/examples/test_dice.py`.
"""

from __future__ import annotations

import random
import threading
from collections import Counter
from typing import Annotated, Any

from bot import Consumer
from bot.interactions import (
    Button,
    ButtonStyle,
    Choice,
    Embed,
    Group,
    InteractionContext,
    Label,
    Modal,
    Option,
    PrefixContext,
    Range,
    TextInput,
    TextInputStyle,
    View,
    autocomplete,
    component,
    modal,
    prefix_command,
    slash_command,
    user_command,
)
from bot.payloads import User

__all__ = ["DiceBot", "again_button", "roll_embed"]

MAX_SIDES = 1000
MAX_DICE = 20
CONFIRM_TIMEOUT = 60.0


def roll_embed(sides: int, results: list[int], who: str) -> Embed:
    """The embed of one roll: each die, the total, who rolled."""
    return (
        Embed(title=f"{len(results)}d{sides}", description=" ".join(f"`{r}`" for r in results))
        .add_field("total", str(sum(results)), inline=True)
        .set_footer(f"rolled by {who}")
    )


def again_button(sides: int, count: int) -> Button:
    """The button that rolls the same dice again (its state is in the custom_id)."""
    return Button("Roll again", custom_id=f"dice:again:{sides}:{count}", style=ButtonStyle.PRIMARY)


class DiceBot(Consumer):
    """Rolls dice; see the module doc for every command."""

    prefix = "!"

    def __init__(self, groups: Any, **options: Any) -> None:
        super().__init__(groups, **options)
        self._lock = threading.Lock()  # handlers run in parallel workers
        self._totals: Counter[int] = Counter()  # sides -> dice rolled

    def _roll(self, sides: int, count: int) -> list[int]:
        results = [random.randint(1, sides) for _ in range(count)]
        with self._lock:
            self._totals[sides] += count
        return results

    @slash_command(description="Roll dice")
    def roll(
        self,
        ctx: InteractionContext,
        sides: Annotated[int, Range(2, MAX_SIDES), Option(description="Faces of each die")] = 6,
        count: Annotated[int, Range(1, MAX_DICE), Option(description="How many dice")] = 1,
    ) -> None:
        results = self._roll(sides, count)
        ctx.respond(
            embeds=[roll_embed(sides, results, ctx.user.username or str(ctx.user.id))],
            components=[again_button(sides, count)],
        )

    @component("dice:again:{sides:int}:{count:int}")
    def again(self, ctx: InteractionContext, sides: int, count: int) -> None:
        results = self._roll(sides, count)
        ctx.update_message(
            embeds=[roll_embed(sides, results, ctx.user.username or str(ctx.user.id))],
            components=[again_button(sides, count)],
        )

    @slash_command(description="Flip a coin")
    def coin(self, ctx: InteractionContext) -> None:
        ctx.respond(random.choice(["heads", "tails"]))

    dice = Group("dice", "Dice statistics")

    @dice.command(name="stats", description="Dice rolled so far")
    def dice_stats(self, ctx: InteractionContext) -> None:
        with self._lock:
            totals = dict(self._totals)
        lines = [f"d{sides}: {n}" for sides, n in sorted(totals.items())] or ["nothing yet"]
        ctx.respond("\n".join(lines), ephemeral=True)

    @dice.command(name="reset", description="Forget the statistics")
    def dice_reset(self, ctx: InteractionContext) -> None:
        with self._lock:
            self._totals.clear()
        ctx.respond("statistics cleared", ephemeral=True)

    @slash_command(description="Pick a die by its sides")
    def pick(
        self, ctx: InteractionContext, sides: Annotated[str, Option(description="e.g. d20")]
    ) -> None:
        ctx.respond(f"you picked {sides}")

    @autocomplete("pick", "sides")
    def pick_sides(self, ctx: InteractionContext, value: str) -> list[Choice]:
        known = [4, 6, 8, 10, 12, 20, 100]
        return [Choice(f"d{s}", f"d{s}") for s in known if f"d{s}".startswith(value or "d")]

    @slash_command(description="Clear the statistics, after a confirmation")
    def clear(self, ctx: InteractionContext) -> None:
        view = View(timeout=CONFIRM_TIMEOUT, allowed_users=[ctx.user.id])
        view.button("Clear", self._confirm_clear, style=ButtonStyle.DANGER)
        view.button("Keep", lambda c: c.update_message("kept", components=[]))
        ctx.respond("Clear the statistics?", view=view, ephemeral=True)

    def _confirm_clear(self, ctx: InteractionContext) -> None:
        with self._lock:
            self._totals.clear()
        ctx.update_message("cleared", components=[])

    @slash_command(description="Tell us what you think")
    def feedback(self, ctx: InteractionContext) -> None:
        ctx.send_modal(
            Modal(
                "dice:feedback",
                "Feedback",
                [
                    Label("Rating from 1 to 5", TextInput("rating", max_length=1)),
                    Label(
                        "Anything else?",
                        TextInput("words", style=TextInputStyle.PARAGRAPH, required=False),
                        description="Optional",
                    ),
                ],
            )
        )

    @modal("dice:feedback")
    def feedback_sent(self, ctx: InteractionContext) -> None:
        rating = ctx.fields.get("rating", "?")
        ctx.respond(f"thanks for the {rating}/5", ephemeral=True)

    @user_command("Roll for")
    def roll_for(self, ctx: InteractionContext, user: User) -> None:
        [result] = self._roll(20, 1)
        ctx.respond(f"<@{user.id}> rolled {result} on a d20")

    @prefix_command(name="roll")
    def roll_text(self, ctx: PrefixContext, sides: int = 6, count: int = 1) -> None:
        if not 2 <= sides <= MAX_SIDES or not 1 <= count <= MAX_DICE:
            ctx.reply(f"sides 2 to {MAX_SIDES}, dice 1 to {MAX_DICE}")
            return
        results = self._roll(sides, count)
        name = ctx.author.username if ctx.author is not None else "someone"
        ctx.reply(embeds=[roll_embed(sides, results, name or "someone")])
