"""A scripted Discord session as plain data: the steps the simulator plays against a bot.

    script = session_script(guilds=3, messages=20)      # what `make run` plays
    result = play(script, discord, bot, timeout=60)     # bot.testing.session_player

Each step is a frozen dataclass; a script is a tuple of them, so users can write their own or
edit the default one (`session_script()[:3] + (Command(0, "!mine", "ok"), AwaitReplies())`).
Guilds are named by their index in the simulator's `World`; a `Command` goes to the guild's
first channel and expects a reply that starts with `reply`, sent as a reply to the command
(`message_reference`) through `POST /channels/{id}/messages`.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "DEFAULT_COMMANDS",
    "AwaitReplies",
    "AwaitSessions",
    "Command",
    "Drop",
    "MemberJoin",
    "Messages",
    "Pause",
    "Reconnect",
    "RequestMembers",
    "Step",
    "session_script",
]


@dataclass(frozen=True, slots=True)
class AwaitSessions:
    """Waits until every shard has a session and was sent its READY and GUILD_CREATEs."""


@dataclass(frozen=True, slots=True)
class MemberJoin:
    """A GUILD_MEMBER_ADD of a new user (member index past the world's members)."""

    guild: int
    member: int


@dataclass(frozen=True, slots=True)
class RequestMembers:
    """The bot asks for the members whose name starts with `query` (op 8) and gets the chunks."""

    guild: int
    query: str = "user"
    limit: int = 10


@dataclass(frozen=True, slots=True)
class Messages:
    """`count` ordinary MESSAGE_CREATEs ("message N"), spread over the guilds of every shard;
    all at once, or in batches over `over` seconds (a steady flow to watch)."""

    count: int
    over: float = 0.0


@dataclass(frozen=True, slots=True)
class Command:
    """A MESSAGE_CREATE with `content` in guild `guild`'s first channel; expects a reply."""

    guild: int
    content: str
    reply: str
    """What the reply's content starts with."""


@dataclass(frozen=True, slots=True)
class Reconnect:
    """RECONNECT (op 7) on a shard; waits until the bot RESUMEs."""

    shard: int = 0


@dataclass(frozen=True, slots=True)
class Drop:
    """Drops a shard's TCP connection with no close frame; waits until the bot RESUMEs."""

    shard: int = 0


@dataclass(frozen=True, slots=True)
class AwaitReplies:
    """Waits until every command sent so far has its reply in the REST record."""


@dataclass(frozen=True, slots=True)
class Pause:
    """Waits `seconds` (cut short by a cancel): paces a demo so its phases can be watched."""

    seconds: float


Step = (
    AwaitSessions
    | MemberJoin
    | RequestMembers
    | Messages
    | Command
    | Reconnect
    | Drop
    | AwaitReplies
    | Pause
)

DEFAULT_COMMANDS: tuple[tuple[str, str], ...] = (
    ("!ping", "pong"),
    ("!echo hi", "hi"),
    ("!guilds", "I am in {guilds} guilds"),
    ("!whoami", "you are <@"),
)
"""The example consumer's commands (examples/ping.py) and how each reply starts."""


def session_script(
    *,
    guilds: int = 3,
    messages: int = 20,
    reconnect: bool = True,
    drop: bool = False,
    commands: tuple[tuple[str, str], ...] = DEFAULT_COMMANDS,
    rounds: int = 2,
    pace: float = 0.0,
) -> tuple[Step, ...]:
    """The default session: guilds arrive, a member joins and members are requested, then
    `messages` MESSAGE_CREATEs (among them `rounds` rounds of `commands`, round-robin over the
    guilds), a RECONNECT and resume (and a dropped connection with `drop`) halfway, and every
    reply awaited. With `pace`, messages flow over `pace` seconds and a `Pause` of that many
    seconds follows each phase.

    `messages` counts every MESSAGE_CREATE, commands included: with fewer messages than
    commands, fewer commands are sent. Without guilds there is nowhere to send messages.
    """
    planned: list[Step] = []
    if guilds > 0 and commands:
        for i in range(min(messages, rounds * len(commands))):
            content, reply = commands[i % len(commands)]
            planned.append(Command(i % guilds, content, reply.format(guilds=guilds)))
    fillers = messages - len(planned) if guilds > 0 else 0
    half = len(planned) // 2
    pause: list[Step] = [Pause(pace)] if pace > 0 else []
    phases: list[list[Step]] = [
        [AwaitSessions()],
        [MemberJoin(0, 1_000), RequestMembers(0)] if guilds > 0 else [],
        [Messages(fillers // 2, pace), *planned[:half]],
        [*([Reconnect()] if reconnect else []), *([Drop()] if drop else [])],
        [*planned[half:], Messages(fillers - fillers // 2, pace), AwaitReplies()],
    ]
    steps = [
        step
        for phase in phases
        if phase
        for step in [*phase, *pause]
        if not (isinstance(step, Messages) and step.count == 0)
    ]
    return tuple(steps)
